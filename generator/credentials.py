"""Console credentials: a secret per user, filled by a Lambda-backed custom resource.

The handler's source, custom_resources/console_credentials.py, is inlined as the
function's code, so the template stays one self-contained file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from awacs import iam as iam_actions
from awacs import kms
from awacs import secretsmanager as sm
from troposphere import (
    AWSHelperFn,
    FindInMap,
    GetAtt,
    If,
    NoValue,
    Ref,
    Sub,
    Template,
    awslambda,
    iam,
    logs,
    secretsmanager,
)
from troposphere.cloudformation import CustomResource
from troposphere.validators import integer

import custom_resources
from generator import names, policies
from generator.identity import Conditional, prefixed
from generator.names import C, P, R

HANDLER_SOURCE = Path(custom_resources.__file__).with_name("console_credentials.py")
RUNTIME = "python3.14"
TIMEOUT_SECONDS = 60
SERVICE_TIMEOUT_SECONDS = 120
PARTITION_MAP = "PartitionDomains"
PARTITION_DOMAINS = {
    "aws": {"Console": "console.aws.amazon.com", "SignIn": "signin.aws.amazon.com"},
    "aws-cn": {"Console": "console.amazonaws.cn", "SignIn": "signin.amazonaws.cn"},
    "aws-us-gov": {
        "Console": "console.amazonaws-us-gov.com",
        "SignIn": "signin.amazonaws-us-gov.com",
    },
}
PLACEHOLDER = '{"Pending": "the ConsoleCredentials resource writes this secret"}'


class ConsoleCredentials(CustomResource):
    """Custom::ConsoleCredentials: one user's console access, stored in a secret."""

    resource_type = "Custom::ConsoleCredentials"
    props = {
        "ServiceToken": (str, True),
        "ServiceTimeout": (integer, False),
        "UserName": (str, True),
        "SecretId": (str, True),
        "CreateAccessKey": (str, True),
        "RotationToken": (str, True),
    }


def handler_source() -> str:
    """The handler module's source, exactly as it is inlined."""
    return HANDLER_SOURCE.read_text(encoding="utf-8")


def domain(kind: str) -> FindInMap:
    """The console or sign-in domain of the stack's partition."""
    return FindInMap(PARTITION_MAP, Ref("AWS::Partition"), kind)


def secret_name(user: str) -> Sub:
    """Name of the secret holding one user's credentials."""
    return prefixed(f"{names.SECRET_PATH}{user}")


@dataclass(frozen=True)
class Secrets:
    """The per-user secrets, by unprefixed user name."""

    by_user: dict[str, secretsmanager.Secret]
    developers: list[str]

    def developer_arns(self) -> list[Ref]:
        """ARNs of the developers' secrets."""
        return [Ref(self.by_user[name]) for name in self.developers]


def add_secrets(
    template: Template, users: list[str], developers: list[str], key_arn: AWSHelperFn
) -> Secrets:
    """One secret per user, encrypted with the configured key."""
    template.add_mapping(PARTITION_MAP, PARTITION_DOMAINS)
    by_user = {}
    for user in users:
        logical = names.user_id(user, admin=user not in developers)
        by_user[user] = template.add_resource(
            secretsmanager.Secret(
                names.secret_id(logical),
                Condition=C.CREATE_USERS,
                Name=secret_name(user),
                Description=Sub(
                    f"Console credentials of IAM user ${{{P.NAME_PREFIX}}}{user} "
                    "(emrs-env ${AWS::StackName})."
                ),
                KmsKeyId=If(C.CMK, key_arn, NoValue),
                SecretString=PLACEHOLDER,
                DeletionPolicy="Delete",
                UpdateReplacePolicy="Delete",
                Metadata={
                    "checkov": {
                        "skip": [
                            {
                                "id": "CKV2_AWS_57",
                                "comment": "Rotated by changing the "
                                "CredentialsRotationToken parameter.",
                            }
                        ]
                    }
                },
            )
        )
    return Secrets(by_user=by_user, developers=developers)


