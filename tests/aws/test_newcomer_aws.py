"""What a newcomer hit with the AWS commands, each answered in one line or fixed.

moto plays AWS (in process); a botocore event hook on the command's real client
injects what moto does not do (a failed ExecuteChangeSet, a proxy's page), so
botocore still validates every request."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from generator.aws import deploy as deploy_module
from generator.aws.session import Aws
from generator.aws.stack import Follower
from tests.aws.commands import one_line_error, run, stack_holding_secrets

SMALL = """Parameters:
  Name: {Type: String, Default: a}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  TopicArn: {Value: !Ref Topic}
"""


@pytest.fixture
def template(tmp_path: Path) -> str:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return str(path)


@pytest.fixture
def hooked(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable], None]:
    """hooked(event, handler): the commands' clients get the handler registered
    first for the botocore event (their requests are still validated)."""
    hooks: list[tuple[str, Callable]] = []
    original = Aws.client

    def client(self: Aws, service: str) -> Any:
        made = original(self, service)
        if not getattr(made, "_hooked", False):
            for event, handler in hooks:
                made.meta.events.register_first(event, handler)
            made._hooked = True
        return made

    monkeypatch.setattr(Aws, "client", client)
    return lambda event, handler: hooks.append((event, handler))


def stack_status(name: str) -> str | None:
    """The stack's status as DescribeStacks gives it; None once it is gone."""
    from botocore.exceptions import ClientError

    cfn = boto3.client("cloudformation", region_name="us-east-1")
    try:
        return str(cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])
    except ClientError as error:
        assert "does not exist" in str(error)
        return None


