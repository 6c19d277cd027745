"""Recreating the environment over what a deleted stack retained: the import
template, and `emrs-env deploy` adopting the bucket and key (moto for S3, KMS and
STS; a real CloudFormation client with scripted answers, tests/scripted.py, for the
IMPORT change set moto does not implement)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cfn_flip import to_json

from generator.aws.deploy import Deployment
from generator.aws.session import Aws
from generator.aws.stack import TemplateFile
from generator.errors import CommandError
from generator.template import names
from generator.template.imports import ADOPTABLE, import_template, references
from generator.template.names import R
from tests.scripted import error, scripted

ROOT = Path(__file__).resolve().parents[2]
BUILT = json.loads((ROOT / "build" / "emr-serverless-interactive.json").read_text())
IMPORT = json.loads(
    to_json((ROOT / "build" / "emr-serverless-import.yaml").read_text())
)
ACCOUNT = "123456789012"  # moto's account
DEFAULT_BUCKET = f"{names.BUCKET_BASE}-{ACCOUNT}-us-east-1"


# --- the import template ------------------------------------------------------------


def test_references_know_every_way_to_refer() -> None:
    assert references({"Ref": "A"}) == {"A"}
    assert references({"Ref": "AWS::Region"}) == set()
    assert references({"Fn::GetAtt": ["B", "Arn"]}) == {"B"}
    assert references({"Fn::GetAtt": "B.Outputs.X"}) == {"B"}
    assert references({"Fn::Sub": "${C}-${D.Arn}-${!Literal}-${AWS::AccountId}"}) == {
        "C", "D"
    }  # fmt: skip
    assert references({"Fn::Sub": ["${E}${Local}", {"Local": {"Ref": "F"}}]}) == {
        "E", "F"
    }  # fmt: skip
    assert references({"Fn::If": ["Cond", {"Ref": "G"}, "x"]}) == {"Cond", "G"}
    assert references({"Fn::And": [{"Condition": "H"}]}) == {"H"}
    assert references({"Condition": {"StringEquals": {"k": {"Ref": "I"}}}}) == {"I"}


def test_import_template_holds_only_the_retained_resources_as_built() -> None:
    assert set(IMPORT["Resources"]) == set(ADOPTABLE) == {
        R.BUCKET, R.BUCKET_POLICY, R.KEY
    }  # fmt: skip
    assert json.loads(json.dumps(import_template(BUILT))) == IMPORT, "derived"
    for logical in ADOPTABLE:
        resource = IMPORT["Resources"][logical]
        assert resource["DeletionPolicy"] == "Retain", "import needs a DeletionPolicy"
    built, imported = (
        json.loads(json.dumps(t["Resources"][R.BUCKET])) for t in (BUILT, IMPORT)
    )
    # the tag naming the change guard, which does not exist yet, waits for the
    # update after the import
    guard_tag = built["Properties"]["Tags"].pop()
    assert references(guard_tag) == {"ChangeGuard", "CreateCustomResourceFunction"}
    assert (
        imported == built
    ), "the bucket is imported as the environment template declares it"
    assert (
        IMPORT["Resources"][R.BUCKET_POLICY] == BUILT["Resources"][R.BUCKET_POLICY]
    ), "the kept TLS-only policy too"
    kept = {
        s["Sid"]
        for s in IMPORT["Resources"][R.KEY]["Properties"]["KeyPolicy"]["Statement"]
    }
    key = BUILT["Resources"][R.KEY]["Properties"]
    full = {s["Sid"] for s in key["KeyPolicy"]["Statement"]}
    assert "AccountAdministersKey" in kept and kept < full
    assert not any("Studio" in sid for sid in kept), "roles do not exist yet"
    every = references(IMPORT["Resources"]) | references(IMPORT["Conditions"])
    assert every <= set(IMPORT["Parameters"]) | set(IMPORT["Conditions"]) | set(
        IMPORT["Resources"]
    )
    assert set(IMPORT["Parameters"]) <= every, "no unused parameter"


def test_import_template_refuses_a_bucket_that_refers_outside() -> None:
    broken = json.loads(json.dumps(BUILT))
    broken["Resources"][R.BUCKET]["Properties"]["LoggingConfiguration"] = {
        "DestinationBucketName": {"Ref": "SomeOtherBucket"}
    }
    with pytest.raises(ValueError, match="SomeOtherBucket"):
        import_template(broken)


def test_the_bucket_carries_the_environment_tag() -> None:
    tags = BUILT["Resources"][R.BUCKET]["Properties"]["Tags"]
    assert {"Key": names.ENVIRONMENT_TAG, "Value": names.NOTEBOOKS_TAG_VALUE} in tags


# --- deploy adopting what was retained -----------------------------------------------


def importing_cfn(owner: str | None = None) -> Any:
    """A real CloudFormation client answering as the import documentation describes
    CloudFormation: IMPORT, then UPDATE. `owner` is the live stack that owns the
    bucket (DescribeStackResources by PhysicalResourceId), if any."""
    state: dict[str, Any] = {"status": None, "kind": None, "change_sets": 0}
    created = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def describe_stacks(**_params: Any) -> Any:
        if state["status"] is None:
            return error("ValidationError", "Stack emrs does not exist",
                         "DescribeStacks")  # fmt: skip
        return {"Stacks": [{"StackName": "emrs", "CreationTime": created,
                            "StackStatus": state["status"],
                            "Parameters": []}]}  # fmt: skip

    def describe_stack_resources(**params: Any) -> Any:
        if owner:
            resource = {
                "StackName": owner,
                "LogicalResourceId": R.BUCKET,
                "ResourceType": "AWS::S3::Bucket",
                "Timestamp": created,
                "ResourceStatus": "CREATE_COMPLETE",
            }
            return {"StackResources": [resource]}
        return error("ValidationError",
                     f"Stack for {params['PhysicalResourceId']} does not exist",
                     "DescribeStackResources")  # fmt: skip

    def create_change_set(**params: Any) -> dict:
        state["kind"] = params["ChangeSetType"]
        state["change_sets"] += 1
        if state["status"] is None:
            state["status"] = "REVIEW_IN_PROGRESS"
        return {"Id": f"cs-{state['change_sets']}"}

    def describe_change_set(**_params: Any) -> dict:
        action = "Import" if state["kind"] == "IMPORT" else "Add"
        return {"Status": "CREATE_COMPLETE", "Changes": [{"ResourceChange": {
            "Action": action, "LogicalResourceId": R.BUCKET,
            "ResourceType": "AWS::S3::Bucket"}}]}  # fmt: skip

    def execute_change_set(**_params: Any) -> dict:
        state["status"] = f"{state['kind']}_COMPLETE"
        return {}

    def delete_stack(**_params: Any) -> dict:
        state["status"] = None
        return {}

    return scripted(
        "cloudformation",
        describe_stacks=[describe_stacks],
        describe_stack_resources=[describe_stack_resources],
        create_change_set=[create_change_set],
        describe_change_set=[describe_change_set],
        execute_change_set=[execute_change_set],
        describe_stack_events=[{"StackEvents": []}],
        delete_change_set=[{}],
        delete_stack=[delete_stack],
    )


def change_sets(cfn: Any) -> list[dict]:
    """The parameters of every CreateChangeSet the client received."""
    return cfn.script.called("create_change_set")


def retained_bucket(name: str = DEFAULT_BUCKET, ours: bool = True,
                    key_state: str = "Enabled") -> str | None:  # fmt: skip
    """A bucket a deleted stack kept, holding a notebook in two versions."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name,
                             VersioningConfiguration={"Status": "Enabled"})  # fmt: skip
    if ours:
        s3.put_bucket_tagging(
            Bucket=name,
            Tagging={
                "TagSet": [
                    {"Key": names.ENVIRONMENT_TAG, "Value": names.NOTEBOOKS_TAG_VALUE}
                ]
            },
        )
    key_id = None
    if key_state:
        kms = boto3.client("kms")
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key_id,
                        }
                    }
                ]
            },
        )
        if key_state == "PendingDeletion":
            kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    s3.put_object(Bucket=name, Key="ana/analysis.ipynb", Body=b"v1")
    s3.put_object(Bucket=name, Key="ana/analysis.ipynb", Body=b"v2")  # fmt: skip
    return key_id


