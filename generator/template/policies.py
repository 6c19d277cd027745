"""IAM policy documents: the seed's four policies, narrowed, plus the stack's own.

Each seed policy keeps its statements' Sids, effects and actions. Resources are the
stack's own ARNs instead of name wildcards, always partition-aware. Where a seed
statement mixes actions that IAM scopes to resources with actions it does not,
the latter move to a sibling statement whose Sid is the seed's Sid plus
``AccountWide`` (tests/template/test_policy_parity.py lists every such change).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from awacs import cloudformation as cfn
from awacs import ec2, glue, iam, kms, logs, s3, sts
from awacs import elasticmapreduce as emr
from awacs import emr_serverless as emrs
from awacs import secretsmanager as sm
from awacs.aws import (
    Action,
    Allow,
    ArnEquals,
    ArnLike,
    Condition,
    ConditionElement,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
    StringLike,
)
from troposphere import AWSHelperFn, If, Join, NoValue, Ref, Split, Sub

from generator.template import names

VERSION = "2012-10-17"
GLUE_PREFIX = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:"
ACCOUNT_WIDE = "AccountWide"
Resource = str | AWSHelperFn


def arn(service: str, resource: str, regional: bool = True) -> Sub:
    """ARN in this stack's partition, region and account."""
    region = "${AWS::Region}" if regional else ""
    return Sub(
        f"arn:${{AWS::Partition}}:{service}:{region}:${{AWS::AccountId}}:{resource}"
    )


def global_arn(service: str, resource: str | AWSHelperFn) -> Sub:
    """ARN with neither region nor account (S3 buckets)."""
    if isinstance(resource, str):
        return Sub(f"arn:${{AWS::Partition}}:{service}:::{resource}")
    return Sub(f"arn:${{AWS::Partition}}:{service}:::${{Name}}", Name=resource)


def statement(
    sid: str,
    actions: Sequence[Action],
    resources: Sequence[Resource],
    *conditions: ConditionElement,
) -> Statement:
    """An Allow statement; conditions are ANDed."""
    props: dict[str, Any] = dict(
        Sid=sid, Effect=Allow, Action=list(actions), Resource=list(resources)
    )
    if conditions:
        props["Condition"] = Condition(list(conditions))
    return Statement(**props)


def named_action(name: str) -> Action:
    """An awacs action from its "service:Action" name."""
    prefix, _, rest = name.partition(":")
    return Action(prefix, rest)


def statements_of(document_: Any) -> list[dict[str, Any]]:
    """The statements of a built policy document, a conditional one's branches
    (Fn::If) included and AWS::NoValue left out."""
    found: list[dict[str, Any]] = []
    statements = document_.get("Statement", []) if isinstance(document_, dict) else []
    for statement_ in statements:
        if isinstance(statement_, dict) and "Fn::If" in statement_:
            found += [
                s
                for s in statement_["Fn::If"][1:]
                if isinstance(s, dict) and "Effect" in s
            ]
        elif isinstance(statement_, dict) and "Effect" in statement_:
            found.append(statement_)
    return found


def document(*statements: Statement) -> PolicyDocument:
    """A policy document of the given statements."""
    return PolicyDocument(Version=VERSION, Statement=list(statements))


def flow_logs_trust() -> PolicyDocument:
    """VPC flow logs of this account may assume the delivery role."""
    return service_trust(
        "vpc-flow-logs.amazonaws.com",
        source_account(),
        ArnLike("aws:SourceArn", arn("ec2", "vpc-flow-log/*")),
    )


def service_trust(service: str, *conditions: ConditionElement) -> PolicyDocument:
    """Trust policy letting one AWS service assume a role."""
    props: dict[str, Any] = dict(
        Effect=Allow, Action=[sts.AssumeRole], Principal=Principal("Service", [service])
    )
    if conditions:
        props["Condition"] = Condition(list(conditions))
    return document(Statement(**props))


def source_account() -> StringEquals:
    """Condition: the request comes from this account's resources."""
    return StringEquals("aws:SourceAccount", Sub("${AWS::AccountId}"))


@dataclass(frozen=True)
class Arns:
    """ARNs of the stack's resources that the policies grant access to."""

    bucket: Resource
    runtime_role: Resource
    studio_role: Resource

    @property
    def objects(self) -> Sub:
        """Every object in the notebook bucket."""
        return Sub("${Bucket}/*", Bucket=self.bucket)


