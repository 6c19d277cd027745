"""The AWS commands on bad input and AWS errors: one line each, never a traceback.

moto's server mode serves AWS over HTTP on 127.0.0.1 (a real client-server path);
real botocore clients with scripted answers (tests/scripted.py) play the errors moto
cannot produce.
"""

from __future__ import annotations

import io
import json
import os
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from generator import cli
from generator.aws import inputs
from generator.aws.deploy import Deployment
from generator.aws.session import Aws
from generator.aws.stack import Change, Follower, TemplateFile, format_changes
from generator.errors import CommandError
from tests.aws.commands import one_line_error, run
from tests.scripted import Answer, error, scripted

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "build" / "emr-serverless-interactive.yaml"
CREATED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # when scripted stacks began
V1 = """Parameters:
  Old: {Type: String, Default: o}
  Keep: {Type: String, Default: k}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  TopicArn: {Value: !Ref Topic}
"""
V2 = """Parameters:
  New: {Type: String, Default: n}
  Keep: {Type: String, Default: k}
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Second: {Type: AWS::SNS::Topic}
"""


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere botocore looks, and no instance metadata calls."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def deploy(template: Path, *extra: str) -> int:
    return run("deploy", "--stack-name", "emrs", "--template", str(template),
               "--yes", "--poll-seconds", "0", *extra)  # fmt: skip


# --- over HTTP: deploy, upgrade, status, credentials, publish ----------------------


def test_upgrade_sends_previous_values_only_for_parameters_the_stack_has(
    server: str, tmp_path: Path, capsys
) -> None:
    assert deploy(write(tmp_path, "v1.yaml", V1), "--parameter", "Keep=kept") == 0
    assert "Stack emrs: CREATE_COMPLETE" in capsys.readouterr().out
    sent: list[dict] = []
    calls: list[str] = []
    original = Aws.client

    def recording(self: Aws, service: str) -> Any:
        client = original(self, service)
        client.meta.events.register(
            "provide-client-params.cloudformation.CreateChangeSet",
            lambda params, **_: sent.append(params),
        )
        client.meta.events.register(
            "before-call.cloudformation", lambda model, **_: calls.append(model.name)
        )
        return client

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Aws, "client", recording)
        assert deploy(write(tmp_path, "v2.yaml", V2)) == 0, capsys.readouterr()
    assert "Stack emrs: UPDATE_COMPLETE" in capsys.readouterr().out
    assert sent[0]["Parameters"] == [{"ParameterKey": "Keep", "UsePreviousValue": True}]
    before_change = calls[: calls.index("CreateChangeSet")]
    assert before_change == ["DescribeStacks"], "an update reads the stack once"
    stack = boto3.client("cloudformation").describe_stacks(StackName="emrs")
    values = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Stacks"][0][
        "Parameters"]}  # fmt: skip
    assert values["Keep"] == "kept" and values["New"] == "n"