class Raw:
    """The raw body of a botocore response played by a hook."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.body


# 4. a reply that is not AWS's ---------------------------------------------------


def test_a_proxy_page_instead_of_a_reply_is_one_line(
    mocked_aws: None, hooked: Callable, capsys
) -> None:
    def proxy(request: Any, **_kwargs: Any) -> AWSResponse:
        page = b"<html><body><h1>Proxy: unknown host</h1></body></html"
        return AWSResponse(request.url, 200, {}, Raw(page))

    hooked("before-send.cloudformation.DescribeStacks", proxy)
    assert run("status", "--stack-name", "emrs", "--region", "us-east-1") == 1
    line = one_line_error(capsys)
    assert line.startswith("emrs-env status: error: AWS answered in us-east-1 ")
    assert "not an AWS reply" in line and "HTTPS_PROXY" in line


# 5. a failed first execute ------------------------------------------------------


def refuse_execute(**_kwargs: Any) -> tuple[AWSResponse, dict]:
    """ExecuteChangeSet refused, at before-call: nothing reaches moto."""
    error = {
        "Code": "InsufficientCapabilities",
        "Type": "Sender",
        "Message": "Requires capabilities : [CAPABILITY_AUTO_EXPAND]",
    }
    parsed = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
    return AWSResponse("", 400, {}, Raw(b"")), parsed  # fmt: skip


def test_a_failed_first_execute_removes_the_empty_stack(
    mocked_aws: None, hooked: Callable, template: str, capsys
) -> None:
    hooked("before-call.cloudformation.ExecuteChangeSet", refuse_execute)
    code = run("deploy", "--stack-name", "emrs", "--template", template, "--yes",
               "--poll-seconds", "0", "--region", "us-east-1")  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "ExecuteChangeSet failed in us-east-1 for stack emrs: " in err
    assert "InsufficientCapabilities" in err
    assert err.strip().endswith("; the empty stack emrs was removed")
    assert stack_status("emrs") in (None, "DELETE_COMPLETE")


def test_a_failed_execute_of_a_reviewed_plan_says_what_is_left(
    mocked_aws: None, hooked: Callable, template: str, capsys
) -> None:
    assert run("plan", "--stack-name", "emrs", "--template", template,
               "--poll-seconds", "0", "--region", "us-east-1") == 0  # fmt: skip
    name = capsys.readouterr().out.split("--change-set ", 1)[1].split()[0]
    hooked("before-call.cloudformation.ExecuteChangeSet", refuse_execute)
    assert run("deploy", "--stack-name", "emrs", "--change-set", name, "--yes",
               "--poll-seconds", "0", "--region", "us-east-1") == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "stack emrs waits in REVIEW_IN_PROGRESS with the change set; remove " in err
    assert "`emrs-env destroy --stack-name emrs --region us-east-1`" in err
    assert stack_status("emrs") == "REVIEW_IN_PROGRESS"


# 6. printed commands carry the region -------------------------------------------


def test_no_wait_and_timeout_hints_name_the_region_and_profile(
    mocked_aws: None, template: str, capsys
) -> None:
    assert run("deploy", "--stack-name", "emrs", "--template", template, "--yes",
               "--no-wait", "--region", "us-east-1") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "follow it with `emrs-env status --stack-name emrs --region us-east-1`" in (
        out
    )
    hint = Aws("eu-west-1", "team", "emrs").command("status")
    assert hint == "emrs-env status --stack-name emrs --region eu-west-1 --profile team"
    clock = iter(range(0, 10_000, 120))
    follower = Follower(
        boto3.client("cloudformation", region_name="us-east-1"), "emrs",
        timeout_minutes=1, sleep=lambda _s: None, clock=lambda: next(clock),
        hint=hint, ok=frozenset({"NEVER"}),
    )  # fmt: skip
    assert follower.follow(set(), 1)[0] == 1
    assert f"follow it with `{hint}`" in capsys.readouterr().out


# 7. change set names ------------------------------------------------------------


class Frozen:
    """datetime, stopped at one second."""

    @staticmethod
    def now() -> Any:
        from datetime import datetime

        return datetime(2026, 12, 4, 10, 15, 0)


def test_two_plans_in_one_second_get_different_change_sets(
    mocked_aws: None, template: str, capsys, monkeypatch
) -> None:
    monkeypatch.setattr(deploy_module, "datetime", Frozen)
    names = []
    for _ in range(2):
        assert run("plan", "--stack-name", "emrs", "--template", template,
                   "--poll-seconds", "0", "--region", "us-east-1") == 0  # fmt: skip
        names.append(capsys.readouterr().out.split("--change-set ", 1)[1].split()[0])
    assert names[0] != names[1]
    for name in names:  # CreateChangeSet's rule: [a-zA-Z][-a-zA-Z0-9]*, 128 at most
        assert re.fullmatch(r"emrs-env-20261204-101500-[0-9a-f]{6}", name)
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    listed = cfn.list_change_sets(StackName="emrs")["Summaries"]
    assert sorted(s["ChangeSetName"] for s in listed) == sorted(names)


# 9. termination protection without waiting --------------------------------------


def test_no_wait_still_turns_termination_protection_on(
    mocked_aws: None, hooked: Callable, template: str, capsys
) -> None:
    protected: list[dict] = []

    def protect(params: dict, **_kwargs: Any) -> tuple[Any, dict]:
        # moto has no UpdateTerminationProtection: answer as AWS does
        protected.append(params["body"])
        answer = {"StackId": "arn:aws:cloudformation:us-east-1:1:stack/emrs/1"}
        return AWSResponse("", 200, {}, Raw(b"")), answer

    hooked("before-call.cloudformation.UpdateTerminationProtection", protect)
    assert run("deploy", "--stack-name", "emrs", "--template", template, "--yes",
               "--no-wait", "--termination-protection",
               "--region", "us-east-1") == 0  # fmt: skip
    [request] = protected
    assert request["StackName"] == "emrs"
    assert request["EnableTerminationProtection"] == "true"
    out = capsys.readouterr().out
    assert "Termination protection is on for stack emrs." in out
    assert out.index("Termination protection") < out.index("Started; follow it")


# 10. destroying what is not there ------------------------------------------------


def test_destroy_of_a_missing_stack_succeeds_with_a_line(
    mocked_aws: None, capsys
) -> None:
    assert run("destroy", "--stack-name", "ghost", "--yes",
               "--region", "us-east-1") == 0  # fmt: skip
    captured = capsys.readouterr()
    assert captured.out == (
        "Stack ghost does not exist in region us-east-1 with the default "
        "credentials; nothing to delete.\n"
    )
    assert captured.err == ""


# 14. Ctrl-C while waiting -------------------------------------------------------


def test_ctrl_c_while_following_says_the_operation_goes_on(
    mocked_aws: None, template: str, capsys, monkeypatch
) -> None:
    def interrupted(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Follower, "follow", interrupted)
    code = run("deploy", "--stack-name", "emrs", "--template", template, "--yes",
               "--poll-seconds", "0", "--region", "us-east-1")  # fmt: skip
    assert code == 130
    assert one_line_error(capsys) == (
        "emrs-env deploy: interrupted; the creation of emrs goes on in AWS; follow "
        "it with `emrs-env status --stack-name emrs --region us-east-1`"
    )


def test_ctrl_c_before_anything_started_says_only_interrupted(
    mocked_aws: None, template: str, capsys, monkeypatch
) -> None:
    def interrupted(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(deploy_module, "wait_for_change_set", interrupted)
    code = run("deploy", "--stack-name", "emrs", "--template", template, "--yes",
               "--poll-seconds", "0", "--region", "us-east-1")  # fmt: skip
    assert code == 130
    assert one_line_error(capsys) == "emrs-env deploy: interrupted"


# 11. --parameters-file: README, --help and behaviour agree ----------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"ParameterKey": "A", "ParameterValue": "1"},'
         ' {"ParameterKey": "B", "UsePreviousValue": true}]', {"A": "1"}),
        ('["A=1"]', {"A": "1"}),
        ('{"Parameters": {"A": "1"}}', {"A": "1"}),
        ("# team\nA=1\n", {"A": "1"}),
        ("A=1  # the first\nB=x#y\n\tC=2\t# tab\n", {"A": "1", "B": "x#y", "C": "2"}),
        ('{"Parameters": {"A": ["x", 1, true]}}', {"A": "x,1,true"}),
    ],
)  # fmt: skip
def test_every_documented_parameters_file_form_is_read(
    tmp_path: Path, text: str, expected: dict
) -> None:
    from generator.aws import inputs

    path = tmp_path / "p"
    path.write_text(text)
    assert inputs.read_parameters_file(path) == expected


def test_guide_and_help_describe_the_same_parameters_file_forms(capsys) -> None:
    from generator.aws.inputs import PARAMETERS_FILE_FORMS

    readme = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    row = next(line for line in readme.splitlines() if "`--parameters-file" in line)
    assert PARAMETERS_FILE_FORMS in row
    with pytest.raises(SystemExit):
        run("deploy", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert " ".join(PARAMETERS_FILE_FORMS.split()) in help_text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"ParameterKey": "A", "ParameterValue": "1", "UsePreviousValue": true}]',
         'either ParameterValue or "UsePreviousValue": true'),
        ('[{"ParameterKey": "A", "UsePreviousValue": false}]',
         'either ParameterValue or "UsePreviousValue": true'),
        ('[{"ParameterKey": "A", "ParameterValue": "1"},'
         ' {"ParameterKey": "A", "ParameterValue": "2"}]', "A is given twice"),
        ("A=1\nA=2\n", "gives A twice ('1' and '2')"),
        ('{"Parameters": {"CredentialsRotationToken": null}}', "not null"),
        ('[{"ParameterKey": "A", "ParameterValue": null}]', "not null"),
        ('{"Parameters": {"A": ["x", null]}}', "not null"),
        ("[" * 200_000 + "]" * 200_000, "nests brackets too deeply"),
    ],
)  # fmt: skip
def test_parameters_files_that_are_unclear_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    from generator.aws import inputs
    from generator.errors import CommandError

    path = tmp_path / "p"
    path.write_text(text)
    with pytest.raises(CommandError) as raised:
        inputs.read_parameters_file(path)
    assert message in str(raised.value) and raised.value.code == 2


# 12. a key given twice on the command line ---------------------------------------


@pytest.mark.parametrize(
    ("option", "first", "second"),
    [("--parameter", "Name=a", "Name=b"), ("--tags", "team=a", "team=b")],
)
def test_a_repeated_parameter_or_tag_is_refused(
    template: str, capsys, option: str, first: str, second: str
) -> None:
    code = run("deploy", "--stack-name", "emrs", "--template", template, "--yes",
               option, first, option, second, "--region", "us-east-1")  # fmt: skip
    assert code == 2
    key = first.split("=")[0]
    assert one_line_error(capsys) == (
        f"emrs-env deploy: error: {option} gives {key} twice ('a' and 'b'); give it "
        "once"
    )


# 8. publish never overwrites another template ------------------------------------


def test_publishing_two_configs_keeps_both_templates(
    mocked_aws: None, tmp_path: Path, capsys
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="catalog")
    urls = []
    for team in ("a", "b"):
        path = tmp_path / team / "emr-serverless-interactive.yaml"
        path.parent.mkdir()
        path.write_text(SMALL.replace("Default: a", f"Default: {team}"))
        assert run("publish", "--template-bucket", "catalog", "--template", str(path),
                   "--region", "us-east-1") == 0  # fmt: skip
        out = capsys.readouterr().out
        urls.append(out.split("TemplateUrl: ", 1)[1].split()[0])
    assert urls[0] != urls[1]
    for team, url in zip("ab", urls, strict=True):
        key = url.split(".amazonaws.com/", 1)[1]
        body = s3.get_object(Bucket="catalog", Key=key)["Body"].read().decode()
        assert f"Default: {team}" in body


# 3. credentials --csv writes only where a file belongs ---------------------------


@pytest.fixture
def with_credentials(mocked_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stack holding a secret with a user's credentials."""
    import json

    sm = boto3.client("secretsmanager", region_name="us-east-1")
    value = {"UserName": "ana", "Password": "Pw-123456789012345678-x",
             "ConsoleSignInUrl": "https://team.signin.aws.amazon.com/console",
             "AccessKeyId": "AKIAEXAMPLEEXAMPLE12",
             "SecretAccessKey": "secret-key-material"}  # fmt: skip
    arn = sm.create_secret(Name="emrs/ana", SecretString=json.dumps(value))["ARN"]
    stack_holding_secrets(monkeypatch, [arn])