def admin_reads_developer_secrets(secrets: Secrets) -> Conditional:
    """The administrator's extra statement: read the developers' credentials."""
    return (C.CREATE_USERS, policies.read_secrets_statement(secrets.developer_arns()))


def add_credentials(
    template: Template,
    users: dict[str, iam.User],
    secrets: Secrets,
    key_arn: AWSHelperFn,
) -> dict[str, ConsoleCredentials]:
    """The function, its role and log group, and one custom resource per user."""
    log_group = template.add_resource(
        logs.LogGroup(
            R.CREDENTIALS_LOG_GROUP,
            Condition=C.CREATE_USERS,
            LogGroupName=Sub("/emrs-env/${AWS::StackName}/console-credentials"),
            RetentionInDays=Ref(P.LOG_RETENTION),
            KmsKeyId=If(C.CMK, key_arn, NoValue),
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    secret_arns = [Ref(s) for s in secrets.by_user.values()]
    doc = policies.credentials_function_policy(
        [GetAtt(u, "Arn") for u in users.values()],
        secret_arns,
        GetAtt(log_group, "Arn"),
    )
    statements = list(doc.properties["Statement"])
    statements.append(
        policies.statement("ReadOwnSecrets", [sm.GetSecretValue], secret_arns)
    )
    statements.append(
        policies.statement("ReadAccountAlias", [iam_actions.ListAccountAliases], ["*"])
    )
    key_statement = policies.use_key_statement(
        key_arn, kms.Decrypt, kms.GenerateDataKey
    )
    statements.append(If(C.CMK, key_statement, NoValue))
    role = template.add_resource(
        iam.Role(
            R.CREDENTIALS_ROLE,
            Condition=C.CREATE_USERS,
            AssumeRolePolicyDocument=policies.service_trust(names.LAMBDA_SERVICE),
            Policies=[
                iam.Policy(
                    PolicyName="console-credentials",
                    PolicyDocument={
                        "Version": policies.VERSION,
                        "Statement": statements,
                    },
                )
            ],
        )
    )
    function = template.add_resource(
        awslambda.Function(
            R.CREDENTIALS_FUNCTION,
            Condition=C.CREATE_USERS,
            Description="Creates console passwords (and access keys) and stores "
            "them in Secrets Manager.",
            Runtime=RUNTIME,
            Handler="index.handler",
            Code=awslambda.Code(ZipFile=handler_source()),
            MemorySize=128,
            Timeout=TIMEOUT_SECONDS,
            ReservedConcurrentExecutions=2,
            Role=GetAtt(role, "Arn"),
            LoggingConfig=awslambda.LoggingConfig(LogGroup=Ref(log_group)),
            Metadata={
                "checkov": {
                    "skip": [
                        {
                            "id": "CKV_AWS_117",
                            "comment": "Calls only IAM and Secrets Manager public "
                            "endpoints; a VPC would add NAT cost and nothing else.",
                        },
                        {
                            "id": "CKV_AWS_116",
                            "comment": "Invoked only by CloudFormation, which it "
                            "answers on every path; a DLQ would hold nothing.",
                        },
                        {
                            "id": "CKV_AWS_173",
                            "comment": "Has no environment variables.",
                        },
                    ]
                }
            },
        )
    )
    resources = {}
    for user, resource in users.items():
        logical = resource.title
        resources[user] = template.add_resource(
            ConsoleCredentials(
                names.credentials_id(logical),
                Condition=C.CREATE_USERS,
                ServiceToken=GetAtt(function, "Arn"),
                ServiceTimeout=SERVICE_TIMEOUT_SECONDS,
                UserName=Ref(resource),
                SecretId=Ref(secrets.by_user[user]),
                CreateAccessKey=Ref(P.CREATE_ACCESS_KEYS),
                RotationToken=Ref(P.ROTATION_TOKEN),
            )
        )
    return resources
