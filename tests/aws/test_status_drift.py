"""`emrs-env status`: the application's state and active job runs, and with
--drift what was changed outside CloudFormation.

Modelled on the CloudFormation API Reference (DetectStackDrift,
DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts) and the EMR
Serverless API Reference (GetApplication, ListJobRuns), not observed in AWS.
CloudFormation answers from a script (moto has no drift detection); EMR Serverless
is moto. Every client is a real botocore client, so each request meets its model.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from generator.aws import status
from generator.aws.session import Aws
from tests.aws.commands import one_line_error, run
from tests.scripted import scripted

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def stack_api(app_id: str | None, drift_answers: list[dict]) -> Any:
    resources = [{"LogicalResourceId": "NotebookBucket", "PhysicalResourceId": "b",
                  "ResourceType": "AWS::S3::Bucket", "LastUpdatedTimestamp": NOW,
                  "ResourceStatus": "CREATE_COMPLETE"}]  # fmt: skip
    if app_id:
        resources.append({"LogicalResourceId": "Application",
                          "PhysicalResourceId": app_id,
                          "ResourceType": "AWS::EMRServerless::Application",
                          "LastUpdatedTimestamp": NOW,
                          "ResourceStatus": "CREATE_COMPLETE"})  # fmt: skip
    drifted = {
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/emrs/1",
        "LogicalResourceId": "NotebookBucket", "PhysicalResourceId": "b",
        "ResourceType": "AWS::S3::Bucket", "Timestamp": NOW,
        "StackResourceDriftStatus": "MODIFIED",
        "PropertyDifferences": [{"PropertyPath": "/VersioningConfiguration/Status",
                                 "ExpectedValue": "Enabled",
                                 "ActualValue": "Suspended",
                                 "DifferenceType": "NOT_EQUAL"}],
    }  # fmt: skip
    return scripted(
        "cloudformation",
        describe_stacks=[{"Stacks": [{"StackName": "emrs", "CreationTime": NOW,
                                      "StackStatus": "UPDATE_COMPLETE"}]}],
        describe_stack_events=[{"StackEvents": []}],
        list_stack_resources=[{"StackResourceSummaries": resources}],
        detect_stack_drift=[{"StackDriftDetectionId": "d-1"}],
        describe_stack_drift_detection_status=drift_answers,
        describe_stack_resource_drifts=[
            {"StackResourceDrifts": [drifted], "NextToken": "t"},
            {"StackResourceDrifts": []},
        ],
    )  # fmt: skip


def detection(state: str, drift: str = "DRIFTED") -> dict:
    return {"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/emrs/1",
            "StackDriftDetectionId": "d-1", "DetectionStatus": state,
            "StackDriftStatus": drift, "Timestamp": NOW}  # fmt: skip


def use(monkeypatch: pytest.MonkeyPatch, cfn: Any) -> None:
    made = Aws.client
    monkeypatch.setattr(
        Aws, "client", lambda self, s: cfn if s == "cloudformation" else made(self, s)
    )


def test_status_shows_drift_and_the_application(mocked_aws, monkeypatch, capsys):
    from tests.function.test_lifecycle import new_application, running_job

    emrs = boto3.client("emr-serverless")
    app_id = new_application(emrs)
    run_id = running_job(emrs, app_id)  # a notebook's session keeps it started
    cfn = stack_api(app_id, [detection("DETECTION_IN_PROGRESS"),
                             detection("DETECTION_COMPLETE")])  # fmt: skip
    use(monkeypatch, cfn)
    monkeypatch.setattr(status.time, "sleep", lambda _s: None)
    assert run("status", "--stack-name", "emrs", "--drift", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["Application"]["ApplicationId"] == app_id
    assert report["Application"]["State"] == "STARTED"
    assert report["Application"]["ActiveJobRuns"] == [run_id]
    assert report["Drift"] == {
        "Status": "DRIFTED", "Reason": "",
        "Resources": [{"LogicalResourceId": "NotebookBucket",
                       "ResourceType": "AWS::S3::Bucket", "Drift": "MODIFIED",
                       "Properties": ["/VersioningConfiguration/Status not_equal"]}],
    }  # fmt: skip
    # both pages of the drifts were read, each with the drifted states only
    calls = cfn.script.called("describe_stack_resource_drifts")
    assert [c.get("NextToken") for c in calls] == [None, "t"]
    assert calls[0]["StackResourceDriftStatusFilters"] == ["MODIFIED", "DELETED"]
    use(monkeypatch, stack_api(app_id, [detection("DETECTION_COMPLETE")]))
    assert run("status", "--stack-name", "emrs", "--drift") == 0
    text = capsys.readouterr().out
    assert "Drift: DRIFTED" in text
    assert "  NotebookBucket (AWS::S3::Bucket): /VersioningConfiguration/Status" in text
    assert f"Application {app_id}: STARTED, 1 active job run(s): {run_id}" in text


def test_drift_detection_that_does_not_end_is_bounded(monkeypatch) -> None:
    cfn = stack_api(None, [detection("DETECTION_IN_PROGRESS")])
    clock = iter(range(0, 10_000, 5))
    found = status.drift_report(
        cfn, "emrs", timeout_seconds=60, poll_seconds=5,
        sleep=lambda _s: None, clock=lambda: next(clock),
    )  # fmt: skip
    assert (
        found["Status"] == "UNKNOWN" and "still running after 60 s" in found["Reason"]
    )
    assert len(cfn.script.called("describe_stack_drift_detection_status")) <= 13


def test_without_drift_status_asks_for_none(mocked_aws, monkeypatch, capsys) -> None:
    cfn = stack_api(None, [detection("DETECTION_COMPLETE")])
    use(monkeypatch, cfn)
    assert run("status", "--stack-name", "emrs", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert "Drift" not in report and report["Application"] is None
    assert not cfn.script.called("detect_stack_drift")
    assert run("status", "--stack-name", "emrs", "--drift-timeout", "0") == 2
    assert "--drift-timeout takes a number of minutes" in one_line_error(capsys)


def test_status_shows_this_month_s_budget_figures(mocked_aws, monkeypatch, capsys):
    """DescribeBudget through moto; the account ID read to name it is never shown."""
    from tests.function.test_stack_function import ACCOUNT

    name = "emrs-env-0a1b2c3d-1234abcd-emrs"
    boto3.client("budgets").create_budget(
        AccountId=ACCOUNT,
        Budget={"BudgetName": name, "BudgetLimit": {"Amount": "500", "Unit": "USD"},
                "TimeUnit": "MONTHLY", "BudgetType": "COST"},
    )  # fmt: skip
    cfn = stack_api(None, [detection("DETECTION_COMPLETE")])
    summaries = cfn.script.scripts["list_stack_resources"][0]["StackResourceSummaries"]
    summaries.append({"LogicalResourceId": "CostBudget", "PhysicalResourceId": name,
                      "ResourceType": "Custom::CostBudget",
                      "LastUpdatedTimestamp": NOW,
                      "ResourceStatus": "CREATE_COMPLETE"})  # fmt: skip
    use(monkeypatch, cfn)
    assert run("status", "--stack-name", "emrs", "--json") == 0
    out = capsys.readouterr().out
    budget = json.loads(out)["Budget"]
    assert budget["BudgetName"] == name and float(budget["LimitUsd"]) == 500
    assert ACCOUNT not in out
    assert run("status", "--stack-name", "emrs") == 0
    assert f"Budget {name}: " in capsys.readouterr().out


def test_an_aws_error_during_drift_detection_is_one_line(
    mocked_aws, monkeypatch, capsys
) -> None:
    from tests.scripted import error

    cfn = stack_api(None, [detection("DETECTION_COMPLETE")])
    cfn.script.scripts["detect_stack_drift"] = [
        error("AccessDenied", "not allowed to detect drift", "DetectStackDrift")
    ]
    use(monkeypatch, cfn)
    assert run("status", "--stack-name", "emrs", "--drift") == 1
    line = one_line_error(capsys)
    assert "DetectStackDrift" in line and "AccessDenied" in line, line