def test_status_credentials_and_publish_over_http(
    server: str, tmp_path: Path, capsys
) -> None:
    assert deploy(write(tmp_path, "v1.yaml", V1), "--tags", "CostCenter=42") == 0
    capsys.readouterr()
    assert run("status", "--stack-name", "emrs", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["Status"] == "CREATE_COMPLETE"
    assert report["Parameters"] == {"Old": "o", "Keep": "k"}
    assert report["LastFailure"] is None
    assert "StackId" not in report, "the stack ID holds the account ID"
    stack = boto3.client("cloudformation").describe_stacks(StackName="emrs")
    assert stack["Stacks"][0]["Tags"] == [{"Key": "CostCenter", "Value": "42"}]
    assert run("status", "--stack-name", "emrs") == 0
    out = capsys.readouterr().out
    assert out.startswith("Stack emrs: CREATE_COMPLETE") and "  Keep: k" in out

    assert run("credentials", "--stack-name", "emrs") == 1
    assert "has no credentials secrets" in one_line_error(capsys)

    boto3.client("s3").create_bucket(Bucket="templates")
    assert run("publish", "--template-bucket", "templates", "--template",
               str(tmp_path / "v1.yaml")) == 0  # fmt: skip
    assert "TemplateUrl: https://templates.s3.us-east-1.amazonaws.com/" in (
        capsys.readouterr().out
    )
    assert run("publish", "--template-bucket", "nope", "--template", str(BUILT)) == 1
    assert "bucket nope does not exist (region us-east-1" in one_line_error(capsys)


def test_status_text_shows_outputs_protection_and_the_last_failure() -> None:
    from generator.aws.status import render

    report = {"StackName": "emrs", "Status": "UPDATE_ROLLBACK_COMPLETE",
              "StatusReason": "", "LastUpdated": "2026-11-28 10:00:00+00:00",
              "TerminationProtection": True, "Parameters": {"B": "2", "A": "1"},
              "Outputs": {"StudioUrl": "https://es-1.example"},
              "LastFailure": {"LogicalResourceId": "Studio",
                              "ResourceStatus": "UPDATE_FAILED",
                              "Timestamp": "2026-11-28 09:59:00+00:00",
                              "Reason": "Subnets must be tagged for EMR"}}  # fmt: skip
    text = render(report, as_json=False).splitlines()
    assert text[0] == "Stack emrs: UPDATE_ROLLBACK_COMPLETE"
    assert "Termination protection: on" in text
    assert text.index("  A: 1") < text.index("  B: 2")
    assert "  StudioUrl: https://es-1.example" in text
    assert text[-1] == ("Last failure: Studio UPDATE_FAILED at 2026-11-28 "
                        "09:59:00+00:00: Subnets must be tagged for EMR")  # fmt: skip
    assert json.loads(render(report, as_json=True)) == report


def test_last_failure_is_the_newest_failed_event_with_a_reason() -> None:
    from generator.aws.status import last_failure

    rows = [("emrs", "UPDATE_ROLLBACK_COMPLETE", ""),
            ("Bucket", "UPDATE_FAILED", ""),
            ("Studio", "UPDATE_FAILED", "newest"),
            ("Studio", "CREATE_FAILED", "older")]  # fmt: skip
    stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/emrs/1"
    events = scripted("cloudformation", describe_stack_events=[{"StackEvents": [
        {"StackId": stack_id, "StackName": "emrs", "EventId": str(i),
         "Timestamp": CREATED, "LogicalResourceId": r, "ResourceStatus": s,
         "ResourceStatusReason": why}
        for i, (r, s, why) in enumerate(rows)]}])  # fmt: skip

    found = last_failure(events, "emrs")
    assert events.script.called("describe_stack_events") == [{"StackName": "emrs"}]
    assert found is not None and found["Reason"] == "newest"


def test_missing_stack_names_region_and_profile(server: str, capsys) -> None:
    assert run("status", "--stack-name", "ghost", "--region", "eu-west-2") == 1
    line = one_line_error(capsys)
    assert "stack ghost does not exist in region eu-west-2 with the default" in line
    assert "check --region and --profile" in line


class Raw:
    """The raw body of a botocore response played by a hook."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.body


THROTTLED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    b"<Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>"
)


def test_throttling_while_polling_is_retried_not_fatal(
    server: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    throttled: list[str] = []
    original = Aws.client

    def throttle(request: Any, **_kwargs: Any) -> AWSResponse | None:
        if len(throttled) < 2:
            throttled.append(request.url)
            return AWSResponse(request.url, 400, {}, Raw(THROTTLED))
        return None

    def flaky(self: Aws, service: str) -> Any:
        client = original(self, service)
        client.meta.events.register_first(
            "before-send.cloudformation.DescribeStackEvents", throttle
        )
        return client

    monkeypatch.setattr(Aws, "client", flaky)
    assert deploy(write(tmp_path, "v1.yaml", V1)) == 0, capsys.readouterr().err
    assert len(throttled) == 2
    assert "Stack emrs: CREATE_COMPLETE" in capsys.readouterr().out


# --- AWS errors as one line -------------------------------------------------------


PRINCIPAL_MESSAGE = "Policy document should not specify a principal"


def stack(status: str) -> dict[str, Any]:
    """A stack as DescribeStacks describes it (the members AWS always gives)."""
    return {"StackName": "emrs", "CreationTime": CREATED, "StackStatus": status}


def failing_cfn(
    fail_at: str = "", final: str = "CREATE_COMPLETE", executed: bool = False
) -> Any:
    """A real CloudFormation client scripted to fail where moto cannot: the stack
    exists once ExecuteChangeSet was called, then is `final`; `fail_at` (an
    operation name) answers MalformedPolicyDocument."""
    state = {"executed": executed}

    def describe_stacks(**_params: Any) -> Any:
        if not state["executed"]:
            return error(
                "ValidationError", "Stack with id emrs does not exist", "DescribeStacks"
            )
        return {"Stacks": [stack(final)]}

    def execute_change_set(**_params: Any) -> dict:
        state["executed"] = True
        return {}

    change = {"Action": "Add", "LogicalResourceId": "Topic",
              "ResourceType": "AWS::SNS::Topic"}  # fmt: skip
    answers: dict[str, list[Answer]] = {
        "describe_stacks": [describe_stacks],
        "create_change_set": [{"Id": "cs-1"}],
        "describe_change_set": [
            {"Status": "CREATE_COMPLETE", "Changes": [{"ResourceChange": change}]}
        ],
        "execute_change_set": [execute_change_set],
        "describe_stack_events": [{"StackEvents": []}],
        "delete_change_set": [{}],
        "delete_stack": [{}],
        "update_termination_protection": [{}],
    }
    if fail_at:
        answers[xform_name(fail_at)] = [
            error("MalformedPolicyDocument", PRINCIPAL_MESSAGE, fail_at)
        ]
    return scripted("cloudformation", region="eu-west-1", **answers)


@pytest.fixture
def cfn(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Makes the failing_cfn client every command of the test gets."""

    def make(**options: Any) -> Any:
        client = failing_cfn(**options)
        monkeypatch.setattr(Aws, "client", lambda _self, _service: client)
        return client

    return make


@pytest.mark.parametrize(
    "operation",
    ["CreateChangeSet", "DescribeChangeSet", "ExecuteChangeSet", "DescribeStackEvents"],
)
def test_an_aws_error_at_any_step_is_one_line(
    cfn: Callable[..., Any], tmp_path: Path, capsys, operation: str
) -> None:
    client = cfn(fail_at=operation)
    code = deploy(write(tmp_path, "v1.yaml", V1), "--region", "eu-west-1")
    assert code == 1
    # a first deploy whose execute failed leaves no empty stack behind
    removed = "; the empty stack emrs was removed"
    first = operation == "ExecuteChangeSet"
    assert one_line_error(capsys) == (
        f"emrs-env deploy: error: {operation} failed in eu-west-1 for stack emrs: "
        f"MalformedPolicyDocument: {PRINCIPAL_MESSAGE}" + (removed if first else "")
    )
    names = client.script.names()
    if first:  # tests/aws/test_newcomer_aws.py follows the removal on moto
        assert names[-2:] == ["delete_change_set", "describe_stacks"]
        names = names[: names.index("execute_change_set") + 1]
    assert names[-1] == xform_name(operation), "it stops there"


def test_deploy_options_reach_cloudformation(
    cfn: Callable[..., Any], tmp_path: Path
) -> None:
    client = cfn()
    role = "arn:aws:iam::123456789012:role/cfn-deployer"
    code = deploy(write(tmp_path, "v1.yaml", V1), "--region", "eu-west-1",
                  "--tags", "Team=data", "--tags", "CostCenter=42",
                  "--role-arn", role, "--disable-rollback",
                  "--termination-protection")  # fmt: skip
    assert code == 0
    (created,) = client.script.called("create_change_set")
    assert created["Tags"] == [
        {"Key": "Team", "Value": "data"}, {"Key": "CostCenter", "Value": "42"}
    ]  # fmt: skip
    assert created["RoleARN"] == role
    assert client.script.called("execute_change_set") == [
        {"ChangeSetName": "cs-1", "DisableRollback": True}
    ]
    assert client.script.called("update_termination_protection") == [
        {"StackName": "emrs", "EnableTerminationProtection": True}
    ]


def test_no_wait_returns_after_execute(
    cfn: Callable[..., Any], tmp_path: Path, capsys
) -> None:
    client = cfn(final="CREATE_IN_PROGRESS")
    assert deploy(write(tmp_path, "v1.yaml", V1), "--no-wait") == 0
    assert client.script.names()[-1] == "execute_change_set"
    assert "emrs-env status --stack-name emrs" in capsys.readouterr().out


def test_timeout_stops_waiting_and_says_the_stack_goes_on(
    cfn: Callable[..., Any], tmp_path: Path, capsys
) -> None:
    cfn(final="CREATE_IN_PROGRESS")
    assert deploy(write(tmp_path, "v1.yaml", V1), "--timeout", "0.0001") == 1
    out = capsys.readouterr().out
    assert "is still CREATE_IN_PROGRESS and goes on" in out


def test_quiet_waits_show_progress() -> None:
    stuck = failing_cfn(final="UPDATE_IN_PROGRESS", executed=True)
    now = [0.0]

    def sleep(_seconds: float) -> None:
        now[0] += 30  # each poll takes half a minute

    out = io.StringIO()
    follower = Follower(stuck, "emrs", out, poll_seconds=0, timeout_minutes=3,
                        sleep=sleep, clock=lambda: now[0])  # fmt: skip
    assert follower.follow(set(), 5) == (1, "UPDATE_IN_PROGRESS")
    lines = out.getvalue().splitlines()
    assert "... UPDATE_IN_PROGRESS after 1m00s (0 of 5 resources done)" in lines
    assert lines[-1].startswith("Stopped waiting after 3m00s")


@pytest.mark.parametrize("answer", [False, KeyboardInterrupt])
def test_a_declined_first_deploy_leaves_nothing(
    mocked_aws: None, tmp_path: Path, answer: Any
) -> None:
    def confirm(_question: str) -> bool:
        if answer is KeyboardInterrupt:
            raise KeyboardInterrupt
        return False

    text = write(tmp_path, "v1.yaml", V1).read_text()
    out = io.StringIO()
    code = Deployment(
        aws=Aws("us-east-1", None, "emrs"), template=TemplateFile(Path("v1"), text, {}),
        values={}, poll_seconds=0, out=out, confirm=confirm,
    ).run()  # fmt: skip
    assert code == 1 and "nothing was left behind" in out.getvalue()
    cfn = boto3.client("cloudformation")
    with pytest.raises(ClientError, match="does not exist"):
        cfn.describe_stacks(StackName="emrs")


def test_unreachable_endpoint_says_which(
    no_credentials: None, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert run("status", "--stack-name", "emrs") == 1
    line = one_line_error(capsys)
    assert f"cannot reach {os.environ['AWS_ENDPOINT_URL']}" in line
    assert "in eu-west-1 for stack emrs" in line and "--region" in line


def test_no_credentials_says_how_to_provide_them(no_credentials: None, capsys) -> None:
    # every missing setting (credentials, profile, region) exits 2
    assert run("status", "--stack-name", "emrs") == 2
    line = one_line_error(capsys)
    assert "no usable AWS credentials" in line and "aws configure" in line
    assert run("status", "--stack-name", "emrs", "--profile", "nobody") == 2
    assert "profile 'nobody' is not configured" in one_line_error(capsys)


def test_no_region_is_a_usage_error(no_credentials: None, monkeypatch, capsys) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert run("credentials", "--stack-name", "emrs") == 2
    assert "pass --region REGION" in one_line_error(capsys)


def test_explain_covers_every_botocore_error() -> None:
    from botocore import exceptions as bce

    aws = Aws("eu-west-1", None, "emrs")
    assert "aws sso login" in str(
        aws.explain(bce.TokenRetrievalError(provider="sso", error_msg="expired"))
    )
    other = aws.explain(bce.ReadTimeoutError(endpoint_url="https://x"))
    assert str(other).startswith("AWS call failed in eu-west-1 for stack emrs: ")
    assert aws.explain(bce.NoRegionError()).code == 2
    assert aws.explain(bce.NoCredentialsError()).code == 2
    assert aws.explain(bce.SSOTokenLoadError(error_msg="expired")).code == 2


# --- parameters: every declared constraint, before any AWS call ---------------------


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setattr(boto3, "Session", refuse)


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("MaximumVcpu=1", "MaximumVcpu='1': Enter a whole number of vCPUs from 12"),
        ("IdleTimeoutMinutes=abc", "IdleTimeoutMinutes='abc': must be a number"),
        ("MaximumMemoryGb=30001", "MaximumMemoryGb='30001': Enter a whole number"),
        ("NamePrefix=abcd-", "NamePrefix='abcd-': Leave empty, or 1-3"),
        ("AdminRoleNames=ok,AWSReservedSSO_x", "IAM Identity Center roles"),
        ("NumberOfAZs=4", "NumberOfAZs='4': Choose 2 or 3."),
        ("CredentialsRotationToken=a\n", "Enter 1-32 letters"),
    ],
)
def test_built_template_parameters_are_checked_before_aws(
    no_aws: None, capsys, pair: str, message: str
) -> None:
    assert deploy(BUILT, "--parameter", pair, "--template-bucket", "b") == 2
    assert message in one_line_error(capsys)


