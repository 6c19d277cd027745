"""The optional customer-managed KMS key for the bucket, secrets and logs."""

from __future__ import annotations

from awacs import kms
from awacs.aws import (
    ArnLike,
    BoolIfExists,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import AWSHelperFn, Ref, Sub, Tags, Template
from troposphere import kms as tkms

from generator.template.names import STACK_TAG, C, R
from generator.template.placement import Drawn
from generator.template.policies import document, statement

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("key", "keys", "Customer-managed KMS key", (R.KEY, R.KEY_ALIAS)),
)  # fmt: skip
REPLACED: dict[str, str] = {}


KEY_ADMIN = [
    kms.DescribeKey, kms.GetKeyPolicy, kms.PutKeyPolicy, kms.GetKeyRotationStatus,
    kms.EnableKeyRotation, kms.DisableKeyRotation, kms.EnableKey, kms.DisableKey,
    kms.UpdateKeyDescription, kms.ListResourceTags, kms.TagResource,
    kms.UntagResource, kms.ScheduleKeyDeletion, kms.CancelKeyDeletion,
    kms.CreateAlias, kms.DeleteAlias, kms.UpdateAlias, kms.ListAliases,
]  # fmt: skip
# S3 (SSE-KMS) and Secrets Manager call GenerateDataKey and Decrypt, and re-encrypt
# when a key changes; neither needs kms:Encrypt.
KEY_USE = [
    kms.Decrypt, kms.ReEncryptFrom, kms.ReEncryptTo, kms.GenerateDataKey,
    kms.DescribeKey,
]  # fmt: skip
# EMR Studio's notebook-encryption page: the service role uses the key through S3.
STUDIO_KEY_USE = [kms.Decrypt, kms.GenerateDataKey, kms.ReEncryptFrom, kms.ReEncryptTo]


def key_policy() -> PolicyDocument:
    """The account administers the key; services use it only on its behalf."""
    account = Principal(
        "AWS", [Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")]
    )
    admin = statement("AccountAdministersKey", KEY_ADMIN, ["*"])
    admin.Principal = account
    via = statement(
        "AccountUsesKeyThroughServices",
        [*KEY_USE, kms.CreateGrant],
        ["*"],
        StringEquals(
            {
                "kms:CallerAccount": Sub("${AWS::AccountId}"),
                "kms:ViaService": [
                    Sub("s3.${AWS::Region}.amazonaws.com"),
                    Sub("secretsmanager.${AWS::Region}.amazonaws.com"),
                ],
            }
        ),
    )
    via.Principal = account
    logs = statement(
        "CloudWatchLogsUsesKey",
        # No kms:DescribeKey: it carries no encryption context, so the condition
        # below could never match it.
        [
            kms.Encrypt,
            kms.Decrypt,
            kms.ReEncryptFrom,
            kms.ReEncryptTo,
            kms.GenerateDataKey,
        ],
        ["*"],
        ArnLike(
            "kms:EncryptionContext:aws:logs:arn",
            Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"),
        ),
    )
    logs.Principal = Principal("Service", [Sub("logs.${AWS::Region}.amazonaws.com")])
    deny_grants = Statement(
        Sid="DenyGrantsExceptForAWSResources",
        Effect=Deny,
        Principal=Principal("*"),
        Action=[kms.CreateGrant],
        Resource=["*"],
        Condition=Condition(
            BoolIfExists(
                {
                    "kms:GrantIsForAWSResource": "false",
                    "aws:PrincipalIsAWSService": "false",
                }
            )
        ),
    )
    return document(admin, via, logs, deny_grants)


def studio_key_statements(role_arn: AWSHelperFn, bucket_arn: AWSHelperFn) -> list:
    """EMR Studio's service role uses the key through S3 for its bucket only."""
    role = Principal("AWS", [role_arn])
    use = statement(
        "StudioServiceRoleUsesKeyThroughS3",
        STUDIO_KEY_USE,
        ["*"],
        StringEquals(
            {
                "kms:CallerAccount": Sub("${AWS::AccountId}"),
                "kms:ViaService": Sub("s3.${AWS::Region}.amazonaws.com"),
                "kms:EncryptionContext:aws:s3:arn": bucket_arn,
            }
        ),
    )
    use.Principal = role
    describe = statement(
        "StudioServiceRoleDescribesKey",
        [kms.DescribeKey],
        ["*"],
        StringEquals("kms:CallerAccount", Sub("${AWS::AccountId}")),
    )
    describe.Principal = role
    return [use, describe]


def allow_studio(key: tkms.Key, role_arn: AWSHelperFn, bucket_arn: AWSHelperFn) -> None:
    """Add the Studio service role's statements to the key policy."""
    key.KeyPolicy.Statement.extend(studio_key_statements(role_arn, bucket_arn))


def add_key(template: Template) -> tkms.Key:
    """Add the key under its condition; return its ARN, for use under it only."""
    key = template.add_resource(
        tkms.Key(
            R.KEY,
            Condition=C.CMK,
            Description=Sub("emrs-env ${AWS::StackName}: bucket, secrets and logs"),
            EnableKeyRotation=True,
            KeyPolicy=key_policy(),
            # A Service Catalog launch role manages only keys with this tag.
            Tags=Tags(**{STACK_TAG: Ref("AWS::StackName")}),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
    template.add_resource(
        tkms.Alias(
            R.KEY_ALIAS,
            Condition=C.CMK,
            AliasName=Sub("alias/${AWS::StackName}-emrs"),
            TargetKeyId=key.ref(),
        )
    )
    return key
