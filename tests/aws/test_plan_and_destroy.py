"""`emrs-env plan`, `deploy --change-set` and `emrs-env destroy` against moto, with
scripted clients for what moto does not compute (replacement, stuck applications)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from generator import cli
from generator.aws import destroy as destroy_module
from generator.aws.deploy import Deployment
from generator.aws.destroy import Destroy, Resource, stop_application
from generator.aws.plan import plan
from generator.aws.session import Aws
from generator.aws.stack import TemplateFile, change_rows, warnings
from generator.errors import CommandError
from tests.aws.commands import run
from tests.scripted import scripted

BUCKET = "emrs-notebooks-test"
STACK = f"""
Resources:
  Notebooks:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      BucketName: {BUCKET}
      VersioningConfiguration: {{Status: Enabled}}
  Workspaces:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: workspaces
  Topic:
    Type: AWS::SNS::Topic
"""
SMALL = """Parameters:
  Name: {Type: String, Default: a}
Resources:
  Topic: {Type: AWS::SNS::Topic}
"""


# --- plan and deploy --change-set --------------------------------------------------


def test_plan_keeps_the_change_set_and_deploy_applies_exactly_it(
    mocked_aws: None, tmp_path: Path, capsys
) -> None:
    template = tmp_path / "small.yaml"
    template.write_text(SMALL)
    assert run("plan", "--stack-name", "emrs", "--template", str(template),
               "--poll-seconds", "0") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "Plan to create stack emrs: change set emrs-env-" in out
    assert "REVIEW_IN_PROGRESS" in out
    name = out.split("--change-set ", 1)[1].split()[0]
    cfn = boto3.client("cloudformation")
    stack = cfn.describe_stacks(StackName="emrs")["Stacks"][0]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS", "nothing was executed"

    assert run("deploy", "--stack-name", "emrs", "--change-set", name, "--yes",
               "--poll-seconds", "0") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert f"create emrs with reviewed change set {name}" in out
    assert cfn.describe_stacks(StackName="emrs")["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )
    assert run("deploy", "--stack-name", "emrs", "--change-set", "emrs-env-nope",
               "--yes", "--poll-seconds", "0") == 1  # fmt: skip
    assert "DescribeChangeSet failed in us-east-1 for stack emrs" in (
        capsys.readouterr().err
    )


def test_change_set_cannot_be_mixed_with_new_parameters(capsys) -> None:
    assert run("deploy", "--stack-name", "emrs", "--change-set", "c", "--yes",
               "--parameter", "Name=b") == 2  # fmt: skip
    assert "plan again to change parameters" in capsys.readouterr().err


STUDIO_REPLACED = {
    "Status": "CREATE_COMPLETE",
    "ExecutionStatus": "AVAILABLE",
    "Changes": [
        {"ResourceChange": {
            "Action": "Modify", "LogicalResourceId": "Studio",
            "ResourceType": "AWS::EMR::Studio", "Replacement": "True",
            "Details": [{"Target": {"Attribute": "Properties", "Name": "Name",
                                    "RequiresRecreation": "Always"}}]}},
        {"ResourceChange": {
            "Action": "Modify", "LogicalResourceId": "Application",
            "ResourceType": "AWS::EMRServerless::Application",
            "Replacement": "True",
            "Details": [{"Target": {"Attribute": "Properties", "Name": "Name"}}]}},
        {"ResourceChange": {
            "Action": "Modify", "LogicalResourceId": "AnaCredentials",
            "ResourceType": "Custom::ConsoleCredentials", "Replacement": "False",
            "Details": [{"Target": {"Attribute": "Properties",
                                    "Name": "RotationToken"}}]}},
    ],
}  # fmt: skip


NOW = "2026-01-01T00:00:00Z"


def planned(as_json: bool) -> tuple[Any, str]:
    """CloudFormation computing an update that replaces the Studio."""
    cfn = scripted(
        "cloudformation",
        describe_stacks=[{"Stacks": [{
            "StackName": "emrs", "StackStatus": "UPDATE_COMPLETE",
            "CreationTime": NOW, "Parameters": [{"ParameterKey": "Name"}]}]}],
        create_change_set=[{"Id": "cs-1"}],
        describe_change_set=[STUDIO_REPLACED],
    )  # fmt: skip
    out = io.StringIO()
    aws = Aws("eu-west-1", None, "emrs", _session=object(),
              _clients={"cloudformation": cfn})  # fmt: skip
    deployment = Deployment(aws, TemplateFile(Path("t"), SMALL, {}), {"Name": "b"},
                            poll_seconds=0, out=out)  # fmt: skip
    assert plan(deployment, include_values=True, as_json=as_json) == 0
    return cfn, out.getvalue()


def test_plan_of_an_update_that_replaces_the_studio_warns_in_words() -> None:
    cfn, out = planned(as_json=False)
    [created] = cfn.script.called("create_change_set")
    assert created["ChangeSetType"] == "UPDATE"
    # property values are DescribeChangeSet's to give, when the changes are read
    assert cfn.script.called("describe_change_set")[-1]["IncludePropertyValues"]
    lines = out.splitlines()
    assert lines[0].startswith("Plan to update stack emrs: change set emrs-env-")
    studio = next(line for line in lines if " Studio " in line)
    assert studio.startswith("replace") and studio.endswith("replaced")
    assert "changes: Name" in out and "changes: RotationToken" in out
    assert ("warning: Studio: the EMR Studio is replaced; workspaces stay with the "
            "old Studio") in out  # fmt: skip
    assert "warning: Application: the application is replaced; running sessions" in out
    assert "warning: AnaCredentials: the user's console password is rotated" in out
    assert "emrs-env deploy --stack-name emrs --region eu-west-1 --change-set " in out


def test_plan_as_json() -> None:
    _cfn, out = planned(as_json=True)
    report = json.loads(out)
    assert report["Action"] == "UPDATE" and len(report["Changes"]) == 3
    # one key style throughout, CloudFormation's (ResourceChange's own names)
    assert report["Changes"][0] == {
        "Action": "Modify", "LogicalResourceId": "Studio",
        "ResourceType": "AWS::EMR::Studio", "Replacement": "True",
        "Paths": ["Name"], "Verb": "replace",
    }  # fmt: skip
    keys = {k for change in report["Changes"] for k in change} | set(report)
    assert all(k[:1].isupper() for k in keys), keys
    assert len(report["Warnings"]) == 3 and report["Apply"].startswith("emrs-env")


def test_warnings_for_conditional_replacement_subnets_and_removals() -> None:
    changes = {"Changes": [
        {"ResourceChange": {"Action": "Modify", "LogicalResourceId": "Studio",
                            "ResourceType": "AWS::EMR::Studio",
                            "Replacement": "False",
                            "Details": [{"Target": {"Name": "SubnetIds"}}]}},
        {"ResourceChange": {"Action": "Modify", "LogicalResourceId": "Bucket",
                            "ResourceType": "AWS::S3::Bucket",
                            "Replacement": "Conditional"}},
        {"ResourceChange": {"Action": "Modify", "LogicalResourceId": "App",
                            "ResourceType": "AWS::EMRServerless::Application",
                            "Replacement": "False"}},
        {"ResourceChange": {"Action": "Remove", "LogicalResourceId": "Raj",
                            "ResourceType": "AWS::IAM::User"}},
    ]}  # fmt: skip
    found = warnings(change_rows(changes))
    assert found[0].startswith("Studio: the Studio's subnets change")
    assert found[1].startswith("Bucket: the bucket may be replaced; the old one is")
    assert found[2] == "App: the application is stopped first; running sessions end"
    assert found[3].startswith("Raj: the IAM user is deleted")


# --- destroy ------------------------------------------------------------------------


@pytest.fixture
def environment(mocked_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """A stack with a retained versioned bucket, a security group holding a
    detached network interface, and a started application."""
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName="emrs", TemplateBody=STACK)
    s3 = boto3.client("s3")
    s3.put_bucket_versioning(  # moto's CloudFormation leaves versioning off
        Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_object(Bucket=BUCKET, Key="ana/nb.ipynb", Body=b"1")
    s3.put_object(Bucket=BUCKET, Key="ana/nb.ipynb", Body=b"22")
    s3.delete_object(Bucket=BUCKET, Key="ana/nb.ipynb")
    resources = cfn.list_stack_resources(StackName="emrs")["StackResourceSummaries"]
    group = next(r["PhysicalResourceId"] for r in resources
                 if r["LogicalResourceId"] == "Workspaces")  # fmt: skip
    ec2 = boto3.client("ec2")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[group])
    emr = boto3.client("emr-serverless")
    app = emr.create_application(name="emrs", releaseLabel="emr-7.13.0",
                                 type="SPARK")["applicationId"]  # fmt: skip
    emr.start_application(applicationId=app)
    real = destroy_module.stack_resources

    def with_application(client: Any, stack: str) -> list[Resource]:
        application = Resource("Application", destroy_module.APPLICATION, app)
        return [*real(client, stack), application]

    monkeypatch.setattr(destroy_module, "stack_resources", with_application)
    yield {"app": app, "eni": eni["NetworkInterface"]["NetworkInterfaceId"],
           "group": group}  # fmt: skip


def destroy(**options: Any) -> tuple[int, str]:
    out = io.StringIO()
    code = Destroy(Aws("us-east-1", None, "emrs"), out=out, poll_seconds=0,
                   **options).run()  # fmt: skip
    return code, out.getvalue()


def gone(name: str) -> bool:
    try:
        status = boto3.client("cloudformation").describe_stacks(StackName=name)
    except ClientError as error:
        return "does not exist" in str(error)
    return status["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_destroy_stops_the_application_cleans_up_and_keeps_the_bucket(
    environment: dict,
) -> None:
    code, out = destroy()
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "Destroy stack emrs: deletes 3 resources."
    assert f"  keeps AWS::S3::Bucket {BUCKET} (2 object versions, 3 bytes, " \
           "1 delete marker)" in lines  # fmt: skip
    assert f"Stopping application {environment['app']} (STARTED); running " \
           "sessions end." in lines  # fmt: skip
    assert f"Deleted detached network interface {environment['eni']}." in lines
    assert "Stack emrs: DELETE_COMPLETE" in lines
    assert lines[-2].startswith(f"kept AWS::S3::Bucket {BUCKET}: to remove it, empty")
    assert lines[-1] == (
        "To recreate the environment over what was kept: emrs-env deploy "
        "--stack-name emrs --region us-east-1 --adopt-retained --template-bucket "
        '"${TEMPLATE_BUCKET:?set TEMPLATE_BUCKET to an S3 bucket of yours in the '
        "stack's region}\""
    )
    assert "123456789012" not in out, "no account ID (the stack ID holds it)"
    assert gone("emrs")
    emr = boto3.client("emr-serverless")
    state = emr.get_application(applicationId=environment["app"])["application"]
    assert state["state"] == "STOPPED"
    versions = boto3.client("s3").list_object_versions(Bucket=BUCKET)
    assert len(versions["Versions"]) == 2, "the notebooks are untouched"


def test_destroy_with_delete_bucket_removes_every_version(environment: dict) -> None:
    code, out = destroy(delete_bucket=True, confirm_bucket=BUCKET)
    assert code == 0, out
    assert f"  deletes AWS::S3::Bucket {BUCKET} (2 object versions" in out
    assert f"Deleted bucket {BUCKET} and its 3 versions and delete markers." in out
    assert "kept AWS::S3::Bucket" not in out
    names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert BUCKET not in names


def test_destroy_with_delete_bucket_asks_for_the_name(environment: dict) -> None:
    code, out = destroy(delete_bucket=True, ask=lambda _prompt: "wrong-name")
    assert code == 1 and "The name does not match." in out
    assert "Nothing was deleted." in out and not gone("emrs")
    code, out = destroy(delete_bucket=True, ask=lambda _prompt: f" {BUCKET}\n")
    assert code == 0 and gone("emrs")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"confirm_bucket": "other"}, "--confirm-bucket goes with --delete-bucket"),
        ({"delete_bucket": True, "confirm_bucket": "other"},
         "is not the stack's bucket"),
    ],
)  # fmt: skip
def test_destroy_refuses_a_wrong_bucket_before_deleting(
    environment: dict, options: dict, message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        destroy(**options)
    assert not gone("emrs")


def test_declined_or_interrupted_destroy_deletes_nothing(environment: dict) -> None:
    def interrupted(_question: str) -> bool:
        raise KeyboardInterrupt

    for confirm in (lambda _q: False, interrupted):
        code, out = destroy(confirm=confirm)
        assert code == 1 and out.strip().endswith("Nothing was deleted.")
    assert not gone("emrs")
    state = boto3.client("emr-serverless").get_application(
        applicationId=environment["app"]
    )
    assert state["application"]["state"] == "STARTED", "not even stopped"


def test_the_kept_bucket_can_be_deleted_after_the_stack(environment: dict) -> None:
    """The advice destroy prints for a kept bucket works once the stack is gone:
    the bucket is found by name, checked to be an emrs-env notebook bucket that no
    stack owns, confirmed, emptied and deleted."""
    from generator.template.names import ENVIRONMENT_TAG, NOTEBOOKS_TAG_VALUE

    code, out = destroy()
    assert code == 0 and gone("emrs")
    assert f"--delete-bucket --confirm-bucket {BUCKET}" in out
    s3 = boto3.client("s3")
    with pytest.raises(CommandError, match="not an emrs-env notebook bucket"):
        destroy(delete_bucket=True, confirm_bucket=BUCKET)
    tags = {"TagSet": [{"Key": ENVIRONMENT_TAG, "Value": NOTEBOOKS_TAG_VALUE}]}
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging=tags)
    with pytest.raises(CommandError, match="does not exist"):
        destroy(delete_bucket=True, confirm_bucket="no-such-bucket-emrs")
    code, out = destroy(delete_bucket=True, ask=lambda _prompt: "")
    assert code == 1 and "Nothing was deleted." in out
    code, out = destroy(delete_bucket=True, confirm_bucket=BUCKET)
    assert code == 0, out
    assert f"Deleted bucket {BUCKET} and its 3 versions and delete markers." in out
    assert BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_destroy_refuses_protected_missing_and_busy_stacks(mocked_aws: None) -> None:
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName="emrs", TemplateBody=SMALL,
                     EnableTerminationProtection=True)  # fmt: skip
    with pytest.raises(CommandError, match="termination protection; turn it off"):
        destroy()
    # a stack that is not there is already destroyed, as delete-stack says
    out = io.StringIO()
    assert Destroy(Aws("eu-west-1", None, "emrs"), out=out).run() == 0
    assert out.getvalue() == (
        "Stack emrs does not exist in region eu-west-1 with the default credentials;"
        " nothing to delete.\n"
    )


def test_destroy_without_a_terminal_needs_yes_and_the_bucket_name(
    capsys, monkeypatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run("destroy", "--stack-name", "emrs") == 2
    assert "pass --yes" in capsys.readouterr().err
    assert run("destroy", "--stack-name", "emrs", "--yes", "--delete-bucket") == 2
    assert "--confirm-bucket NAME" in capsys.readouterr().err


def emr_stub() -> tuple[Any, Stubber]:
    client = boto3.client("emr-serverless", region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="y")  # fmt: skip
    return client, Stubber(client)


ARN = "arn:aws:emr-serverless:us-east-1:000000000000:/applications/00a" + "0" * 8


def state(value: str) -> dict:
    return {"application": {
        "applicationId": "00a", "name": "emrs", "type": "SPARK", "arn": ARN,
        "releaseLabel": "emr-7.13.0", "state": value, "createdAt": 0, "updatedAt": 0,
    }}  # fmt: skip


def test_an_application_that_will_not_stop_fails_with_a_reason() -> None:
    emrs = scripted(
        "emr-serverless",
        get_application=[state("STARTED"), state("STOPPING")],
        list_job_runs=[{"jobRuns": []}],
        stop_application=[{}],
    )
    now = [0.0]

    def sleep(_seconds: float) -> None:
        now[0] += 300

    said: list[str] = []
    with pytest.raises(CommandError) as raised:
        stop_application(emrs, "00a", said.append, sleep, lambda: now[0],
                         minutes=10)  # fmt: skip
    assert str(raised.value).startswith(
        "application 00a is still STOPPING after waiting 600 s, so CloudFormation "
        "cannot delete it. Stop it in the EMR Studio console"
    )
    assert said == ["Stopping application 00a (STARTED); running sessions end."]


def test_destroy_cancels_the_job_runs_that_keep_the_application_started() -> None:
    """The function's routine: destroy used to stop without cancelling runs, which
    EMR Serverless refuses while a job runs (StopApplication: ValidationException)."""
    run = {
        "applicationId": "00a",
        "id": "00run",
        "arn": ARN + "/jobruns/00run",
        "createdBy": "arn:aws:iam::000000000000:role/r",
        "createdAt": 0,
        "updatedAt": 0,
        "executionRole": "arn:aws:iam::000000000000:role/r",
        "state": "RUNNING",
        "stateDetails": "running",
        "releaseLabel": "emr-7.13.0",
    }
    emrs = scripted(
        "emr-serverless",
        get_application=[state("STARTED"), state("STOPPED")],
        list_job_runs=[{"jobRuns": [run]}],
        cancel_job_run=[{"applicationId": "00a", "jobRunId": "00run"}],
        stop_application=[{}],
    )  # fmt: skip
    said: list[str] = []
    stop_application(emrs, "00a", said.append, lambda _s: None)
    assert emrs.script.names() == [
        "get_application", "list_job_runs", "cancel_job_run", "stop_application",
        "get_application",
    ]  # fmt: skip
    assert said[-1] == "Application 00a is STOPPED."


@pytest.mark.parametrize("first", ["STOPPED", "CREATED", "TERMINATED"])
def test_a_stopped_application_is_left_alone(first: str) -> None:
    client, stub = emr_stub()
    stub.add_response("get_application", state(first))
    with stub:
        stop_application(client, "00a", print)
    stub.assert_no_pending_responses()


def test_an_application_already_stopping_is_waited_for_and_a_gone_one_skipped() -> None:
    client, stub = emr_stub()
    stub.add_response("get_application", state("STOPPING"))
    stub.add_response("get_application", state("STOPPED"))
    stub.add_client_error("get_application", "ResourceNotFoundException", "gone")
    with stub:
        said: list[str] = []
        stop_application(client, "00a", said.append, lambda _s: None)
        assert said == ["Application 00a is STOPPED."]
        stop_application(client, "00a", said.append)
    stub.assert_no_pending_responses()


def test_emptying_a_bucket_reports_refused_objects() -> None:
    s3 = scripted(
        "s3",
        list_object_versions=[{"Versions": [{"Key": "k", "VersionId": "1"}]}],
        delete_objects=[{"Errors": [{"Key": "k", "Code": "AccessDenied",
                                     "Message": "Access Denied"}]}],
    )  # fmt: skip
    with pytest.raises(CommandError, match="1 object refused, first k: AccessDenied"):
        destroy_module.empty_bucket(s3, "b")
    [deleted] = s3.script.called("delete_objects")
    assert deleted["Delete"] == {"Objects": [{"Key": "k", "VersionId": "1"}],
                                 "Quiet": True}  # fmt: skip


def test_recreate_command_names_the_settings_that_differ_from_defaults() -> None:
    stack = {"Parameters": [
        {"ParameterKey": "NamePrefix", "ParameterValue": "dev-"},
        {"ParameterKey": "NumberOfAZs", "ParameterValue": "2"},
        {"ParameterKey": "AdminRoleNames", "ParameterValue": "a b,c"},
        {"ParameterKey": "Secret", "ParameterValue": "****"},
    ]}  # fmt: skip
    defaults = {"NamePrefix": "", "NumberOfAZs": "2", "AdminRoleNames": "",
                "Secret": ""}  # fmt: skip
    deploy = Aws("eu-west-1", "team a", "emrs").command("deploy")
    line = destroy_module.recreate_command(deploy, stack, defaults, "my-templates")
    assert line == (
        "emrs-env deploy --stack-name emrs --region eu-west-1 --profile 'team a' "
        "--adopt-retained --template-bucket my-templates "
        "--parameter NamePrefix=dev- --parameter 'AdminRoleNames=a b,c'"
    )


@pytest.mark.parametrize("bucket", ["my-templates", None])
def test_the_recreate_command_runs_as_printed(bucket: str | None) -> None:
    """The printed line parses as a deploy that needs nothing more: a template
    bucket (the environment template is over 51,200 bytes) and the stack's
    settings; without a known bucket the shell stops it with what to set."""
    import shlex
    import subprocess

    stack = {"Parameters": [{"ParameterKey": "AdminRoleNames",
                             "ParameterValue": "a b,c"}]}  # fmt: skip
    line = destroy_module.recreate_command(
        Aws("eu-west-1", None, "emrs").command("deploy"),
        stack, {"AdminRoleNames": ""}, bucket,
    )  # fmt: skip
    words = shlex.split(line)
    args = cli.parser("deploy").parse_args(words[1:])
    assert args.stack_name == "emrs" and args.region == "eu-west-1"
    assert args.adopt_retained and args.parameter == ["AdminRoleNames=a b,c"]
    if bucket:
        assert args.template_bucket == bucket
        return
    shell = subprocess.run(
        ["sh", "-c", "emrs_env() { printf '%s\\n' \"$@\"; }; "
         + line.replace("emrs-env", "emrs_env", 1)],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert shell.returncode != 0
    assert "set TEMPLATE_BUCKET to an S3 bucket of yours" in shell.stderr


KEYED = f"""
Resources:
  Notebooks:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    Properties:
      BucketName: {BUCKET}
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{AWS: "*"}}
            Action: "kms:*"
            Resource: "*"