SPECS: list[tuple[dict, str, str]] = [
    ({"Type": "Number", "MinValue": 2}, "1.5", "must be at least 2"),
    ({"Type": "Number", "MaxValue": 2}, "2.5", "must be at most 2"),
    ({"Type": "Number"}, "1e3", ""),
    ({"Type": "Number"}, "12\n", "must be a number"),
    ({"Type": "List<Number>"}, "1,x", "must be a number"),
    ({"Type": "String", "MinLength": 2}, "a", "at least 2 characters"),
    ({"Type": "String", "MaxLength": 2}, "abc", "at most 2 characters"),
    ({"Type": "String", "MaxLength": 2, "ConstraintDescription": "Short."}, "abc",
     "Short."),
    ({"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]}, "a,c", "one of a, b"),
    ({"Type": "CommaDelimitedList", "AllowedPattern": "[a-z]+"}, "ab,c1", "match"),
    ({"Type": "AWS::EC2::VPC::Id"}, "vpc-123", "must be a AWS::EC2::VPC::Id"),
    ({"Type": "AWS::EC2::VPC::Id"}, "vpc-0123456789abcdef0", ""),
    ({"Type": "List<AWS::EC2::Subnet::Id>"}, "subnet-01234567,sg-01234567",
     "a list of AWS::EC2::Subnet::Id"),
    ({"Type": "String", "AllowedPattern": "[a-z]+"}, "abc\n", "match"),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "value", "problem"), SPECS)
def test_parameter_problem_for_each_constraint(
    spec: dict, value: str, problem: str
) -> None:
    found = inputs.parameter_problem(spec, value, None)
    assert (problem in found) if problem else found == ""
    if problem:
        assert found


def test_list_limits_and_unknown_names() -> None:
    assert "at most 5 are allowed" in inputs.parameter_problem(
        {"Type": "CommaDelimitedList"}, "a,b,c,d,e,f", 5
    )
    with pytest.raises(CommandError, match="unknown parameter 'Nope'"):
        inputs.check_parameters({"Nope": "1"}, {"Parameters": {"A": {}}})


def test_identity_center_lists_are_checked_before_aws(no_aws: None, capsys) -> None:
    """A fourth developer group has no slot, and a group in two lists would be
    mapped twice: both are refused before any AWS call."""
    instance = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
    sso = ["--parameter", f"IdentityCenterInstanceArn={instance}",
           "--parameter", "CreateIamUsers=false"]  # fmt: skip
    args = ["--template-bucket", "templates", *sso]
    assert deploy(BUILT, *args, "--parameter",
                  "IdentityCenterDeveloperGroups=a,b,c,d") == 2  # fmt: skip
    assert "lists 4 values; at most 3 are allowed" in one_line_error(capsys)
    assert deploy(BUILT, *args, "--parameter", "IdentityCenterAdminGroups=a",
                  "--parameter", "IdentityCenterDeveloperGroups=b,a") == 2  # fmt: skip
    assert "group 'a' is named twice" in one_line_error(capsys)


def test_too_large_template_without_bucket_is_refused_before_aws(
    no_aws: None, capsys
) -> None:
    assert deploy(BUILT) == 2
    assert "pass --template-bucket BUCKET" in one_line_error(capsys)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"ParameterKey": "A", "ParameterValue": "1"}]', {"A": "1"}),
        ('["A=1", "B=x=y"]', {"A": "1", "B": "x=y"}),
        ('{"Parameters": {"A": 1, "B": true, "C": ["x", "y"]}}',
         {"A": "1", "B": "true", "C": "x,y"}),
        ("# a comment\nA=1\n\nB = 2\n", {"A": "1", "B": " 2"}),
    ],
)  # fmt: skip
def test_parameters_file_forms(tmp_path: Path, text: str, expected: dict) -> None:
    assert inputs.read_parameters_file(write(tmp_path, "p", text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "must hold a list"),
        ('[{"ParameterKey": "A"}]', "needs ParameterKey and either ParameterValue"),
        ("[\n", "is not valid JSON"),
        ("A\n", "is not KEY=VALUE"),
        ('{"Parameters": {"A": {"b": 1}}}', "not an object"),
        ('{"A": "1"}', "must hold a list"),
    ],
)
def test_bad_parameters_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CommandError, match=message) as raised:
        inputs.read_parameters_file(write(tmp_path, "p", text))
    assert raised.value.code == 2