def credentials(*extra: str) -> int:
    return run("credentials", "--stack-name", "emrs", "--region", "us-east-1", *extra)


def test_csv_to_a_fifo_is_refused_and_the_fifo_kept(
    with_credentials: None, tmp_path: Path, capsys
) -> None:
    import os
    import stat

    fifo = tmp_path / "creds.fifo"
    os.mkfifo(fifo)
    assert credentials("--csv", str(fifo)) == 2
    assert one_line_error(capsys) == (
        f"emrs-env credentials: error: --csv {fifo} is not a regular file; name a "
        "new or regular file, or - for standard output"
    )
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "still a FIFO, holding nothing"
    assert credentials("--csv", "/dev/null") == 2
    assert "/dev/null is not a regular file" in one_line_error(capsys)
    regular = tmp_path / "creds.csv"
    assert credentials("--csv", str(regular)) == 0
    assert "Pw-123456789012345678-x" in regular.read_text()


def test_csv_to_a_terminal_follows_the_password_rule(
    with_credentials: None, capsys, monkeypatch
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert credentials("--csv", "-") == 2
    assert "--csv - would print passwords on the terminal; add --show-password" in (
        one_line_error(capsys)
    )
    assert credentials("--csv", "-", "--show-password") == 0
    assert "Pw-123456789012345678-x" in capsys.readouterr().out


def test_credentials_json_holds_no_secret(with_credentials: None, capsys) -> None:
    import json

    assert credentials("--json") == 0
    out = capsys.readouterr().out
    assert json.loads(out) == [{
        "UserName": "ana",
        "ConsoleSignInUrl": "https://team.signin.aws.amazon.com/console",
        "AccessKeyId": "AKIAEXAMPLEEXAMPLE12",
    }]  # fmt: skip
    assert "Pw-" not in out and "secret-key-material" not in out
    assert credentials("--json", "--show-password") == 2
    assert "--json prints no passwords" in one_line_error(capsys)


# 18. words: plurals, times to the second ------------------------------------------


def test_counts_agree_with_their_nouns() -> None:
    from generator.words import count

    assert count(1, "resource") == "1 resource"
    assert count(0, "resource") == "0 resources"
    assert count(1234, "object version") == "1,234 object versions"
    assert count(1, "version", "versions and delete markers") == "1 version"
    assert count(2, "version", "versions and delete markers") == (
        "2 versions and delete markers"
    )


def test_status_gives_times_in_utc_to_the_second(
    mocked_aws: None, template: str, capsys
) -> None:
    import json

    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="emrs", TemplateBody=SMALL
    )
    assert run("status", "--stack-name", "emrs", "--region", "us-east-1",
               "--json") == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["LastUpdated"])