# --- trust policies -------------------------------------------------------------


def runtime_trust() -> PolicyDocument:
    """EMR Serverless applications of this account may assume the runtime role."""
    return service_trust(
        names.EMR_SERVERLESS_SERVICE,
        source_account(),
        ArnLike("aws:SourceArn", arn("emr-serverless", "/applications/*")),
    )


def studio_trust() -> PolicyDocument:
    """EMR Studio of this account may assume the Studio service role."""
    return service_trust(
        names.EMR_SERVICE,
        source_account(),
        ArnLike("aws:SourceArn", arn("elasticmapreduce", "*")),
    )


def studio_user_trust() -> PolicyDocument:
    """EMR Studio may assume the user role for its Identity Center users, and set
    their identity context on the session. The EMR Management Guide's current "Create
    an EMR Studio user role for IAM Identity Center authentication mode" lists
    sts:AssumeRole and sts:SetContext (its example omits the principal); the older
    "Create an EMR Studio user role" gives elasticmapreduce.amazonaws.com and
    sts:AssumeRole with no condition. Both actions, that principal, no condition."""
    return document(
        Statement(
            Effect=Allow,
            Action=[sts.AssumeRole, sts.SetContext],
            Principal=Principal("Service", [names.EMR_SERVICE]),
        )
    )


# --- the seed's four policies ---------------------------------------------------

APPLICATIONS = "/applications/*"
JOB_RUNS = "/applications/*/jobruns/*"
# Actions on an application (Service Authorization Reference, "Actions defined by
# Amazon EMR Serverless": resource type application, which takes aws:ResourceTag).
SERVERLESS_SCOPED = [
    emrs.UpdateApplication, emrs.DeleteApplication, emrs.GetApplication,
    emrs.StartApplication, emrs.StopApplication, emrs.StartJobRun,
    emrs.ListJobRuns, emrs.AccessInteractiveEndpoints,
]  # fmt: skip
# Actions on a job run (resource type jobRun): its tags are its own, not its
# application's (EMR Serverless User Guide, "Tagging your resources"), so they are
# scoped by ARN to job runs.
SERVERLESS_JOB_RUNS = [emrs.CancelJobRun, emrs.GetJobRun, emrs.GetDashboardForJobRun]
SERVERLESS_ACCOUNT_WIDE = [emrs.ListApplications]
GLUE_CATALOG = [
    glue.GetDatabase, glue.CreateDatabase, glue.GetDatabases, glue.CreateTable,
    glue.GetTable, glue.UpdateTable, glue.DeleteTable, glue.GetTables,
    glue.GetPartition, glue.GetPartitions, glue.CreatePartition,
    glue.BatchCreatePartition, glue.GetUserDefinedFunctions,
]  # fmt: skip
WORKSPACE_SCOPED = [
    emr.DescribeEditor, emr.UpdateStudio, emr.StartEditor, emr.StopEditor,
    emr.DeleteEditor, emr.OpenEditorInConsole, emr.AttachEditor, emr.DetachEditor,
]  # fmt: skip
DESCRIBE_NETWORK = [ec2.DescribeVpcs, ec2.DescribeSubnets, ec2.DescribeSecurityGroups]


def runtime_policy(arns: Arns) -> PolicyDocument:
    """emr-serverless-s3-runtime-policy: what Spark jobs may read and write."""
    athena = names.ATHENA_EXAMPLES_BUCKET
    return document(
        statement(
            "ReadAccessForEMRSamples",
            [s3.GetObject, s3.ListBucket],
            [
                global_arn("s3", names.EMR_SAMPLES_BUCKETS),
                global_arn("s3", f"{names.EMR_SAMPLES_BUCKETS}/*"),
            ],
        ),
        statement(
            "FullAccessToS3Bucket",
            [s3.PutObject, s3.GetObject, s3.ListBucket, s3.DeleteObject],
            [arns.bucket, arns.objects],
        ),
        statement(
            "ReadAccessForAthenaExamples",
            [s3.GetObject, s3.ListBucket],
            [global_arn("s3", athena), global_arn("s3", f"{athena}/*")],
        ),
        statement("GlueCreateAndReadDataCatalog", GLUE_CATALOG, glue_resources()),
    )


