"""What each person and role must be able to do in the environment, and must not.

One table drives two checks: `emrs-env verify` runs every step through IAM's
policy simulator in a deployed stack, and the offline journey tests evaluate the
same steps against the rendered template. A step names the IAM actions, the
resources (placeholders filled from the stack's facts), the request context that
matters and the AWS documentation page it comes from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from awacs import ec2, glue, iam, kms, s3, secretsmanager
from awacs import elasticmapreduce as emr
from awacs import emr_serverless as emrs
from awacs.aws import Action

from generator.template import names

ADMIN, DEVELOPER, RUNTIME, STUDIO = (
    "admin",
    "developer",
    "runtime role",
    "studio service role",
)
PERSONAS = (ADMIN, DEVELOPER, RUNTIME, STUDIO)
ALLOWED, DENIED = "allowed", "denied"

# Features a step needs; a stack without the feature skips the step.
USERS, LIVY, CMK, STUDIO_ON, APPLICATION_ON = (
    "users",
    "livy",
    "customer-managed key",
    "studio",
    "application",
)

# Context keys IAM types as booleans; every other key in the table is a string.
BOOLEAN_KEYS = frozenset({"aws:SecureTransport"})

# Names that stand for things outside the stack: nothing may reach them.
OTHER_BUCKET = "emrs-env-verify-some-other-bucket"
OTHER_ROLE = "emrs-env-verify-some-other-role"
WORKSPACE = "e-EMRSENVVERIFY"

DOCS = {
    "studio-users": "EMR Management Guide, 'Configure EMR Studio user permissions "
    "for EMR Serverless' (admin and developer policies)",
    "serverless-interactive": "EMR Serverless User Guide, 'Run interactive "
    "workloads with EMR Serverless through EMR Studio'",
    "studio-service-role": "EMR Management Guide, 'Create an EMR Studio service "
    "role'",
    "runtime-role": "EMR Serverless User Guide, 'Job runtime roles for Amazon EMR "
    "Serverless'",
    "glue-catalog": "EMR Serverless User Guide, 'Using the AWS Glue Data Catalog "
    "as a metastore'",
    "pass-role": "IAM User Guide, 'Grant a user permissions to pass a role to an "
    "AWS service' (iam:PassedToService)",
    "secure-transport": "S3 User Guide, 'Security best practices: enforce "
    "encryption of data in transit' (aws:SecureTransport)",
    "kms-via-service": "KMS Developer Guide, 'kms:ViaService' and 'Default key "
    "policy: allows access to the AWS account and enables IAM policies'",
    "studio-kms": "EMR Management Guide, 'Encrypting EMR Studio workspace "
    "notebooks and files'",
    "secrets": "Secrets Manager User Guide, 'Authentication and access control "
    "for AWS Secrets Manager'",
    "livy": "EMR Serverless User Guide, 'Using the Livy endpoint' "
    "(emr-serverless:AccessLivyEndpoints)",
    "called-via": "IAM User Guide, 'AWS global condition context keys' "
    "(aws:CalledViaLast)",
    "stack-tags": "Service Authorization Reference, EMR Serverless and Secrets "
    "Manager (applications and secrets take aws:ResourceTag; CreateApplication "
    "takes aws:RequestTag)",
    "evaluation": "IAM User Guide, 'Policy evaluation logic' (an action no "
    "statement allows is implicitly denied)",
}


@dataclass(frozen=True)
class Request:
    """IAM actions on one resource, with the request context that matters."""

    actions: tuple[str, ...]
    resource: str
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One thing a persona does, whether it must be allowed, and its source."""

    persona: str
    name: str
    requests: tuple[Request, ...]
    expect: str
    source: str
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Facts:
    """What the steps' placeholders stand for in one stack."""

    partition: str
    region: str
    account: str
    bucket: str
    prefix: str
    runtime_role: str
    studio_role: str
    admin_secret: str = ""
    developer_secret: str = ""
    stack: str = ""
    stack_id: str = ""
    application_id: str = "00emrsenvverify"
    studio_id: str = "es-EMRSENVVERIFY"
    key_arn: str = ""
    features: frozenset[str] = frozenset()

    def values(self) -> dict[str, str]:
        """Placeholder values for the step resources and context."""
        base = f"{self.partition}:{{}}:{self.region}:{self.account}"
        arn = "arn:" + base
        return {
            "partition": self.partition,
            "region": self.region,
            "account": self.account,
            "bucket": f"arn:{self.partition}:s3:::{self.bucket}",
            "other_bucket": f"arn:{self.partition}:s3:::{OTHER_BUCKET}",
            "samples": f"arn:{self.partition}:s3:::{names.ATHENA_EXAMPLES_BUCKET}",
            "application": arn.format("emr-serverless")
            + f":/applications/{self.application_id}",
            "studio": arn.format("elasticmapreduce") + f":studio/{self.studio_id}",
            "editor": arn.format("elasticmapreduce") + f":editor/{WORKSPACE}",
            "glue": arn.format("glue"),
            "ec2": arn.format("ec2"),
            "runtime_role": self.runtime_role,
            "studio_role": self.studio_role,
            "other_role": f"arn:{self.partition}:iam::{self.account}:role/"
            f"{OTHER_ROLE}",
            "admin_secret": self.admin_secret,
            "developer_secret": self.developer_secret,
            "key": self.key_arn,
            "stack_id": self.stack_id,
            "other_stack_id": self.stack_id.rsplit("/", 1)[0] + "/other",
            "application_tag": f"{self.stack}-{names.APPLICATION_TAG}",
            "glue_database": self.prefix.replace("-", "_") + names.GLUE_DATABASE,
        }