def test_a_parameters_file_that_is_not_text(tmp_path: Path) -> None:
    binary = tmp_path / "p.bin"
    binary.write_bytes(b"\xff\xfeA=1\n")
    with pytest.raises(CommandError, match="p.bin is not UTF-8 text") as raised:
        inputs.read_parameters_file(binary)
    assert raised.value.code == 2


def test_parameters_file_and_overrides_on_the_command_line(
    no_aws: None, tmp_path: Path, capsys
) -> None:
    pfile = write(tmp_path, "p.json", '[{"ParameterKey": "MaximumVcpu", '
                  '"ParameterValue": "1"}]')  # fmt: skip
    assert deploy(BUILT, "--parameters-file", str(pfile)) == 2
    assert "MaximumVcpu='1'" in one_line_error(capsys)
    assert deploy(BUILT, "--parameters-file", str(tmp_path / "none.json")) == 2
    assert "cannot read parameters file" in one_line_error(capsys)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tags", "aws:x=1"], "the aws: prefix is reserved"),
        (["--tags", "k" * 129 + "=v"], "at most 128 characters"),
        (["--tags", "novalue"], "is not KEY=VALUE"),
        (["--role-arn", "cfn-role"], "is not an IAM role ARN"),
        (["--role-arn", "arn:aws:iam::123456789012:role/r\n"], "not an IAM role"),
        (["--timeout", "0"], "--timeout takes a number of minutes above 0"),
    ],
)
def test_bad_deploy_options(
    no_aws: None, tmp_path: Path, capsys, extra: list[str], message: str
) -> None:
    assert deploy(write(tmp_path, "v1.yaml", V1), *extra) == 2
    assert message in one_line_error(capsys)