def _glue_arns(database: Any) -> list[Sub]:
    """A database's ARN and those of its tables and functions (Glue Developer
    Guide, "Specifying AWS Glue resource ARNs": an action needs its resource and
    every parent, the catalog included)."""
    return [
        Sub(f"{GLUE_PREFIX}{kind}/${{Database}}{tail}", Database=database)
        for kind, tail in (
            ("database", ""),
            ("table", "/*"),
            ("userDefinedFunction", "/*"),
        )
    ]


def glue_resources() -> list[Any]:
    """The catalog, the default database (Spark opens it at start, so only the
    database, not its tables), and the databases Glue databases (GlueDatabases)
    names, or the stack's own when it names none."""
    own = Join(
        "", [Join("_", Split("-", Ref(names.P.NAME_PREFIX))), names.GLUE_DATABASE]
    )
    named = [
        If(names.glue_slot_condition(i), found, NoValue)
        for i in range(names.GLUE_SLOTS)
        for found in _glue_arns(
            names.list_slot(names.P.GLUE_DATABASES, names.GLUE_SLOTS, i)
        )
    ]
    return [
        arn("glue", "catalog"),
        arn("glue", "database/default"),
        *(If(names.C.HAS_GLUE_DATABASES, NoValue, found) for found in _glue_arns(own)),
        *named,
    ]


def studio_service_policy(arns: Arns) -> PolicyDocument:
    """emr-studio-service-policy: the Studio reads and writes workspace files."""
    return document(
        statement(
            "ObjectActions",
            [s3.PutObject, s3.GetObject, s3.DeleteObject],
            [arns.objects],
        ),
        statement(
            "BucketActions",
            [s3.ListBucket, s3.GetEncryptionConfiguration],
            [arns.bucket],
        ),
    )


def stack_application() -> StringEquals:
    """Condition: the application carries this stack's Name tag (<stack>-application,
    unique per stack and region), as the stack's own application does."""
    return StringEquals("aws:ResourceTag/Name", names.name_tag(names.APPLICATION_TAG))


def _serverless(sid: str) -> list[Statement]:
    """The seed's serverless statement, inside the stack: applications by the
    stack's Name tag, and a new one only with that tag (CreateApplication takes
    aws:RequestTag and no resource)."""
    return [
        statement(
            sid,
            SERVERLESS_SCOPED,
            [arn("emr-serverless", APPLICATIONS)],
            stack_application(),
        ),
        statement(
            sid + "JobRuns", SERVERLESS_JOB_RUNS, [arn("emr-serverless", JOB_RUNS)]
        ),
        statement(
            sid + "Create",
            [emrs.CreateApplication],
            ["*"],
            StringEquals("aws:RequestTag/Name", names.name_tag(names.APPLICATION_TAG)),
        ),
        statement(sid + ACCOUNT_WIDE, SERVERLESS_ACCOUNT_WIDE, ["*"]),
    ]


def _read_bucket(arns: Arns) -> list[Statement]:
    sid = "AllowS3ListAndGetPermissions"
    return [
        statement(
            sid,
            [s3.ListBucket, s3.GetBucketLocation, s3.GetObject],
            [arns.bucket, arns.objects],
        ),
        # ListAllMyBuckets takes no resource (Service Authorization Reference).
        statement(sid + ACCOUNT_WIDE, [s3.ListAllMyBuckets], ["*"]),
    ]


def _create_eni(*conditions: ConditionElement) -> Statement:
    return statement(
        "AllowEC2ENICreationWithEMRServerlessTags",
        [ec2.CreateNetworkInterface],
        [
            arn("ec2", "subnet/*"),
            arn("ec2", "security-group/*"),
            arn("ec2", "network-interface/*"),
        ],
        *conditions,
    )


def called_via_serverless() -> StringEquals:
    """Condition: EMR Serverless makes the call on the user's behalf."""
    return StringEquals("aws:CalledViaLast", names.EMR_SERVERLESS_OPS_SERVICE)


def passed_to(*services: str) -> StringEquals:
    """Condition: the role is passed only to these services."""
    value: str | list[str] = services[0] if len(services) == 1 else list(services)
    return StringEquals("iam:PassedToService", value)