def deploy(cfn: Any, values: dict[str, str], adopt: bool = True,
           confirm: Any = None) -> tuple[int, str]:  # fmt: skip
    boto3.client("s3").create_bucket(Bucket="templates")
    text = (ROOT / "build" / "emr-serverless-interactive.yaml").read_text()
    out = io.StringIO()
    aws = Aws("us-east-1", None, "emrs", _clients={"cloudformation": cfn})
    code = Deployment(aws, TemplateFile(Path("t.yaml"), text, BUILT), values,
                      template_bucket="templates", poll_seconds=0, out=out,
                      confirm=confirm, adopt_retained=adopt).run()  # fmt: skip
    return code, out.getvalue()


def versions(name: str = DEFAULT_BUCKET) -> list[tuple[str, str]]:
    listed = boto3.client("s3").list_object_versions(Bucket=name)["Versions"]
    return sorted((v["Key"], v["VersionId"]) for v in listed)


@pytest.mark.parametrize("kept_policy", [True, False], ids=["policy", "earlier"])
def test_recreate_with_defaults_adopts_the_bucket_and_key(
    mocked_aws: None, kept_policy: bool
) -> None:
    """A bucket kept by this version keeps its TLS-only policy, imported with it
    (AWS::S3::BucketPolicy's schema has read and list handlers, which import
    needs); one kept by an earlier version lost it, and the update after the import
    puts it back (GetBucketPolicy: NoSuchBucketPolicy)."""
    key_id = retained_bucket()
    if kept_policy:
        policy = json.dumps(
            {"Version": "2012-10-17", "Statement": [{
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                "Action": "s3:*", "Resource": f"arn:aws:s3:::{DEFAULT_BUCKET}",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
        )  # fmt: skip
        boto3.client("s3").put_bucket_policy(Bucket=DEFAULT_BUCKET, Policy=policy)
    before = versions()
    cfn = importing_cfn()
    code, out = deploy(cfn, {"EncryptionKey": "customer-managed"})
    assert code == 0, out
    imported, updated = change_sets(cfn)
    assert imported["ChangeSetType"] == "IMPORT"
    policy_import = [
        {"ResourceType": "AWS::S3::BucketPolicy", "LogicalResourceId": R.BUCKET_POLICY,
         "ResourceIdentifier": {"Bucket": DEFAULT_BUCKET}}
    ]  # fmt: skip
    assert imported["ResourcesToImport"] == [
        {"ResourceType": "AWS::S3::Bucket", "LogicalResourceId": R.BUCKET,
         "ResourceIdentifier": {"BucketName": DEFAULT_BUCKET}},
        *(policy_import if kept_policy else []),
        {"ResourceType": "AWS::KMS::Key", "LogicalResourceId": R.KEY,
         "ResourceIdentifier": {"KeyId": key_id}},
    ]  # fmt: skip
    body = json.loads(imported["TemplateBody"])
    assert set(body["Resources"]) == {r["LogicalResourceId"] for r in
                                      imported["ResourcesToImport"]}  # fmt: skip
    assert body == import_template(BUILT, () if kept_policy else (R.BUCKET_POLICY,))
    assert imported["Parameters"] == [
        {"ParameterKey": "EncryptionKey", "ParameterValue": "customer-managed"}
    ]
    assert updated["ChangeSetType"] == "UPDATE", "then the whole environment"
    assert "TemplateURL" in updated
    assert f"Bucket {DEFAULT_BUCKET} and its key {key_id} were kept" in out
    assert versions() == before, "adopting changes no object"
    assert ACCOUNT not in out.replace(DEFAULT_BUCKET, ""), "no account ID printed"


def test_a_retained_bucket_without_a_key_adopts_the_bucket_only(
    mocked_aws: None,
) -> None:
    retained_bucket(key_state="")
    cfn = importing_cfn()
    code, out = deploy(cfn, {"EncryptionKey": "customer-managed"})
    assert code == 0
    assert f"Bucket {DEFAULT_BUCKET} was kept by a deleted stack" in out
    assert "adopting it brings" in out
    imported = change_sets(cfn)[0]
    assert [r["LogicalResourceId"] for r in imported["ResourcesToImport"]] == [R.BUCKET]
    assert imported["Parameters"] == [
        {"ParameterKey": "EncryptionKey", "ParameterValue": "service-default"}
    ], "no key is created by an import"


def test_a_unique_bucket_name_meets_no_kept_bucket(mocked_aws: None) -> None:
    """With UniqueBucketName the new stack's bucket is its own: the bucket the
    deleted stack kept stays as it is, and the stack is created, not adopted."""
    retained_bucket(key_state="")
    before = versions()
    cfn = importing_cfn()
    code, out = deploy(cfn, {"UniqueBucketName": "true"}, adopt=False)
    assert code == 0, out
    assert [c["ChangeSetType"] for c in change_sets(cfn)] == ["CREATE"]
    assert versions() == before


def test_no_retained_bucket_creates_as_usual(mocked_aws: None) -> None:
    cfn = importing_cfn()
    assert deploy(cfn, {})[0] == 0
    assert [c["ChangeSetType"] for c in change_sets(cfn)] == ["CREATE"]


@pytest.mark.parametrize(
    ("setup", "values", "message"),
    [
        ({"ours": False}, {}, "is not an emrs-env notebook bucket"),
        ({"key_state": "PendingDeletion"}, {"EncryptionKey": "customer-managed"},
         "scheduled for deletion; cancel that first: aws kms cancel-key-deletion"),
        ({}, {}, "pass --parameter EncryptionKey=customer-managed"),
    ],
)  # fmt: skip
def test_what_is_never_adopted(
    mocked_aws: None, setup: dict, values: dict, message: str
) -> None:
    retained_bucket(**setup)
    cfn = importing_cfn()
    with pytest.raises(CommandError, match=message):
        deploy(cfn, values)
    assert change_sets(cfn) == [], "refused before any change"


def test_a_bucket_a_live_stack_owns_is_refused(mocked_aws: None) -> None:
    retained_bucket(key_state="")
    cfn = importing_cfn(owner="other-env")
    with pytest.raises(CommandError, match="belongs to stack other-env"):
        deploy(cfn, {})


def test_adoption_needs_consent(mocked_aws: None) -> None:
    retained_bucket(key_state="")
    cfn = importing_cfn()
    with pytest.raises(CommandError, match="pass --adopt-retained") as raised:
        deploy(cfn, {}, adopt=False)
    assert raised.value.code == 2
    code, out = deploy(cfn, {}, adopt=False, confirm=lambda _q: False)
    assert code == 1 and out.strip().endswith("Nothing was changed.")
    assert change_sets(cfn) == []
    code, _out = deploy(cfn, {}, adopt=False, confirm=lambda _q: True)
    assert code == 0 and change_sets(cfn)[0]["ChangeSetType"] == "IMPORT"


def test_foreign_bucket_refused_over_http(server: str, capsys) -> None:
    from generator import cli

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=DEFAULT_BUCKET)
    s3.create_bucket(Bucket="templates")
    code = cli.main(
        [
            "deploy",
            "--stack-name",
            "emrs",
            "--yes",
            "--template-bucket",
            "templates",
            "--poll-seconds",
            "0",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"bucket {DEFAULT_BUCKET} exists but is not an emrs-env notebook" in err
    with pytest.raises(ClientError, match="does not exist"):
        boto3.client("cloudformation").describe_stacks(StackName="emrs")