def test_too_many_tags(no_aws: None) -> None:
    with pytest.raises(CommandError, match="51 tags; a stack takes at most 50"):
        inputs.parse_tags([f"k{i}=v" for i in range(51)])


# --- files and folders -------------------------------------------------------------


def test_template_folder_missing_file_and_broken_yaml(
    no_aws: None, tmp_path: Path, capsys
) -> None:
    assert deploy(tmp_path) == 2
    line = one_line_error(capsys)
    assert f"no template at {tmp_path / 'emr-serverless-interactive.yaml'}" in line
    broken = write(tmp_path, "broken.yaml", "Resources:\n  A: [\n")
    assert deploy(broken) == 2
    assert one_line_error(capsys).endswith(
        "broken.yaml is not a CloudFormation template: expected the node content, "
        "but found '<stream end>' (line 3, column 1)"
    ), "YAML's own error, not the JSON parser's"
    assert deploy(write(tmp_path, "broken.json", '{"Resources": {\n')) == 2
    assert "broken.json is not a CloudFormation template: Expecting property name " in (
        one_line_error(capsys)
    )
    assert deploy(write(tmp_path, "empty.yaml", "Parameters: {}\n")) == 2
    assert "has no Resources section" in one_line_error(capsys)


@pytest.mark.parametrize("where", ["file", "inside-file", "proc", "sys"])
def test_build_to_an_unusable_place_is_one_line(
    tmp_path: Path, capsys, where: str
) -> None:
    target = write(tmp_path, "file", "x")
    out = {"file": target, "inside-file": target / "sub",
           "proc": Path("/proc/emrs-env-out"), "sys": Path("/sys")}[where]  # fmt: skip
    code = run("build", "--out", str(out))
    line = one_line_error(capsys)
    if where == "file":  # a file named as the folder is bad input, found first
        assert code == 2 and f"--out {out} is not a folder" in line
    else:
        assert code == 1
        assert f"cannot write to {out}" in line, "the folder asked, not a staging one"
    assert target.read_text() == "x"


