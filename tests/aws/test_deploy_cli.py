"""`emrs-env deploy`, `status` and `credentials` against moto (and a real botocore
client with scripted answers, tests/scripted.py, for a stack that rolls back)."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from generator.aws.deploy import Deployment
from generator.aws.session import Aws
from generator.aws.stack import CAPABILITIES, TemplateFile
from tests.aws.commands import one_line_error, run, stack_holding_secrets
from tests.scripted import error, scripted

SMALL = """
Parameters:
  Suffix:
    Type: String
    Default: a
    AllowedPattern: '^[a-z]+$'
    ConstraintDescription: Lowercase letters only.
  Mode:
    Type: String
    Default: one
    AllowedValues: [one, two]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'emrs-test-${Suffix}'
Outputs:
  BucketName:
    Value: !Ref Bucket
"""


@pytest.fixture
def aws(mocked_aws: None) -> None:
    """moto for this module's tests."""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def deploy_args(template: Path, *extra: str) -> list[str]:
    return ["deploy", "--stack-name", "emrs", "--template", str(template), "--yes",
            "--poll-seconds", "0", *extra]  # fmt: skip


def test_create_update_and_no_change(aws, small: Path, capsys) -> None:
    assert run(*deploy_args(small, "--parameter", "Suffix=abc")) == 0
    out = capsys.readouterr().out
    assert "create emrs with change set" in out
    assert "add     Bucket    AWS::S3::Bucket  -" in out and "1 change: 1 add" in out
    assert "Stack emrs: CREATE_COMPLETE" in out
    assert boto3.client("s3").head_bucket(Bucket="emrs-test-abc")

    assert run(*deploy_args(small, "--parameter", "Mode=two")) == 0
    out = capsys.readouterr().out
    assert "update emrs" in out and "UPDATE_COMPLETE" in out
    stack = boto3.client("cloudformation").describe_stacks(StackName="emrs")["Stacks"][
        0
    ]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params == {"Suffix": "abc", "Mode": "two"}, "unnamed parameters keep values"

    assert run(*deploy_args(small)) == 0
    assert "No changes: stack emrs is up to date." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--parameter", "Nope=1"], "unknown parameter 'Nope'"),
        (["--parameter", "Suffix"], "is not KEY=VALUE"),
        (["--parameter", "Mode=three"], "Mode='three': must be one of one, two"),
        (["--parameter", "Suffix=UPPER"], "Suffix='UPPER': Lowercase letters only."),
        (["--parameter", "Suffix=abc\n"], "Lowercase letters only."),
    ],
)
def test_bad_parameters_fail_before_any_aws_call(
    small: Path, capsys, extra: list[str], message: str, monkeypatch
) -> None:
    def no_aws(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setattr(boto3, "Session", no_aws)
    assert run(*deploy_args(small, *extra)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_stack_name_and_missing_template(
    small: Path, tmp_path: Path, capsys
) -> None:
    assert (
        run("deploy", "--stack-name", "1bad_name", "--template", str(small), "--yes")
        == 2
    )
    assert "must start with a letter" in capsys.readouterr().err
    missing = tmp_path / "missing.yaml"
    assert run("deploy", "--stack-name", "ok", "--template", str(missing), "--yes") == 2
    err = capsys.readouterr().err
    assert f"no template at {missing}" in err and "make template" in err
    assert run("deploy", "--stack-name", "ok\n", "--template", str(small), "--yes") == 2
    assert "must start with a letter" in capsys.readouterr().err


def test_no_terminal_needs_yes(small: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    args = deploy_args(small)
    args.remove("--yes")
    assert run(*args) == 2
    assert "pass --yes" in capsys.readouterr().err


def test_large_template_goes_through_s3(aws, capsys) -> None:
    built = (
        Path(__file__).resolve().parents[2]
        / "build"
        / "emr-serverless-interactive.yaml"
    )
    assert run(*deploy_args(built)) == 2
    assert "pass --template-bucket" in capsys.readouterr().err
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="templates")
    text = built.read_text()
    location = TemplateFile(built, text, {}).location(s3, "templates")
    url = location["TemplateURL"]
    assert url.startswith("https://templates.s3.us-east-1.amazonaws.com/emrs-env/")
    key = url.split(".com/", 1)[1]
    assert s3.get_object(Bucket="templates", Key=key)["Body"].read().decode() == text


@pytest.mark.parametrize(
    ("region", "host"),
    [
        (None, "b.s3.us-east-1.amazonaws.com"),
        ("eu-west-1", "b.s3.eu-west-1.amazonaws.com"),
        ("cn-north-1", "b.s3.cn-north-1.amazonaws.com.cn"),
        ("cn-northwest-1", "b.s3.cn-northwest-1.amazonaws.com.cn"),
        ("us-gov-west-1", "b.s3.us-gov-west-1.amazonaws.com"),
    ],
)
def test_template_urls_use_the_partition_s_s3_host(
    region: str | None, host: str
) -> None:
    """Amazon S3 endpoints (AWS General Reference): China's end in .amazonaws.com.cn."""
    from generator.aws.publish import Published
    from generator.aws.session import s3_url

    assert s3_url("b", region, "k/t.yaml") == f"https://{host}/k/t.yaml"
    assert Published("b", "k/t.yaml", region or "us-east-1").url == s3_url(
        "b", region, "k/t.yaml"
    )


def rolling_back(final: str = "ROLLBACK_COMPLETE") -> Any:
    """A real CloudFormation client whose stack rolls back, as AWS would report it:
    no stack until ExecuteChangeSet, then two polls in progress, then `final`."""
    state = {"executed": False, "polls": 0}
    stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/emrs/1"
    created = datetime.now(UTC)

    def describe_stacks(**_params: Any) -> Any:
        if not state["executed"]:
            return _missing()
        status = "CREATE_IN_PROGRESS" if state["polls"] < 2 else final
        outputs = [{"OutputKey": "StudioUrl", "OutputValue": "https://es-1.example"}]
        return {"Stacks": [{"StackName": "emrs", "StackId": stack_id,
                            "CreationTime": created, "StackStatus": status,
                            "Outputs": outputs}]}  # fmt: skip

    def execute_change_set(**_params: Any) -> dict:
        state["executed"] = True
        return {}

    def describe_stack_events(**_params: Any) -> Any:
        if not state["executed"]:
            return _missing()
        state["polls"] += 1
        now = datetime.now(UTC)
        events = [
            ("1", "emrs", "CREATE_IN_PROGRESS", ""),
            ("2", "Studio", "CREATE_IN_PROGRESS", ""),
            ("3", "Studio", "CREATE_FAILED", "Resource handler returned message: "
             "\"Subnets must be tagged for EMR\""),
            ("4", "Bucket", "CREATE_FAILED", "Resource creation cancelled"),
            ("5", "emrs", "ROLLBACK_IN_PROGRESS", "The following resource(s) failed"),
        ][: 2 + state["polls"]]  # fmt: skip
        return {
            "StackEvents": [
                {"StackId": stack_id, "StackName": "emrs", "EventId": i,
                 "LogicalResourceId": r, "ResourceStatus": s,
                 "ResourceStatusReason": why, "Timestamp": now}
                for i, r, s, why in reversed(events)
            ]
        }  # fmt: skip

    change = {
        "Action": "Add",
        "LogicalResourceId": "Studio",
        "ResourceType": "AWS::EMR::Studio",
    }
    return scripted(
        "cloudformation",
        describe_stacks=[describe_stacks],
        create_change_set=[{"Id": "cs-1", "StackId": stack_id}],
        describe_change_set=[
            {"Status": "CREATE_COMPLETE", "Changes": [{"ResourceChange": change}]}
        ],
        delete_change_set=[{}],
        execute_change_set=[execute_change_set],
        describe_stack_events=[describe_stack_events],
    )


def _missing() -> ClientError:
    return error("ValidationError", "Stack emrs does not exist", "DescribeStacks")


def fake_aws(cfn: Any) -> Aws:
    """An Aws whose CloudFormation client is the given one (and no other client)."""
    return Aws("us-east-1", None, "emrs", _session=object(),
               _clients={"cloudformation": cfn})  # fmt: skip


def deploy_scripted(cfn: Any, confirm=None) -> tuple[int, str]:
    out = io.StringIO()
    code = Deployment(
        aws=fake_aws(cfn), template=TemplateFile(Path("small.yaml"), SMALL, {}),
        values={}, poll_seconds=0, out=out, confirm=confirm,
    ).run()  # fmt: skip
    for created in cfn.script.called("create_change_set"):
        assert created["Capabilities"] == CAPABILITIES
        assert created["ChangeSetType"] == "CREATE"
    return code, out.getvalue()


def test_rollback_reports_the_first_failure() -> None:
    code, out = deploy_scripted(rolling_back())
    assert code == 1
    assert "Studio CREATE_FAILED" in out
    assert out.strip().endswith(
        "First failure: Studio: Resource handler returned message: "
        '"Subnets must be tagged for EMR"'
    )
    assert out.count("Studio CREATE_FAILED") == 1, "each event is printed once"


def test_success_prints_progress_and_outputs() -> None:
    code, out = deploy_scripted(rolling_back(final="CREATE_COMPLETE"))
    assert code == 0
    assert re.search(r"\d\d:\d\d:\d\dZ \+0m00s \[0/1\] Studio CREATE_IN_PROGRESS", out)
    assert out.strip().endswith("Outputs:\n  StudioUrl: https://es-1.example")


def test_declined_change_set_is_deleted() -> None:
    cfn = rolling_back()
    code, out = deploy_scripted(cfn, confirm=lambda _q: False)
    deleted = [c["ChangeSetName"] for c in cfn.script.called("delete_change_set")]
    assert code == 1 and deleted == ["cs-1"]
    assert not cfn.script.called("execute_change_set")
    assert "add     Studio" in out


def seed_secrets(monkeypatch: pytest.MonkeyPatch, with_key: bool = False) -> None:
    sm = boto3.client("secretsmanager")
    arns = []
    for user in ("emrs-interactive-app-admin-user", "ana"):
        value = {
            "UserName": user,
            "Password": f"pw-{user}-Z9!",
            "ConsoleSignInUrl": "https://example.signin.aws.amazon.com/console",
        }
        if with_key:
            value |= {"AccessKeyId": f"AKIA-{user}", "SecretAccessKey": "s3cr3t"}
        secret = sm.create_secret(Name=f"emrs/{user}", SecretString=json.dumps(value))
        arns.append(secret["ARN"])
    stack_holding_secrets(monkeypatch, arns)


def test_credentials_hide_passwords_by_default(aws, capsys, monkeypatch) -> None:
    seed_secrets(monkeypatch)
    assert run("credentials", "--stack-name", "emrs") == 0
    out = capsys.readouterr().out
    assert "ana" in out and "example.signin.aws.amazon.com" in out
    assert "pw-" not in out and "--show-password" in out
    assert (
        run("credentials", "--stack-name", "emrs", "--user", "ana", "--show-password")
        == 0
    )
    out = capsys.readouterr().out
    assert "pw-ana-Z9!" in out and "admin" not in out


def test_credentials_csv_is_private_with_console_columns(
    aws, tmp_path: Path, capsys, monkeypatch
) -> None:
    seed_secrets(monkeypatch, with_key=True)
    target = tmp_path / "creds.csv"
    assert run("credentials", "--stack-name", "emrs", "--csv", str(target)) == 0
    assert "pw-" not in capsys.readouterr().out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = list(csv.reader(target.open()))
    assert rows[0] == ["User name", "Password", "Console sign-in URL",
                       "Access key ID", "Secret access key"]  # fmt: skip
    assert sorted(r[0] for r in rows[1:]) == ["ana", "emrs-interactive-app-admin-user"]
    assert all(r[1].startswith("pw-") for r in rows[1:])


def test_credentials_errors(aws, capsys, monkeypatch) -> None:
    assert run("credentials", "--stack-name", "nope") == 1
    assert "stack nope does not exist in region us-east-1" in capsys.readouterr().err
    boto3.client("cloudformation").create_stack(
        StackName="plain",
        TemplateBody=SMALL,
        Parameters=[{"ParameterKey": "Suffix", "ParameterValue": "plain"}],
    )
    assert run("credentials", "--stack-name", "plain") == 1
    assert "no credentials secrets" in capsys.readouterr().err
    seed_secrets(monkeypatch)
    assert run("credentials", "--stack-name", "emrs", "--user", "zed") == 2
    err = capsys.readouterr().err
    assert "no user 'zed'" in err and "ana" in err


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json at all", "not a JSON object"),
        ('["a list"]', "not a JSON object"),
        ('{"Password": "x", "ConsoleSignInUrl": "u"}', "it lacks UserName"),
        ('{"Pending": "the ConsoleCredentials resource writes this secret"}',
         "holds no credentials yet"),
    ],
)  # fmt: skip
def test_credentials_of_a_secret_that_is_not_ours_is_one_line(
    aws, capsys, monkeypatch, text: str, says: str
) -> None:
    """--stack-name naming another stack, whose secrets hold other things."""
    arn = boto3.client("secretsmanager").create_secret(
        Name="other/app", SecretString=text
    )["ARN"]
    stack_holding_secrets(monkeypatch, [arn])
    assert run("credentials", "--stack-name", "emrs") == 1
    line = one_line_error(capsys)
    assert says in line and "secret other/app" in line, line