def admin_policy(arns: Arns) -> PolicyDocument:
    """emrs-interactive-app-admin-policy: creates Studios, applications, workspaces."""
    studio_sid = "AllowStudioandWorkspaceActions"
    return document(
        *_serverless("AllowServerlessActions"),
        statement(
            studio_sid,
            [
                *WORKSPACE_SCOPED,
                emr.DescribeStudio,
                emr.DeleteStudio,
                emr.CreateStudioPresignedUrl,
            ],
            [arn("elasticmapreduce", "studio/*"), arn("elasticmapreduce", "editor/*")],
        ),
        statement(
            studio_sid + ACCOUNT_WIDE,
            [emr.CreateEditor, emr.ListEditors, emr.CreateStudio, emr.ListStudios],
            ["*"],
        ),
        statement(
            "AllowPassingRuntimeRoleForRunningEMRServerlessJob",
            [iam.PassRole],
            [arns.runtime_role],
            passed_to(names.EMR_SERVERLESS_SERVICE),
        ),
        *_read_bucket(arns),
        statement("DescribeNetwork", DESCRIBE_NETWORK, ["*"]),
        statement("ListIAMRoles", [iam.ListRoles], ["*"]),
        statement(
            "AllowPassingServiceRoleForWorkspaceCreation",
            [iam.PassRole],
            [arns.studio_role],
            passed_to(names.EMR_SERVICE),
        ),
        _create_eni(called_via_serverless()),
        statement(
            "AllowEMRServerlessServiceLinkedRoleCreation",
            [iam.CreateServiceLinkedRole],
            [arn("iam", f"role/{names.EMR_SERVERLESS_SLR}", regional=False)],
            StringLike("iam:AWSServiceName", names.EMR_SERVERLESS_OPS_SERVICE),
        ),
    )


def developer_policy(arns: Arns) -> PolicyDocument:
    """emrs-interactive-app-dev-policy: works in assigned workspaces."""
    studio_sid = "AllowEMRStudioBasicActions"
    return document(
        *_serverless("AllowServerlessActions"),
        statement(
            studio_sid,
            [*WORKSPACE_SCOPED, emr.DescribeStudio],
            [arn("elasticmapreduce", "studio/*"), arn("elasticmapreduce", "editor/*")],
        ),
        statement(
            studio_sid + ACCOUNT_WIDE,
            [emr.CreateEditor, emr.ListEditors, emr.ListStudios],
            ["*"],
        ),
        statement(
            "AllowPassingRuntimeRoleForRunningEMRServerlessJob",
            [iam.PassRole],
            [arns.runtime_role, arns.studio_role],
            passed_to(names.EMR_SERVERLESS_SERVICE, names.EMR_SERVICE),
        ),
        *_read_bucket(arns),
        statement("DescribeNetworkforServerlessApplication", DESCRIBE_NETWORK, ["*"]),
        statement("ListIAMRoles", [iam.ListRoles], ["*"]),
        _create_eni(called_via_serverless()),
        statement(
            "AllowCreateStudioPresignedUrl",
            [emr.CreateStudioPresignedUrl],
            [arn("elasticmapreduce", "studio/*")],
        ),
    )


# --- additions beyond the seed ---------------------------------------------------


def emr_tagged(kind: str = "ResourceTag") -> StringEquals:
    """Condition: the resource (or request) carries the EMR-managed tag."""
    return StringEquals(f"aws:{kind}/{names.EMR_MANAGED_TAG}", "true")


