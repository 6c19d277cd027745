"""Console credentials: a secret per user, filled by a Lambda-backed custom resource.

The source of the stack's custom-resource function, custom_resources/stack_function.py,
is inlined as the function's code, so the template stays one self-contained file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from awacs import budgets, kms
from awacs import logs as aws_logs
from troposphere import (
    AWSHelperFn,
    FindInMap,
    GetAtt,
    If,
    Join,
    NoValue,
    Ref,
    Select,
    Split,
    Sub,
    Tags,
    Template,
    awslambda,
    iam,
    logs,
    secretsmanager,
)
from troposphere.cloudformation import CustomResource
from troposphere.validators import integer

import custom_resources
from generator.template import names, policies
from generator.template.identity import Conditional
from generator.template.names import C, P, R, prefixed
from generator.template.network import new_private_subnet_ids
from generator.template.placement import Drawn

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("function", "people", "Stack function<br/>(passwords, change guard, "
          "clean-up)", (R.CREDENTIALS_FUNCTION, R.CREDENTIALS_LOG_GROUP,
                        R.FUNCTION_INVOKE_CONFIG, R.CHANGE_GUARD)),
    Drawn("functionrole", "roles", "Stack function role", (R.CREDENTIALS_ROLE,)),
)  # fmt: skip
REPLACED = {"AWS::SecretsManager::Secret": "credentials secrets"}


HANDLER_SOURCE = Path(custom_resources.__file__).with_name("stack_function.py")
RUNTIME = "python3.14"
# Ten minutes: stopping the application (cancelling its job runs, then STOPPING
# while EMR Serverless releases its workers) and waiting for EMR to detach network
# interfaces take minutes, and the function waits at most MAX_WAIT_SECONDS of its
# source within one run, then answers FAILED with what is left. Lambda bills the
# time used, not the timeout; the other resources answer in seconds.
TIMEOUT_SECONDS = 600
# CloudFormation invokes the function asynchronously, once per custom resource.
# Lambda queues an event it cannot run at once (throttling) and drops it after
# MAX_EVENT_AGE_SECONDS; an event that starts in time also answers in time, so
# CloudFormation always has its answer before SERVICE_TIMEOUT_SECONDS. Lambda
# never retries a run itself (MaximumRetryAttempts 0): a second run of a Create
# would make a second access key.
SERVICE_TIMEOUT_SECONDS = 2 * TIMEOUT_SECONDS
MAX_EVENT_AGE_SECONDS = SERVICE_TIMEOUT_SECONDS - TIMEOUT_SECONDS
# Credentials resources run in this many chains (DependsOn); the other custom
# resources run one after another in a chain of their own
# (generator/template/lifecycle.py), so at most LANES + 1 invocations run at once,
# whatever the number of users, below the smallest account concurrency Lambda
# allows (10).
LANES = 4
PARTITION_MAP = "PartitionDomains"
CONSOLE_DOMAINS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
PLACEHOLDER = '{"Pending": "the ConsoleCredentials resource writes this secret"}'
# Tag of every credentials secret, with the stack's ID: the function may read and
# write a secret only when it carries its own stack's ID (policies.py).
STACK_ID_TAG = names.STACK_ID_TAG
# Any partition, region and account: a subnet ID names one subnet, and the subnets
# of a shared VPC belong to the account that shares them.
ANY_SUBNET_ARN = "arn:*:ec2:*:*:subnet/"


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


def partition_domains() -> dict[str, dict[str, str]]:
    """Each partition's console and sign-in domains; the sign-in ones are the
    function's own table (SIGN_IN), read from its source, so the console links in
    the outputs and the sign-in URLs in the secrets never disagree."""
    import ast
    import re

    # The assignment alone is read (parsing the whole module took 7 ms a build).
    found = re.search(r"^SIGN_IN = (\{.*?^\})", handler_source(), re.M | re.S)
    if found is None:
        raise RuntimeError("the function's source has no SIGN_IN table")
    sign_in = ast.literal_eval(found.group(1))
    return {
        partition: {"Console": console, "SignIn": sign_in[partition]}
        for partition, console in CONSOLE_DOMAINS.items()
    }


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


def add_secrets(
    template: Template, users: list[str], developers: list[str], key_arn: AWSHelperFn
) -> Secrets:
    """One secret per user, encrypted with the configured key."""
    template.add_mapping(PARTITION_MAP, partition_domains())
    by_user = {}
    for user in users:
        logical = names.user_id(user, admin=user not in developers)
        by_user[user] = template.add_resource(
            secretsmanager.Secret(
                names.secret_id(logical),
                Condition=C.CREATE_USERS,
                Name=secret_name(user),
                Description=Sub(
                    "Console credentials of IAM user ${User} (emrs-env "
                    "${AWS::StackName}).",
                    User=names.iam_name(user),
                ),
                KmsKeyId=If(C.CMK, key_arn, NoValue),
                Metadata={
                    "checkov": {
                        "skip": [
                            {
                                "id": "CKV_AWS_149",
                                "comment": "The stack's KMS key encrypts it when "
                                "EncryptionKey is customer-managed; otherwise "
                                "Secrets Manager's AWS managed key does, as the "
                                "parameter offers.",
                            }
                        ]
                    }
                },
                SecretString=PLACEHOLDER,
                Tags=Tags(**{STACK_ID_TAG: Ref("AWS::StackId")}),
                DeletionPolicy="Delete",
                UpdateReplacePolicy="Delete",
            )
        )
    return Secrets(by_user=by_user, developers=developers)


def admin_reads_developer_secrets() -> Conditional:
    """The administrator's extra statement: read the developers' credentials."""
    return (C.CREATE_USERS, policies.read_secrets_statement())


def environment_subnet_arns() -> If:
    """ARNs of the private subnets the Studio and the application use: the new
    VPC's, or the ExistingPrivateSubnetIds given."""

    def subnet_arn(subnet: AWSHelperFn) -> AWSHelperFn:
        if isinstance(subnet, If):
            condition, value, other = subnet.data["Fn::If"]
            return If(condition, subnet_arn(value), other)
        return Sub(
            "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:"
            "subnet/${Subnet}",
            Subnet=subnet,
        )

    given = Split(
        ",",
        Sub(
            ANY_SUBNET_ARN + "${Ids}",
            Ids=Join("," + ANY_SUBNET_ARN, Ref(P.EXISTING_SUBNETS)),
        ),
    )
    return If(C.CREATE_VPC, [subnet_arn(s) for s in new_private_subnet_ids()], given)


