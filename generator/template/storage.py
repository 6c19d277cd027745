"""The notebook bucket: encrypted, private, versioned, TLS-only, never deleted."""

from __future__ import annotations

from awacs import s3
from awacs.aws import Bool, Condition, Deny, Principal, Statement
from troposphere import (
    AWSHelperFn,
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
)
from troposphere import s3 as ts3

from generator.template import names
from generator.template.names import C, P, R
from generator.template.placement import Drawn
from generator.template.policies import document

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("bucket", "storage", "Notebook bucket<br/>(kept on delete)",
          (R.BUCKET, R.BUCKET_POLICY)),
)  # fmt: skip
REPLACED = {"AWS::S3::Bucket": "the bucket (the old one is kept with its notebooks)"}


def bucket_name() -> If:
    """The parameter's name; when it is empty, the seed's name pattern, or with
    UniqueBucketName one that carries the first block of the stack ID's UUID
    (arn:...:stack/<name>/<uuid>), new for every stack."""
    stack_uuid = Select(2, Split("/", Ref("AWS::StackId")))
    return If(
        C.DEFAULT_BUCKET_NAME,
        If(
            C.UNIQUE_BUCKET_NAME,
            Sub(
                f"${{{P.NAME_PREFIX}}}{names.UNIQUE_BUCKET_BASE}-${{AWS::AccountId}}-"
                "${AWS::Region}-${StackHead}",
                StackHead=Select(0, Split("-", stack_uuid)),
            ),
            Sub(
                f"${{{P.NAME_PREFIX}}}{names.BUCKET_BASE}-${{AWS::AccountId}}-"
                "${AWS::Region}"
            ),
        ),
        Ref(P.BUCKET_NAME),
    )


def add_storage(template: Template, key_arn: AWSHelperFn) -> ts3.Bucket:
    """Add the bucket and its TLS-only policy; return the bucket."""
    bucket = template.add_resource(
        ts3.Bucket(
            R.BUCKET,
            BucketName=bucket_name(),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
            Tags=Tags({names.ENVIRONMENT_TAG: names.NOTEBOOKS_TAG_VALUE}),
            BucketEncryption=ts3.BucketEncryption(
                ServerSideEncryptionConfiguration=[
                    ts3.ServerSideEncryptionRule(
                        BucketKeyEnabled=If(C.CMK, True, NoValue),
                        ServerSideEncryptionByDefault=If(
                            C.CMK,
                            ts3.ServerSideEncryptionByDefault(
                                SSEAlgorithm="aws:kms", KMSMasterKeyID=key_arn
                            ),
                            ts3.ServerSideEncryptionByDefault(SSEAlgorithm="AES256"),
                        ),
                    )
                ]
            ),
            PublicAccessBlockConfiguration=ts3.PublicAccessBlockConfiguration(
                BlockPublicAcls=True,
                BlockPublicPolicy=True,
                IgnorePublicAcls=True,
                RestrictPublicBuckets=True,
            ),
            OwnershipControls=ts3.OwnershipControls(
                Rules=[ts3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
            ),
            VersioningConfiguration=ts3.VersioningConfiguration(Status="Enabled"),
            LifecycleConfiguration=ts3.LifecycleConfiguration(
                Rules=[
                    ts3.LifecycleRule(
                        Id="ExpireNoncurrentVersions",
                        Status="Enabled",
                        NoncurrentVersionExpiration=ts3.NoncurrentVersionExpiration(
                            NoncurrentDays=Ref(P.NONCURRENT_DAYS)
                        ),
                        AbortIncompleteMultipartUpload=(
                            ts3.AbortIncompleteMultipartUpload(DaysAfterInitiation=7)
                        ),
                    )
                ]
            ),
            Metadata={
                "checkov": {
                    "skip": [
                        {
                            "id": "CKV_AWS_18",
                            "comment": "Server access logs would need a second "
                            "bucket, itself unlogged. The stack creates no audit "
                            "trail of object reads and writes: turn on CloudTrail "
                            "S3 data events for the bucket if you need one "
                            "(docs/template.md, Security gates).",
                        }
                    ]
                }
            },
        )
    )
    template.add_resource(
        ts3.BucketPolicy(
            R.BUCKET_POLICY,
            Bucket=Ref(bucket),
            # Kept with the bucket, so a kept bucket still refuses plain HTTP; a
            # later stack takes both back (template/imports.py).
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
            Metadata={
                "cfn-lint": {
                    "config": {
                        # The object ARN stays a Join: AWS Control Tower's rule
                        # CT.S3.PR.8 recognises the bucket only in that form.
                        "ignore_checks": ["I1022"]
                    }
                }
            },
            PolicyDocument=document(
                Statement(
                    Sid="DenyInsecureTransport",
                    Effect=Deny,
                    Principal=Principal("*"),
                    Action=[s3.Action("*")],
                    Resource=[
                        GetAtt(bucket, "Arn"),
                        Join("", [GetAtt(bucket, "Arn"), "/*"]),
                    ],
                    Condition=Condition(Bool("aws:SecureTransport", "false")),
                )
            ),
        )
    )
    return bucket