def studio_network_policy() -> PolicyDocument:
    """Workspace network interfaces, only in resources tagged for EMR."""
    eni = arn("ec2", "network-interface/*")
    return document(
        statement(
            "AllowEC2ENIActionsWithEMRTags",
            [ec2.CreateNetworkInterfacePermission, ec2.DeleteNetworkInterface],
            [eni],
            emr_tagged(),
        ),
        statement(
            "AllowEC2ENIAttributeAction",
            [ec2.ModifyNetworkInterfaceAttribute],
            [eni, arn("ec2", "security-group/*")],
            emr_tagged(),
        ),
        statement(
            "AllowEC2SecurityGroupActionsWithEMRTags",
            [
                ec2.AuthorizeSecurityGroupEgress,
                ec2.AuthorizeSecurityGroupIngress,
                ec2.RevokeSecurityGroupEgress,
                ec2.RevokeSecurityGroupIngress,
                ec2.DeleteNetworkInterfacePermission,
            ],
            [arn("ec2", "security-group/*"), eni],
            emr_tagged(),
        ),
        statement(
            "AllowEC2ENICreationWithEMRTags",
            [ec2.CreateNetworkInterface],
            [eni],
            emr_tagged("RequestTag"),
        ),
        statement(
            "AllowEC2ENICreationInSubnetAndSecurityGroupWithEMRTags",
            [ec2.CreateNetworkInterface],
            [arn("ec2", "subnet/*"), arn("ec2", "security-group/*")],
            emr_tagged(),
        ),
        statement(
            "AllowAddingTagsDuringEC2ENICreation",
            [ec2.CreateTags],
            [eni],
            StringEquals("ec2:CreateAction", "CreateNetworkInterface"),
        ),
        statement(
            "AllowEC2ReadOnlyActions",
            [
                ec2.DescribeSecurityGroups,
                ec2.DescribeNetworkInterfaces,
                ec2.DescribeTags,
                ec2.DescribeInstances,
                ec2.DescribeSubnets,
                ec2.DescribeVpcs,
            ],
            ["*"],
        ),
    )


def livy_statement() -> Statement:
    """Users of a Livy endpoint need AccessLivyEndpoints on the application."""
    return statement(
        "AllowLivyEndpoints",
        [emrs.AccessLivyEndpoints],
        [arn("emr-serverless", APPLICATIONS)],
        stack_application(),
    )


def tag_studio_git_secrets_statement() -> Statement:
    """In Identity Center mode each session policy must let EMR Studio tag the
    secrets it creates for a workspace's Git credentials (EMR Management Guide,
    "Create an EMR Studio user role with session policies": every session policy
    includes secretsmanager:TagResource on secret:emr-studio-*)."""
    return statement(
        "AllowStudioGitSecretTagging",
        [sm.TagResource],
        [arn("secretsmanager", "secret:emr-studio-*")],
    )


def read_secrets_statement() -> Statement:
    """The administrator reads the users' credentials to hand them over.

    Scoped by the secrets' name prefix, so the policy does not grow per user, and
    by the stack's ID tag, which no other stack's secret carries (Secrets Manager
    authorizes both actions on aws:ResourceTag).
    """
    return statement(
        "ReadDeveloperCredentials",
        [sm.GetSecretValue, sm.DescribeSecret],
        [names.secret_arns()],
        StringEquals(f"aws:ResourceTag/{names.STACK_ID_TAG}", Ref("AWS::StackId")),
    )


def change_own_password() -> PolicyDocument:
    """Users must set a new password at first sign-in."""
    return document(
        statement(
            "ChangeOwnPassword",
            [iam.ChangePassword, iam.GetLoginProfile],
            [
                Sub(
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:user"
                    f"{names.USER_PATH}${{!aws:username}}"
                )
            ],
        ),
        statement("ReadPasswordPolicy", [iam.GetAccountPasswordPolicy], ["*"]),
    )


def use_key_statement(key_arn: Resource, *actions: Action) -> Statement:
    """Use of the customer-managed key."""
    return statement("UseEnvironmentKey", list(actions), [key_arn])


KEY_DECRYPT = (kms.Decrypt,)
# S3 server-side encryption with KMS calls GenerateDataKey and Decrypt only.
KEY_READ_WRITE = (kms.Decrypt, kms.GenerateDataKey)
# EMR Studio's notebook-encryption page: what the service role needs on the key
# that encrypts workspace files.
KEY_STUDIO = (
    kms.Decrypt,
    kms.GenerateDataKey,
    kms.ReEncryptFrom,
    kms.ReEncryptTo,
    kms.DescribeKey,
)