def a(*actions: Action) -> tuple[str, ...]:
    """Action names from awacs constants."""
    return tuple(action.JSONrepr() for action in actions)


TLS = {"aws:SecureTransport": "true"}
VIA_S3 = {
    "kms:ViaService": "s3.{region}.amazonaws.com",
    "kms:CallerAccount": "{account}",
}
TO_SERVERLESS = {"iam:PassedToService": names.EMR_SERVERLESS_SERVICE}
TO_EMR = {"iam:PassedToService": names.EMR_SERVICE}
EMR_TAGGED = {f"aws:ResourceTag/{names.EMR_MANAGED_TAG}": "true"}
STACK_APPLICATION = {"aws:ResourceTag/Name": "{application_tag}"}
OTHER_APPLICATION = {"aws:ResourceTag/Name": "other-stack-application"}
STACK_SECRET = {f"aws:ResourceTag/{names.STACK_ID_TAG}": "{stack_id}"}
OTHER_SECRET = {f"aws:ResourceTag/{names.STACK_ID_TAG}": "{other_stack_id}"}
S3_READ = a(s3.ListBucket, s3.GetBucketLocation)


def _steps() -> Iterator[Step]:
    """The journeys of the four personas (admin and developer are the same for
    IAM users and federated roles)."""
    manage_app = a(
        emrs.GetApplication,
        emrs.StartApplication,
        emrs.StopApplication,
        emrs.UpdateApplication,
    )
    open_studio = Request(
        a(emr.DescribeStudio, emr.CreateStudioPresignedUrl), "{studio}"
    )
    read_bucket = (
        Request(S3_READ, "{bucket}", TLS),
        Request(a(s3.GetObject), "{bucket}/notebooks/{editor_id}.ipynb", TLS),
    )
    for persona in (ADMIN, DEVELOPER):
        src = "studio-users"
        yield Step(persona, "open the Studio", (open_studio,), ALLOWED, src)
        yield Step(
            persona,
            "start, stop and update the application",
            (Request(manage_app, "{application}", STACK_APPLICATION),),
            ALLOWED,
            src,
        )
        yield Step(
            persona,
            "start another stack's application",
            (Request(manage_app, "{application}", OTHER_APPLICATION),),
            DENIED,
            "stack-tags",
        )
        yield Step(
            persona,
            "create a workspace",
            (
                Request(a(emr.CreateEditor, emr.ListEditors), "*"),
                Request(a(iam.PassRole), "{studio_role}", TO_EMR),
            ),
            ALLOWED,
            src,
        )
        yield Step(
            persona,
            "attach the workspace to the application",
            (
                Request(a(emr.AttachEditor, emr.StartEditor), "{editor}"),
                Request(
                    a(emrs.AccessInteractiveEndpoints),
                    "{application}",
                    STACK_APPLICATION,
                ),
            ),
            ALLOWED,
            "serverless-interactive",
        )
        yield Step(
            persona,
            "pass the runtime role to EMR Serverless",
            (Request(a(iam.PassRole), "{runtime_role}", TO_SERVERLESS),),
            ALLOWED,
            "pass-role",
        )
        yield Step(
            persona,
            "read a notebook from the bucket",
            read_bucket,
            ALLOWED,
            src,
        )
        yield Step(
            persona,
            "connect through the Livy endpoint",
            (Request(a(emrs.AccessLivyEndpoints), "{application}", STACK_APPLICATION),),
            ALLOWED,
            "livy",
            frozenset({LIVY}),
        )
        yield Step(
            persona,
            "read a notebook encrypted with the environment key",
            (Request(a(kms.Decrypt), "{key}", VIA_S3),),
            ALLOWED,
            "kms-via-service",
            frozenset({CMK}),
        )
        # What must be denied.
        yield Step(
            persona,
            "read a notebook without TLS",
            (
                Request(
                    a(s3.GetObject),
                    "{bucket}/notebooks/{editor_id}.ipynb",
                    {"aws:SecureTransport": "false"},
                ),
            ),
            DENIED,
            "secure-transport",
        )
        yield Step(
            persona,
            "read another bucket",
            (Request(a(s3.GetObject), "{other_bucket}/data.csv", TLS),),
            DENIED,
            "evaluation",
        )
        yield Step(
            persona,
            "pass a role that is not the runtime role",
            (Request(a(iam.PassRole), "{other_role}", TO_SERVERLESS),),
            DENIED,
            "pass-role",
        )
        yield Step(
            persona,
            "pass the runtime role to another service",
            (
                Request(
                    a(iam.PassRole),
                    "{runtime_role}",
                    {"iam:PassedToService": "glue.amazonaws.com"},
                ),
            ),
            DENIED,
            "pass-role",
        )
        yield Step(
            persona,
            "create network interfaces outside EMR Serverless",
            (
                Request(
                    a(ec2.CreateNetworkInterface),
                    "{ec2}:subnet/subnet-0emrsenvverify",
                    {"aws:CalledViaLast": "ec2.amazonaws.com"},
                ),
            ),
            DENIED,
            "called-via",
        )
        yield Step(
            persona,
            "use the environment key outside S3 and Secrets Manager",
            (Request(a(kms.Decrypt), "{key}", {"kms:CallerAccount": "{account}"}),),
            DENIED,
            "kms-via-service",
            frozenset({CMK}),
        )
    yield Step(
        ADMIN,
        "create a Studio",
        (
            Request(a(emr.CreateStudio), "*"),
            Request(a(iam.PassRole), "{studio_role}", TO_EMR),
        ),
        ALLOWED,
        "studio-users",
    )
    yield Step(
        ADMIN,
        "read a developer's credentials",
        (
            Request(
                a(secretsmanager.GetSecretValue), "{developer_secret}", STACK_SECRET
            ),
        ),
        ALLOWED,
        "secrets",
        frozenset({USERS}),
    )
    yield Step(
        ADMIN,
        "read another stack's credentials of the same name",
        (
            Request(
                a(secretsmanager.GetSecretValue), "{developer_secret}", OTHER_SECRET
            ),
        ),
        DENIED,
        "stack-tags",
        frozenset({USERS}),
    )
    yield Step(
        DEVELOPER,
        "delete the Studio",
        (Request(a(emr.DeleteStudio), "{studio}"),),
        DENIED,
        "studio-users",
    )
    yield Step(
        DEVELOPER,
        "read the admin's credentials",
        (Request(a(secretsmanager.GetSecretValue), "{admin_secret}"),),
        DENIED,
        "secrets",
        frozenset({USERS}),
    )
    # The EMR Serverless runtime role: what a notebook's Spark job does.
    yield Step(
        RUNTIME,
        "read and write the bucket",
        (
            Request(a(s3.ListBucket), "{bucket}", TLS),
            Request(
                a(s3.GetObject, s3.PutObject, s3.DeleteObject),
                "{bucket}/verify/part-0000.parquet",
                TLS,
            ),
        ),
        ALLOWED,
        "runtime-role",
    )
    yield Step(
        RUNTIME,
        "query the Glue catalog",
        (
            Request(a(glue.GetDatabases), "{glue}:catalog"),
            Request(a(glue.GetDatabase), "{glue}:database/default"),
            Request(
                a(glue.GetDatabase, glue.GetTables, glue.CreateTable),
                "{glue}:database/{glue_database}",
            ),
            Request(a(glue.GetTable), "{glue}:table/{glue_database}/verify"),
        ),
        ALLOWED,
        "glue-catalog",
    )
    yield Step(
        RUNTIME,
        "read a table of a database the stack does not name",
        (
            Request(a(glue.GetDatabase), "{glue}:database/finance"),
            Request(a(glue.GetTable), "{glue}:table/finance/ledger"),
        ),
        DENIED,
        "glue-catalog",
    )
    yield Step(
        RUNTIME,
        "read the sample data",
        (Request(a(s3.GetObject), "{samples}/tickit/allusers_pipe.txt", TLS),),
        ALLOWED,
        "runtime-role",
    )
    yield Step(
        RUNTIME,
        "write objects with the environment key",
        (Request(a(kms.GenerateDataKey, kms.Decrypt), "{key}", VIA_S3),),
        ALLOWED,
        "kms-via-service",
        frozenset({CMK}),
    )
    yield Step(
        RUNTIME,
        "write outside the bucket",
        (Request(a(s3.PutObject), "{other_bucket}/out.parquet", TLS),),
        DENIED,
        "runtime-role",
    )
    yield Step(
        RUNTIME,
        "write to the sample data bucket",
        (Request(a(s3.PutObject), "{samples}/out.parquet", TLS),),
        DENIED,
        "runtime-role",
    )
    yield Step(
        RUNTIME,
        "read a user's credentials",
        (Request(a(secretsmanager.GetSecretValue), "{developer_secret}"),),
        DENIED,
        "secrets",
        frozenset({USERS}),
    )
    # The EMR Studio service role: what Studio does for a workspace.
    yield Step(
        STUDIO,
        "save workspace files in the bucket",
        (
            Request(a(s3.ListBucket, s3.GetEncryptionConfiguration), "{bucket}", TLS),
            Request(
                a(s3.GetObject, s3.PutObject, s3.DeleteObject),
                "{bucket}/notebooks/{editor_id}.ipynb",
                TLS,
            ),
        ),
        ALLOWED,
        "studio-service-role",
    )
    yield Step(
        STUDIO,
        "create a workspace network interface in a subnet tagged for EMR",
        (
            Request(
                a(ec2.CreateNetworkInterface),
                "{ec2}:subnet/subnet-0emrsenvverify",
                EMR_TAGGED,
            ),
        ),
        ALLOWED,
        "studio-service-role",
    )
    yield Step(
        STUDIO,
        "save workspace files encrypted with the environment key",
        (
            Request(
                a(kms.GenerateDataKey, kms.Decrypt),
                "{key}",
                {**VIA_S3, "kms:EncryptionContext:aws:s3:arn": "{bucket}"},
            ),
        ),
        ALLOWED,
        "studio-kms",
        frozenset({CMK}),
    )
    yield Step(
        STUDIO,
        "create a network interface in an untagged subnet",
        (
            Request(
                a(ec2.CreateNetworkInterface),
                "{ec2}:subnet/subnet-0emrsenvverify",
                {f"aws:ResourceTag/{names.EMR_MANAGED_TAG}": "false"},
            ),
        ),
        DENIED,
        "studio-service-role",
    )
    yield Step(
        STUDIO,
        "write outside the bucket",
        (Request(a(s3.PutObject), "{other_bucket}/out.ipynb", TLS),),
        DENIED,
        "studio-service-role",
    )