def _function_policy(
    log_group: logs.LogGroup,
    key_arn: AWSHelperFn,
    default_group_arn: AWSHelperFn,
    vpc_arn: AWSHelperFn,
) -> dict:
    credentials = policies.credentials_function_policy(STACK_ID_TAG).properties[
        "Statement"
    ]
    key = policies.use_key_statement(key_arn, kms.Decrypt, kms.GenerateDataKey)
    statements: list = [If(C.CREATE_USERS, s, NoValue) for s in credentials]
    statements += [
        policies.statement(
            "WriteOwnLogs",
            [aws_logs.CreateLogStream, aws_logs.PutLogEvents],
            [GetAtt(log_group, "Arn")],
        ),
        If(C.CMK, key, NoValue),
    ]
    statements += [
        If(C.CREATE_VPC, s, NoValue)
        for s in policies.default_group_policy(default_group_arn).properties[
            "Statement"
        ]
    ]
    statements += [
        If(C.CREATE_APPLICATION, s, NoValue)
        for s in policies.application_guard_policy().properties["Statement"]
    ]
    # The stack's cost budget: budgets:ModifyBudget covers CreateBudget (with its
    # notifications) and DeleteBudget, on budgets named for this stack (the first
    # block of its ID's UUID: Service Authorization Reference, AWS Budgets).
    statements.append(
        If(
            C.HAS_BUDGET,
            policies.statement(
                "ManageCostBudget",
                [budgets.ModifyBudget],
                [
                    Sub(
                        "arn:${AWS::Partition}:budgets::${AWS::AccountId}:budget/"
                        "emrs-env-${Head}-*",
                        Head=Select(
                            0, Split("-", Select(2, Split("/", Ref("AWS::StackId"))))
                        ),
                    )
                ],
            ),
            NoValue,
        )
    )
    statements += [
        If(C.STUDIO_OR_APPLICATION, s, NoValue)
        for s in policies.network_cleanup_policy(
            vpc_arn, environment_subnet_arns()
        ).properties["Statement"]
    ]
    return {"Version": policies.VERSION, "Statement": statements}


