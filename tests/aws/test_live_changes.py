"""Changing a live environment from the command line: what deploy does before the
change set runs, so the update is not refused half way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.aws.session import Aws
from tests.aws.commands import run
from tests.scripted import scripted

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "build" / "emr-serverless-interactive.yaml"
CREATED = "2026-11-28T09:00:00Z"
ACCOUNT = "123456789012"


def stack(tags: list[dict[str, str]]) -> dict[str, Any]:
    return {"Stacks": [{"StackName": "emrs", "StackStatus": "UPDATE_COMPLETE",
                        "CreationTime": CREATED, "Tags": tags,
                        "StackId": "arn:aws:cloudformation:eu-west-1:1:stack/emrs/1",
                        "Parameters": []}]}  # fmt: skip


def application(state: str) -> dict[str, Any]:
    return {"application": {
        "applicationId": "00app", "releaseLabel": "emr-7.13.0", "type": "SPARK",
        "state": state, "createdAt": CREATED, "updatedAt": CREATED,
        "arn": f"arn:aws:emr-serverless:eu-west-1:{ACCOUNT}:/applications/00app",
    }}  # fmt: skip


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """CloudFormation and EMR Serverless as real clients answering from scripts,
    recording one sequence of calls across both."""
    order: list[str] = []
    made = {
        "cloudformation": scripted(
            "cloudformation", region="eu-west-1",
            describe_stacks=[stack([{"Key": "team", "Value": "a"}])],
            create_change_set=[{"Id": "cs-1"}],
            describe_change_set=[{"Status": "CREATE_COMPLETE", "Changes": []}],
            describe_stack_resource=[{"StackResourceDetail": {
                "LogicalResourceId": "Application", "PhysicalResourceId": "00app",
                "ResourceType": "AWS::EMRServerless::Application",
                "LastUpdatedTimestamp": CREATED,
                "ResourceStatus": "CREATE_COMPLETE"}}],
            execute_change_set=[{}],
            describe_stack_events=[{"StackEvents": []}],
        ),
        "emr-serverless": scripted(
            "emr-serverless", region="eu-west-1",
            get_application=[application("STARTED"), application("STOPPED")],
            stop_application=[{}],
            list_job_runs=[{"jobRuns": []}],
        ),
        "s3": scripted(
            "s3", region="eu-west-1", put_object=[{}],
            get_bucket_location=[{"LocationConstraint": "eu-west-1"}],
        ),
    }  # fmt: skip
    for client in made.values():
        client.meta.events.register(
            "before-parameter-build.*.*", lambda model, **_k: order.append(model.name)
        )
    monkeypatch.setattr(Aws, "client", lambda _self, service: made[service])
    made["order"] = order
    return made


def deploy(*extra: str) -> int:
    return run("deploy", "--stack-name", "emrs", "--region", "eu-west-1", "--yes",
               "--template", str(BUILT), "--template-bucket", "templates",
               "--poll-seconds", "0", *extra)  # fmt: skip


def test_new_stack_tags_stop_the_application_before_the_change_set_runs(
    clients: dict, capsys
) -> None:
    assert deploy("--tags", "team=b", "--timeout", "0.001") in (0, 1)
    order = clients["order"]
    assert "StopApplication" in order
    assert order.index("StopApplication") < order.index("ExecuteChangeSet")
    out = capsys.readouterr().out
    assert "change: the stack's tags" in out
    assert "Stopping application 00app (STARTED)" in out


@pytest.mark.parametrize("tags", [[], ["--tags", "team=a"]])
def test_unchanged_tags_leave_the_application_running(
    clients: dict, tags: list[str]
) -> None:
    deploy(*tags, "--timeout", "0.001")
    assert "ExecuteChangeSet" in clients["order"]
    assert "StopApplication" not in clients["order"]
