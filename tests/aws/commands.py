"""Running a command as a user would, and reading its one-line error."""

from __future__ import annotations

from typing import Any

from generator import cli


def run(*args: str) -> int:
    """`emrs-env ARGS...`'s exit code."""
    return cli.main(list(args))


def one_line_error(capsys: Any) -> str:
    """The command's error: exactly one line on standard error, no traceback."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def stack_holding_secrets(
    monkeypatch: Any, arns: list[str], region: str = "us-east-1"
) -> Any:
    """A stack named emrs whose resources include the secrets of `arns`.

    CloudFormation answers from a script, since moto's CloudFormation cannot hold an
    AWS::SecretsManager::Secret; every other service is the test's (moto's).
    """
    from datetime import UTC, datetime

    from generator.aws.session import Aws
    from tests.scripted import scripted

    now = datetime(2026, 1, 1, tzinfo=UTC)
    summaries = [
        {"LogicalResourceId": "Bucket", "PhysicalResourceId": "emrs-notebooks",
         "ResourceType": "AWS::S3::Bucket", "LastUpdatedTimestamp": now,
         "ResourceStatus": "CREATE_COMPLETE"},
    ] + [
        {"LogicalResourceId": f"User{i}Secret", "PhysicalResourceId": arn,
         "ResourceType": "AWS::SecretsManager::Secret", "LastUpdatedTimestamp": now,
         "ResourceStatus": "CREATE_COMPLETE"}
        for i, arn in enumerate(arns)
    ]  # fmt: skip
    cfn = scripted(
        "cloudformation",
        region=region,
        describe_stacks=[{"Stacks": [{"StackName": "emrs", "CreationTime": now,
                                      "StackStatus": "CREATE_COMPLETE"}]}],
        list_stack_resources=[{"StackResourceSummaries": summaries}],
    )  # fmt: skip
    made = Aws.client

    def client(self: Aws, service: str) -> Any:
        return cfn if service == "cloudformation" else made(self, service)

    monkeypatch.setattr(Aws, "client", client)
    return cfn