def test_a_one_change_plan_says_one_change(
    mocked_aws: None, template: str, capsys
) -> None:
    assert run("plan", "--stack-name", "emrs", "--template", template,
               "--poll-seconds", "0", "--region", "us-east-1") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "1 change: 1 add" in out and "1 changes" not in out


# machine output, as cdk and terraform users expect --------------------------------


def test_deploy_json_and_outputs_file(
    mocked_aws: None, template: str, tmp_path: Path, capsys
) -> None:
    import json

    # moto gives outputs to stacks made by create_stack (not by a CREATE change
    # set), so the stack exists first and the deploy is an update
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(StackName="emrs", TemplateBody=SMALL)
    outputs = tmp_path / "outputs.json"
    deploy = ("deploy", "--stack-name", "emrs", "--template", template, "--yes",
              "--json", "--outputs-file", str(outputs), "--poll-seconds", "0",
              "--region", "us-east-1")  # fmt: skip
    assert run(*deploy, "--parameter", "Name=b") == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["StackName"] == "emrs" and report["Action"] == "UPDATE"
    assert report["Executed"] is True and report["Status"] == "UPDATE_COMPLETE"
    assert report["ChangeSetName"].startswith("emrs-env-")
    topic = report["Outputs"]["TopicArn"]
    assert topic.startswith("arn:aws:sns:us-east-1:")
    assert "Stack emrs: UPDATE_COMPLETE" in captured.err, "progress on stderr"
    assert json.loads(outputs.read_text()) == {"emrs": {"TopicArn": topic}}

    # no changes: still a report and the outputs
    outputs.unlink()
    assert run(*deploy) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["Action"] is None and again["Executed"] is False
    assert again["Status"] == "UPDATE_COMPLETE"
    assert json.loads(outputs.read_text()) == {"emrs": {"TopicArn": topic}}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--json"], "--json needs --yes"),
        (["--yes", "--no-wait", "--outputs-file", "o.json"], "drop --no-wait"),
        (["--yes", "--outputs-file", "/dev/null"], "is not a regular file"),
    ],
)
def test_deploy_machine_output_refusals(
    mocked_aws: None, template: str, capsys, extra: list[str], message: str
) -> None:
    code = run("deploy", "--stack-name", "emrs", "--template", template,
               "--poll-seconds", "0", "--region", "us-east-1", *extra)  # fmt: skip
    assert code in (1, 2)
    assert message in one_line_error(capsys)