"""


@pytest.mark.parametrize("delete_bucket", [False, True])
def test_destroy_never_advises_deleting_the_key_of_a_kept_bucket(
    mocked_aws: None, delete_bucket: bool
) -> None:
    boto3.client("cloudformation").create_stack(StackName="emrs", TemplateBody=KEYED)
    extra = {"delete_bucket": True, "confirm_bucket": BUCKET} if delete_bucket else {}
    code, out = destroy(**extra)
    assert code == 0, out
    [key_line] = [line for line in out.splitlines() if "kept AWS::KMS::Key" in line]
    if delete_bucket:
        assert "aws kms schedule-key-deletion" in key_line
    else:
        assert "schedule-key-deletion" not in key_line
        assert "keep it while the kept bucket exists" in key_line


def test_destroy_json_reports_what_was_deleted_and_kept(
    environment: dict, capsys
) -> None:
    import json

    code = run("destroy", "--stack-name", "emrs", "--region", "us-east-1", "--yes",
               "--json", "--poll-seconds", "0")  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["StackName"] == "emrs" and report["Deleted"] is True
    assert report["Status"] == "DELETE_COMPLETE"
    assert [k["Type"] for k in report["Kept"]] == ["AWS::S3::Bucket"]
    assert report["Recreate"].startswith("emrs-env deploy --stack-name emrs")
    assert "Destroy stack emrs: deletes" in captured.err, "progress on stderr"


def test_recreating_a_per_stack_bucket_or_a_team_stack_says_so() -> None:
    """With UniqueBucketName a new stack names its own bucket, so nothing kept can
    be adopted; a stack built from a team config needs that build's template, or
    the default one would replace the team's users."""
    from generator.aws.stack import Resource

    deploy = Aws("eu-west-1", None, "emrs").command("deploy")
    unique = {"Parameters": [{"ParameterKey": "UniqueBucketName",
                              "ParameterValue": "true"}]}  # fmt: skip
    line = destroy_module.recreate_command(
        deploy, unique, {"UniqueBucketName": "false"}, "t"
    )
    assert "--adopt-retained" not in line
    assert "--parameter UniqueBucketName=true" in line

    def user(logical: str, name: str) -> Resource:
        return Resource(logical, "AWS::IAM::User", name)

    default = [user("AdminUser", "emrs-interactive-app-admin-user"),
               user("DeveloperEmrsInteractiveAppDevUser",
                    "emrs-interactive-app-dev-user")]  # fmt: skip
    assert not destroy_module.built_from_another_config(default)
    assert not destroy_module.built_from_another_config([])  # Identity Center mode
    team = [default[0], user("DeveloperAna", "ana")]
    assert destroy_module.built_from_another_config(team)
    renamed = [user("AdminUser", "dev-platform-admin")]
    assert destroy_module.built_from_another_config(renamed)
    line = destroy_module.recreate_command(deploy, {}, {}, "t", team=True)
    import shlex

    words = shlex.split(line)
    args = cli.parser("deploy").parse_args(words[1:])
    assert args.template.startswith("${TEMPLATE:?set TEMPLATE to the build folder")