def test_build_to_an_empty_out_is_refused(capsys) -> None:
    assert run("build", "--out", " ") == 2
    assert one_line_error(capsys).endswith("--out needs a folder")


def test_a_failing_build_leaves_the_old_artifacts(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from generator.template import render

    out = tmp_path / "out"
    assert run("build", "--out", str(out)) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for path in out.iterdir():
        path.write_text("old")
    calls: list[str] = []
    real_chmod = os.chmod

    def fail_third(path: Any, mode: int) -> None:
        calls.append(str(path))
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(path))
        real_chmod(path, mode)

    monkeypatch.setattr(render.os, "chmod", fail_third)
    assert run("build", "--out", str(out)) == 1
    assert "No space left on device" in one_line_error(capsys)
    assert {p.name: p.read_text() for p in out.iterdir()} == dict.fromkeys(
        before, "old"
    ), "nothing was replaced"
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "no staging folder left"


def test_config_builds_go_to_their_own_folder(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "team.toml", 'developers = ["ana"]\n')
    assert run("build", "--config", "team.toml") == 0
    assert (tmp_path / "build" / "team" / "emr-serverless-interactive.yaml").exists()
    assert not (tmp_path / "build" / "emr-serverless-interactive.yaml").exists()
    assert "wrote build/team/" in capsys.readouterr().out