def test_credentials_csv_cells_never_run_as_formulas(
    aws, tmp_path: Path, capsys, monkeypatch
) -> None:
    """OWASP, "CSV Injection": a cell starting with =, +, - or @ is a formula to a
    spreadsheet; a password kept from before gets an apostrophe in front."""
    sm = boto3.client("secretsmanager")
    value = {
        "UserName": "ana",
        "Password": "=HYPERLINK(1)",
        "ConsoleSignInUrl": "https://example.signin.aws.amazon.com/console",
    }
    arn = sm.create_secret(Name="emrs/ana", SecretString=json.dumps(value))["ARN"]
    stack_holding_secrets(monkeypatch, [arn])
    target = tmp_path / "creds.csv"
    assert run("credentials", "--stack-name", "emrs", "--csv", str(target)) == 0
    rows = list(csv.reader(target.open()))
    assert rows[1][:2] == ["ana", "'=HYPERLINK(1)"]


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("{tmp}/missing/out.json", "does not exist"),
        ("{tmp}", "is a folder"),
        ("/dev/null", "not a regular file"),
        ("", "needs a file name"),
    ],
)
def test_a_bad_outputs_file_is_refused_before_any_aws_call(
    monkeypatch, capsys, tmp_path: Path, target: str, says: str
) -> None:
    def no_aws(self: Aws, service: str) -> None:
        raise AssertionError(f"{service} called")

    monkeypatch.setattr(Aws, "client", no_aws)
    path = target.format(tmp=tmp_path)
    code = run("deploy", "--stack-name", "emrs", "--region", "eu-west-1", "--yes",
               "--template-bucket", "t", "--outputs-file", path)  # fmt: skip
    assert code == 2
    line = one_line_error(capsys)
    assert says in line and "--outputs-file" in line, line