def test_plan_detailed_exitcode_tells_changes_from_none_and_errors(
    mocked_aws: None, template: str, capsys
) -> None:
    plan = (
        "plan",
        "--stack-name",
        "emrs",
        "--template",
        template,
        "--poll-seconds",
        "0",
        "--region",
        "us-east-1",
        "--detailed-exitcode",
    )
    assert run(*plan) == 2, "a new stack: changes"
    name = capsys.readouterr().out.split("--change-set ", 1)[1].split()[0]
    assert run("deploy", "--stack-name", "emrs", "--change-set", name, "--yes",
               "--poll-seconds", "0", "--region", "us-east-1") == 0  # fmt: skip
    capsys.readouterr()
    assert run(*plan) == 0, "nothing to change"
    assert "No changes" in capsys.readouterr().out
    assert run(*plan, "--json") == 0
    assert run(*plan, "--parameter", "Nope=1") == 1, "bad input is an error: 1"
    assert run(*plan, "--no-such-option") == 1
    capsys.readouterr()
    assert run(*plan[:-1], "--parameter", "Nope=1") == 2, "without it: usage, 2"


def test_an_empty_aws_profile_counts_as_unset(monkeypatch, capsys) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_PROFILE", "")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    assert run("status", "--stack-name", "emrs", "--region", "eu-west-1") == 2
    line = one_line_error(capsys)
    assert "no usable AWS credentials" in line and "profile" not in line.split(";")[0]


# round four: bad input exits 2, wherever it is found -------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--stack-name", "emrs", "--region", "EU_WEST_1"],
        ["status", "--stack-name", "emrs", "--region", "EU_WEST_1"],
        ["deploy", "--stack-name", "emrs", "--region", "eu west 1", "--yes"],
    ],
)
def test_a_region_that_is_no_region_name_is_bad_input(capsys, args: list[str]) -> None:
    assert run(*args) == 2
    line = one_line_error(capsys)
    assert "is not a region name such as eu-west-1" in line
    assert line.startswith(f"emrs-env {args[0]}: error: --region")


def test_build_out_naming_a_file_is_bad_input(tmp_path: Path, capsys) -> None:
    target = tmp_path / "t.yaml"
    target.write_text("kept")
    assert run("build", "--out", str(target)) == 2
    assert "is not a folder; name a folder" in one_line_error(capsys)
    assert run("build", "--out", "/dev/null") == 2
    assert "/dev/null is not a folder" in one_line_error(capsys)
    assert target.read_text() == "kept"


def test_list_limits_agree_with_their_nouns() -> None:
    from generator.aws.inputs import parameter_problem

    spec = {"Type": "CommaDelimitedList"}
    assert parameter_problem(spec, "a,b", 1) == "lists 2 values; at most 1 is allowed"
    assert parameter_problem(spec, "a,b,c", 2) == (
        "lists 3 values; at most 2 are allowed"
    )
