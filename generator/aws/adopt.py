"""Find what a deleted stack of this environment retained, and decide whether a new
stack may adopt it. Nothing here changes the bucket, its objects or the key.

Modelled on documentation, not observed: a bucket name taken in another account
answers HeadBucket with 403 ("HeadBucket", Amazon S3 API Reference);
DescribeStackResources with a PhysicalResourceId names the stack that owns the
resource, and answers ValidationError when none does ("DescribeStackResources",
CloudFormation API Reference); a key scheduled for deletion is in KeyState
PendingDeletion until `CancelKeyDeletion` ("Deleting AWS KMS keys", KMS Developer
Guide).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.aws.session import Aws, bucket_access, error_code
from generator.errors import CommandError
from generator.template.names import (
    BUCKET_BASE,
    CUSTOMER_MANAGED,
    ENVIRONMENT_TAG,
    NOTEBOOKS_TAG_VALUE,
    SERVICE_DEFAULT,
    P,
    R,
)


@dataclass(frozen=True)
class Retained:
    """The retained bucket, and the customer-managed key that encrypts it."""

    bucket: str
    key_id: str | None
    policy: bool = False  # the bucket has a policy (kept since this version)

    def resources_to_import(self) -> list[dict[str, Any]]:
        """ResourcesToImport for an IMPORT change set."""
        found = [
            {"ResourceType": "AWS::S3::Bucket", "LogicalResourceId": R.BUCKET,
             "ResourceIdentifier": {"BucketName": self.bucket}},
        ]  # fmt: skip
        if self.policy:
            found.append(
                {"ResourceType": "AWS::S3::BucketPolicy",
                 "LogicalResourceId": R.BUCKET_POLICY,
                 "ResourceIdentifier": {"Bucket": self.bucket}}
            )  # fmt: skip
        if self.key_id:
            found.append(
                {"ResourceType": "AWS::KMS::Key", "LogicalResourceId": R.KEY,
                 "ResourceIdentifier": {"KeyId": self.key_id}}
            )  # fmt: skip
        return found


def import_parameters(
    retained: Retained, values: dict[str, str], declared: dict[str, Any]
) -> list[dict[str, str]]:
    """Parameters of the IMPORT change set: the given values, and the key condition
    matching what is imported (an import creates nothing, so no new key yet; the
    update that follows creates one if asked)."""
    chosen = {k: v for k, v in values.items() if k in declared}
    if P.ENCRYPTION_KEY in declared:
        chosen[P.ENCRYPTION_KEY] = (
            CUSTOMER_MANAGED if retained.key_id else SERVICE_DEFAULT
        )
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in chosen.items()]


def adoptable_template(template: dict[str, Any]) -> bool:
    """Whether the template is an emrs-env environment with a retained bucket."""
    bucket = template.get("Resources", {}).get(R.BUCKET, {})
    return bucket.get("DeletionPolicy") == "Retain" and P.NAME_PREFIX in template.get(
        "Parameters", {}
    )


def bucket_name(
    values: dict[str, str], template: dict[str, Any], aws: Aws
) -> str | None:
    """The bucket name the new stack would create, as the template computes it;
    None when UniqueBucketName makes it new for the stack, so nothing is kept."""
    params = template.get("Parameters", {})

    def value(key: str) -> str:
        return values.get(key, str(params.get(key, {}).get("Default", "")))

    if value(P.BUCKET_NAME):
        return value(P.BUCKET_NAME)
    if value(P.UNIQUE_BUCKET_NAME) == "true":
        return None
    account = aws.client("sts").get_caller_identity()["Account"]
    return f"{value(P.NAME_PREFIX)}{BUCKET_BASE}-{account}-{aws.region}"


def find_retained(
    aws: Aws, values: dict[str, str], template: dict[str, Any]
) -> Retained | None:
    """The bucket of a deleted stack to adopt, None when the name is free; refuses
    a bucket that is not ours, one a stack still owns, or an unusable key."""

    name = bucket_name(values, template, aws)
    if name is None:
        return None
    s3 = aws.client("s3")
    access = bucket_access(s3, name)
    if access == "missing":
        return None
    if access == "forbidden":
        raise CommandError(
            f"bucket {name} exists and this account cannot use it (another "
            "account owns the name); set BucketName or NamePrefix"
        )
    if not _is_ours(s3, name):
        raise CommandError(
            f"bucket {name} exists but is not an emrs-env notebook bucket (no "
            f"{ENVIRONMENT_TAG}={NOTEBOOKS_TAG_VALUE} tag), so it is never "
            "adopted; set BucketName or NamePrefix"
        )
    owner = _owning_stack(aws.client("cloudformation"), name)
    if owner:
        raise CommandError(
            f"bucket {name} belongs to stack {owner}; deploy to that stack, or set "
            "BucketName or NamePrefix"
        )
    key_id = _customer_key(aws, s3, name)
    declared = template.get("Parameters", {}).get(P.ENCRYPTION_KEY, {})
    chosen = values.get(P.ENCRYPTION_KEY, str(declared.get("Default")))
    if key_id and chosen != CUSTOMER_MANAGED:
        raise CommandError(
            f"the retained bucket {name} is encrypted with key {key_id}; pass "
            f"--parameter {P.ENCRYPTION_KEY}={CUSTOMER_MANAGED} so the new stack "
            "adopts the key too and the notebooks stay readable"
        )
    return Retained(name, key_id, _has_policy(s3, name))


def _has_policy(s3: Any, name: str) -> bool:
    """Whether the bucket has a policy: GetBucketPolicy answers NoSuchBucketPolicy
    when it has none ("GetBucketPolicy", Amazon S3 API Reference). A bucket kept by
    an earlier version lost its policy with the stack; the update after the import
    puts it back."""
    from botocore.exceptions import ClientError

    try:
        s3.get_bucket_policy(Bucket=name)
    except ClientError as error:
        if error_code(error) == "NoSuchBucketPolicy":
            return False
        raise
    return True


def _is_ours(s3: Any, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        tags = s3.get_bucket_tagging(Bucket=name)["TagSet"]
    except ClientError as error:
        if error_code(error) == "NoSuchTagSet":
            return False
        raise
    return {"Key": ENVIRONMENT_TAG, "Value": NOTEBOOKS_TAG_VALUE} in tags


def _owning_stack(cfn: Any, physical_id: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        found = cfn.describe_stack_resources(PhysicalResourceId=physical_id)
    except ClientError as error:
        if error_code(error) == "ValidationError":  # no stack owns it
            return None
        raise
    for resource in found.get("StackResources", []):
        return str(resource["StackName"])
    return None


def _customer_key(aws: Aws, s3: Any, name: str) -> str | None:
    """The ID of the customer-managed key of the bucket's default encryption."""
    from botocore.exceptions import ClientError

    try:
        rules = s3.get_bucket_encryption(Bucket=name)[
            "ServerSideEncryptionConfiguration"
        ]["Rules"]
    except ClientError as error:
        if error_code(error) == "ServerSideEncryptionConfigurationNotFoundError":
            return None
        raise
    key = next(
        (
            r["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID")
            for r in rules
            if r.get("ApplyServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
        ),
        None,
    )
    if not key:
        return None
    meta = aws.client("kms").describe_key(KeyId=key)["KeyMetadata"]
    key_id = str(meta["KeyId"])
    if meta.get("KeyManager") == "AWS":
        return None  # the aws/s3 key is AWS's; nothing to adopt
    state = meta.get("KeyState")
    if state == "PendingDeletion":
        raise CommandError(
            f"the retained bucket {name} is encrypted with key {key_id}, which is "
            "scheduled for deletion; cancel that first: aws kms cancel-key-deletion "
            f"--key-id {key_id} && aws kms enable-key --key-id {key_id}"
        )
    if state != "Enabled":
        raise CommandError(
            f"the retained bucket {name} is encrypted with key {key_id}, which is "
            f"{state}; enable it first: aws kms enable-key --key-id {key_id}"
        )
    return key_id


def import_body(template: Any, retained: Retained) -> dict[str, Any]:
    """The import template derived from the environment template being deployed,
    holding exactly what is imported."""
    from generator.template.imports import import_template

    return import_template(template.body, () if retained.policy else (R.BUCKET_POLICY,))