def credentials_function_policy(secret_tag: str) -> PolicyDocument:
    """Least privilege for the console-credentials custom resource.

    Users are scoped by the stack's IAM path, and secrets by their name prefix and
    the tag `secret_tag` with the stack's ID (Secrets Manager authorizes both
    actions on aws:ResourceTag), so the document has the same size for one user or
    ninety and reaches no other stack's secrets, whatever its NamePrefix.
    """
    return document(
        statement(
            "ManageConsoleCredentials",
            [
                iam.CreateLoginProfile,
                iam.UpdateLoginProfile,
                iam.DeleteLoginProfile,
                iam.CreateAccessKey,
                iam.DeleteAccessKey,
                iam.ListAccessKeys,
                iam.GetUser,
            ],
            [names.user_arns()],
        ),
        statement("ReadPasswordPolicy", [iam.GetAccountPasswordPolicy], ["*"]),
        statement("ReadAccountAlias", [iam.ListAccountAliases], ["*"]),
        statement(
            "StoreCredentials",
            [sm.GetSecretValue, sm.PutSecretValue, sm.UpdateSecretVersionStage],
            [names.secret_arns()],
            StringEquals(f"aws:ResourceTag/{secret_tag}", Ref("AWS::StackId")),
        ),
    )


def default_group_policy(group_arn: Resource) -> PolicyDocument:
    """Remove the rules of one security group: the new VPC's default group."""
    return document(
        statement(
            "CloseDefaultSecurityGroup",
            [ec2.RevokeSecurityGroupIngress, ec2.RevokeSecurityGroupEgress],
            [group_arn],
        ),
        statement("DescribeSecurityGroups", [ec2.DescribeSecurityGroups], ["*"]),
    )


def application_guard_policy() -> PolicyDocument:
    """Stop this stack's application (ending its job runs) before it changes.

    The application is found through this stack's resources and scoped by its Name
    tag (unique per stack). Resource types and condition keys per action: Service
    Authorization Reference, "Actions defined by Amazon EMR Serverless".
    GetApplication has no tag condition: IAM cannot read the tags of an
    application that is already gone, and "gone" must read as done.
    CancelJobRun is authorized on the job run, and an application's tags do not
    propagate to its job runs (EMR Serverless User Guide, "Tagging your
    resources"): the Name condition would deny cancelling every run, so it is
    scoped by ARN only.
    """
    applications = arn("emr-serverless", APPLICATIONS)
    return document(
        statement(
            "FindStackApplication",
            [cfn.DescribeStackResource, cfn.DescribeStacks],
            [names.stack_arn()],
        ),
        statement("ReadApplicationState", [emrs.GetApplication], [applications]),
        statement(
            "StopStackApplication",
            [emrs.ListJobRuns, emrs.StopApplication],
            [applications],
            StringEquals("aws:ResourceTag/Name", names.name_tag(names.APPLICATION_TAG)),
        ),
        statement(
            "CancelStackApplicationRuns",
            [emrs.CancelJobRun],
            [arn("emr-serverless", f"{APPLICATIONS}/jobruns/*")],
        ),
    )


def network_cleanup_policy(vpc_arn: Resource, subnet_arns: Any) -> PolicyDocument:
    """Delete detached network interfaces, only in the environment's subnets.

    DescribeNetworkInterfaces takes no resource. DeleteNetworkInterface takes the
    ec2:Vpc and ec2:Subnet conditions but none naming an interface's security
    groups (Service Authorization Reference, "Actions defined by Amazon EC2"), so
    IAM allows the environment's VPC and, in it, the private subnets the Studio and
    the application alone use (an existing VPC may be shared); the function's own
    filter, the stack's security groups, narrows it further.
    """
    return document(
        statement("FindNetworkInterfaces", [ec2.DescribeNetworkInterfaces], ["*"]),
        statement(
            "DeleteDetachedNetworkInterfaces",
            [ec2.DeleteNetworkInterface],
            [arn("ec2", "network-interface/*")],
            ArnEquals("ec2:Vpc", vpc_arn),
            ArnLike("ec2:Subnet", subnet_arns),
        ),
    )


def flow_log_policy(log_group_arn: Resource) -> PolicyDocument:
    """VPC flow logs deliver into their own log group only."""
    return document(
        statement(
            "DeliverFlowLogs",
            [logs.CreateLogStream, logs.PutLogEvents, logs.DescribeLogStreams],
            [log_group_arn],
        )
    )


# checkov's CKV_AWS_158 asks every log group for a KMS key; the parameter offers
# one, so the skip says why the default has none. Shared by every log group.
LOG_GROUP_KEY_SKIP = {
    "checkov": {
        "skip": [
            {
                "id": "CKV_AWS_158",
                "comment": "The stack's KMS key encrypts it when EncryptionKey is "
                "customer-managed; otherwise CloudWatch Logs' own encryption does, as "
                "the parameter offers.",
            }
        ]
    }
}