def add_function(
    template: Template,
    key_arn: AWSHelperFn,
    default_group_arn: AWSHelperFn,
    vpc_arn: AWSHelperFn,
) -> awslambda.Function:
    """The custom-resource function with its role and log group."""
    log_group = template.add_resource(
        logs.LogGroup(
            R.CREDENTIALS_LOG_GROUP,
            Condition=C.CUSTOM_FUNCTION,
            LogGroupName=Sub("/emrs-env/${AWS::StackName}/custom-resources"),
            RetentionInDays=Ref(P.LOG_RETENTION),
            KmsKeyId=If(C.CMK, key_arn, NoValue),
            Metadata=policies.LOG_GROUP_KEY_SKIP,
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    role = template.add_resource(
        iam.Role(
            R.CREDENTIALS_ROLE,
            Condition=C.CUSTOM_FUNCTION,
            # The stack's own IAM path, as its users': a Service Catalog launch role
            # can then manage this role without reaching other stacks' roles.
            Path=Sub(names.USER_PATH),
            AssumeRolePolicyDocument=policies.service_trust(names.LAMBDA_SERVICE),
            Policies=[
                iam.Policy(
                    PolicyName="custom-resources",
                    PolicyDocument=_function_policy(
                        log_group, key_arn, default_group_arn, vpc_arn
                    ),
                )
            ],
        )
    )
    function = template.add_resource(
        awslambda.Function(
            R.CREDENTIALS_FUNCTION,
            Condition=C.CUSTOM_FUNCTION,
            Description="Stores console credentials in Secrets Manager, closes "
            "the VPC's default security group, stops the EMR Serverless application "
            "before CloudFormation changes it and removes EMR's leftover network "
            "interfaces on delete.",
            Runtime=RUNTIME,
            Handler="index.handler",
            Code=awslambda.Code(ZipFile=handler_source()),
            MemorySize=128,
            Timeout=TIMEOUT_SECONDS,
            Role=GetAtt(role, "Arn"),
            LoggingConfig=awslambda.LoggingConfig(LogGroup=Ref(log_group)),
            Metadata={
                "checkov": {
                    "skip": [
                        {
                            "id": "CKV_AWS_117",
                            "comment": "Calls only IAM, Secrets Manager, EC2, EMR "
                            "Serverless and CloudFormation public endpoints; a VPC "
                            "would add NAT cost and nothing else.",
                        },
                        {
                            "id": "CKV_AWS_116",
                            "comment": "Invoked only by CloudFormation, which it "
                            "answers on every path; a DLQ would hold nothing.",
                        },
                        {
                            "id": "CKV_AWS_115",
                            "comment": "Reserved concurrency fails in accounts "
                            "whose unreserved concurrency would drop below "
                            "Lambda's minimum (new accounts); the credentials "
                            f"resources run in {LANES} lanes and the others in one "
                            f"chain, so at most {LANES + 1} invocations run at "
                            "once.",
                        },
                    ]
                }
            },
        )
    )
    template.add_resource(
        awslambda.EventInvokeConfig(
            R.FUNCTION_INVOKE_CONFIG,
            Condition=C.CUSTOM_FUNCTION,
            FunctionName=Ref(function),
            Qualifier="$LATEST",
            MaximumRetryAttempts=0,
            MaximumEventAgeInSeconds=MAX_EVENT_AGE_SECONDS,
        )
    )
    return function


def add_credentials(
    template: Template,
    users: dict[str, iam.User],
    secrets: Secrets,
    function: awslambda.Function,
) -> dict[str, ConsoleCredentials]:
    """One Custom::ConsoleCredentials per user, in LANES chains."""
    resources: dict[str, ConsoleCredentials] = {}
    tails: list[str] = []
    for index, (user, resource) in enumerate(users.items()):
        after = [R.FUNCTION_INVOKE_CONFIG]
        if index >= LANES:
            after.append(tails[index - LANES])
        credentials = template.add_resource(
            ConsoleCredentials(
                names.credentials_id(resource.title),
                Condition=C.CREATE_USERS,
                DependsOn=after,
                ServiceToken=GetAtt(function, "Arn"),
                ServiceTimeout=SERVICE_TIMEOUT_SECONDS,
                UserName=Ref(resource),
                SecretId=Ref(secrets.by_user[user]),
                CreateAccessKey=Ref(P.CREATE_ACCESS_KEYS),
                RotationToken=Ref(P.ROTATION_TOKEN),
            )
        )
        tails.append(credentials.title)
        resources[user] = credentials
    return resources