STEPS: tuple[Step, ...] = tuple(_steps())


def applicable(facts: Facts) -> list[Step]:
    """The steps this stack's features make meaningful."""
    return [s for s in STEPS if s.needs <= facts.features]


def resolve(request: Request, facts: Facts) -> Request:
    """The request with its placeholders filled from the stack's facts."""
    values = {**facts.values(), "editor_id": WORKSPACE}

    def fill(text: str) -> str:
        return text.format(**values)

    context: dict[str, str | tuple[str, ...]] = {}
    for key, value in request.context.items():
        context[key] = (
            tuple(fill(v) for v in value) if isinstance(value, tuple) else fill(value)
        )
    return Request(request.actions, fill(request.resource), context)


def markdown() -> str:
    """The journey table as Markdown, with each step's documentation page."""
    lines = [
        "| persona | step | expected | actions | needs | documentation |",
        "|---|---|---|---|---|---|",
    ]
    for step in STEPS:
        actions = ", ".join(sorted({act for r in step.requests for act in r.actions}))
        needs = ", ".join(sorted(step.needs)) or "-"
        lines.append(
            f"| {step.persona} | {step.name} | {step.expect} | {actions} | {needs} "
            f"| {DOCS[step.source]} |"
        )
    return "\n".join(lines) + "\n"