def test_credentials_csv_targets(
    mocked_aws: None, tmp_path: Path, capsys, monkeypatch
) -> None:
    from tests.aws.test_deploy_cli import seed_secrets

    seed_secrets(monkeypatch)
    base = ["credentials", "--stack-name", "emrs", "--csv"]
    # a bad target is bad input, refused before reading any secret
    assert run(*base, str(tmp_path / "missing" / "c.csv")) == 2
    line = one_line_error(capsys)
    assert f"folder {tmp_path / 'missing'} does not exist" in line
    assert run(*base, str(tmp_path)) == 2
    assert "is a folder; name a file in it" in one_line_error(capsys)
    assert run(*base, "-") == 0
    out = capsys.readouterr().out
    assert out.startswith("User name,Password,Console sign-in URL\n")
    assert "pw-ana-Z9!" in out


# --- help, names, lint ---------------------------------------------------------------


def subcommands() -> dict[str, Any]:
    top = cli.parser()
    (action,) = [a for a in top._actions if a.dest == "command"]
    return dict(action.choices)


def test_every_command_has_a_description_an_example_and_option_help() -> None:
    import argparse

    for name, command in subcommands().items():
        assert command.description and command.description.endswith("."), name
        assert command.epilog and f"emrs-env {name}" in command.epilog, name
        for action in command._actions:
            if isinstance(action, argparse._HelpAction) or action.help == (
                argparse.SUPPRESS
            ):
                continue
            assert action.help, f"{name} {action.option_strings}"
            metavar = action.metavar or ""
            assert metavar == "" or len(metavar) > 1, f"{name} {metavar}"


def test_each_stackset_action_has_a_description_and_its_own_example() -> None:
    import argparse

    group = subcommands()["stackset"]
    (actions,) = [
        a for a in group._actions if isinstance(a, argparse._SubParsersAction)
    ]
    assert set(actions.choices) == {"deploy", "status", "destroy"}
    for name, action in actions.choices.items():
        assert action.description[0].isupper() and action.description.endswith(".")
        example = action.epilog.removeprefix("example:\n  ")
        assert example.startswith(f"emrs-env stackset {name} --name "), name
        assert "emrs-env stackset" not in example[10:], "one example, its own"


def test_options_mean_the_same_under_the_same_name() -> None:
    helps: dict[str, set[str]] = {}
    for command in subcommands().values():
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and action.dest != "help":
                    helps.setdefault(option, set()).add(action.dest)
    assert all(len(dests) == 1 for dests in helps.values()), helps
    assert "--bucket" in helps and helps["--bucket"] == {"template_bucket"}


def _options(command: Any) -> list[tuple]:
    """Each option of a parser (and of its subcommands), as argparse keeps it."""
    import argparse

    rows = []
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, inner in action.choices.items():
                rows += [(name, *row) for row in _options(inner)]
        else:
            rows.append((tuple(action.option_strings), action.dest, action.default))
    return rows


def test_the_parser_of_one_command_is_that_command_of_the_whole() -> None:
    whole = subcommands()
    for name in whole:
        (action,) = [a for a in cli.parser(only=name)._actions if a.dest == "command"]
        assert list(action.choices) == [name]
        assert _options(action.choices[name]) == _options(whole[name]), name
    for unknown in ("", "bogus"):
        (action,) = [
            a for a in cli.parser(only=unknown)._actions if a.dest == "command"
        ]
        assert list(action.choices) == list(whole), "every command is listed"
        assert all(_options(c) == [(("-h", "--help"), "help", "==SUPPRESS==")]
                   for c in action.choices.values())  # fmt: skip


def test_main_parses_with_the_named_commands_options(capsys) -> None:
    assert cli._named_command(["-h"]) is None
    assert cli._named_command(["-h", "build"]) is None
    assert cli._named_command(["biuld"]) is None
    assert cli._named_command(["stackset", "deploy", "--name", "n"]) == "stackset"
    with pytest.raises(SystemExit):
        cli.main(["-h", "build"])
    assert "credentials" in capsys.readouterr().out, "-h first: every command"
    with pytest.raises(SystemExit):
        cli.main(["plan", "--help"])
    out = capsys.readouterr().out
    assert "--include-property-values" in out and "--stack-name" in out
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "credentials" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["biuld"])
    assert "invalid choice: 'biuld' (choose from" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["build", "--bogus"])
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_change_table_fits_long_names_and_says_replacement_in_words() -> None:
    rows = [
        Change("Modify", "StudioWorkspaceSecurityGroupIngressFromEngine",
               "AWS::EC2::SecurityGroupIngress", "True", ["Properties.GroupId"]),
        Change("Modify", "Studio", "AWS::EMR::Studio", "Conditional"),
        Change("Modify", "Bucket", "AWS::S3::Bucket", "False"),
        Change("Add", "Topic", "AWS::SNS::Topic", ""),
    ]  # fmt: skip
    table = format_changes(rows, paths=True).splitlines()
    assert table[0].split() == ["ACTION", "RESOURCE", "TYPE", "REPLACEMENT"]
    starts = {line.index("AWS::") for line in table if "AWS::" in line}
    assert len(starts) == 1, "the type column lines up"
    assert table[1].endswith("replaced") and table[1].startswith("replace ")
    assert table[3].endswith("may be replaced") and table[4].endswith("in place")
    assert table[2].strip() == "changes: Properties.GroupId"
    assert table[-1] == "4 changes: 1 replace, 2 modify, 1 add"


def test_lint_takes_a_file_and_shows_the_parse_error(tmp_path: Path, capsys) -> None:
    broken = write(tmp_path, "broken.yaml", "Resources:\n  A: [\n")
    assert run("lint", str(broken)) == 1
    out = capsys.readouterr().out
    assert "FAIL cfn-lint" in out and "E0000 did not find expected node content" in out
    assert "checkov" not in out
    assert run("lint", str(tmp_path / "none")) == 2
    assert "no file or folder" in one_line_error(capsys)


def test_publish_prints_a_launch_stack_link(mocked_aws: None, capsys) -> None:
    """The console's quick-create link ("Create quick-create links for stacks",
    CloudFormation User Guide): region, template URL, stack name and the given
    parameters, each URL-encoded; bad parameters are refused before any upload."""
    from urllib.parse import parse_qs, urlsplit

    from generator.aws.publish import launch_stack_url

    boto3.client("s3").create_bucket(Bucket="templates")
    assert run("publish", "--template-bucket", "templates", "--template", str(BUILT),
               "--launch-stack-name", "team-a", "--parameter", "NamePrefix=a-",
               "--parameter", "AdminRoleNames=x,y+z") == 0  # fmt: skip
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if x.startswith("Launch Stack")]
    link = line.split(": ", 1)[1]
    parts = urlsplit(link)
    assert parts.netloc == "us-east-1.console.aws.amazon.com"
    assert parts.query == "region=us-east-1"
    route, query = parts.fragment.split("?", 1)
    assert route == "/stacks/create/review"
    asked = {k: v[0] for k, v in parse_qs(query).items()}
    url = out.split("TemplateUrl: ", 1)[1].split()[0]
    assert asked == {
        "templateURL": url,
        "stackName": "team-a",
        "param_NamePrefix": "a-",
        "param_AdminRoleNames": "x,y+z",
    }
    assert launch_stack_url("cn-north-1", url, "s", {}).startswith(
        "https://console.amazonaws.cn/cloudformation/home?region=cn-north-1#"
    )
    assert run("publish", "--template-bucket", "templates", "--template", str(BUILT),
               "--parameter", "Nope=1") == 2  # fmt: skip
    assert "unknown parameter 'Nope'" in one_line_error(capsys)
