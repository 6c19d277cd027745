"""`emrs-env status`: the stack's state, parameters, outputs, last failure, the
application's state and running jobs, and (with --drift) what was changed by hand.

Modelled on the CloudFormation API Reference, not observed: DetectStackDrift
starts a detection and answers its ID; DescribeStackDriftDetectionStatus says
DETECTION_IN_PROGRESS until it ends (botocore has no waiter for it), then the
stack's drift status (IN_SYNC, DRIFTED, UNKNOWN); DescribeStackResourceDrifts
lists each resource's drift with the differing property paths (NextToken; botocore
has no paginator for it). DETECTION_FAILED still reports the resources it could
check. EMR Serverless API Reference: GetApplication's state, ListJobRuns' states.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from generator.aws.session import Aws, utc_stamp
from generator.aws.stack import Resource, existing_stack, stack_resources

APPLICATION = "AWS::EMRServerless::Application"
# Job runs that keep the application started (ListJobRuns states).
ACTIVE_RUNS = ["SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "QUEUED"]
DRIFTED = ["MODIFIED", "DELETED"]


def application_report(aws: Aws, resources: list[Resource]) -> dict[str, Any] | None:
    """The stack's application: its ID, state and active job runs; None when the
    stack has none."""
    found = [
        r.physical_id for r in resources if r.type == APPLICATION and r.physical_id
    ]
    if not found:
        return None
    emrs = aws.client("emr-serverless")
    app_id = found[0]
    state = emrs.get_application(applicationId=app_id)["application"]["state"]
    pages = emrs.get_paginator("list_job_runs").paginate(
        applicationId=app_id, states=ACTIVE_RUNS
    )
    runs = [run["id"] for page in pages for run in page.get("jobRuns", [])]
    return {"ApplicationId": app_id, "State": state, "ActiveJobRuns": runs}


def budget_report(aws: Aws, resources: list[Resource]) -> dict[str, Any] | None:
    """This month's figures of the stack's cost budget (AWS Budgets API Reference,
    DescribeBudget: BudgetLimit and CalculatedSpend); None without one."""
    found = [
        r.physical_id
        for r in resources
        if r.type == "Custom::CostBudget" and r.physical_id.startswith("emrs-env-")
    ]
    if not found:
        return None
    account = aws.client("sts").get_caller_identity()["Account"]  # never printed
    budget = aws.client("budgets").describe_budget(
        AccountId=account, BudgetName=found[0]
    )["Budget"]
    spend = budget.get("CalculatedSpend", {})
    return {
        "BudgetName": found[0],
        "LimitUsd": budget["BudgetLimit"]["Amount"],
        "ActualUsd": spend.get("ActualSpend", {}).get("Amount", "0"),
        "ForecastUsd": spend.get("ForecastedSpend", {}).get("Amount", ""),
    }


def drift_report(
    cfn: Any,
    name: str,
    timeout_seconds: float = 300.0,
    poll_seconds: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Start drift detection, wait for it at most timeout_seconds, and say which
    resources and properties differ from the template."""
    detection = cfn.detect_stack_drift(StackName=name)["StackDriftDetectionId"]
    until = clock() + timeout_seconds
    while True:
        found = cfn.describe_stack_drift_detection_status(
            StackDriftDetectionId=detection
        )
        if found["DetectionStatus"] != "DETECTION_IN_PROGRESS":
            break
        if clock() + poll_seconds > until:
            return {
                "Status": "UNKNOWN",
                "Reason": f"drift detection still running after "
                f"{int(timeout_seconds)} s; see the stack's Drifts page in the "
                "CloudFormation console, or run status --drift again later",
                "Resources": [],
            }
        sleep(poll_seconds)
    resources: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = cfn.describe_stack_resource_drifts(
            StackName=name,
            StackResourceDriftStatusFilters=DRIFTED,
            **({"NextToken": token} if token else {}),
        )
        for drift in page.get("StackResourceDrifts", []):
            resources.append(
                {
                    "LogicalResourceId": drift["LogicalResourceId"],
                    "ResourceType": drift["ResourceType"],
                    "Drift": drift["StackResourceDriftStatus"],
                    "Properties": [
                        f"{d['PropertyPath']} {d['DifferenceType'].lower()}"
                        for d in drift.get("PropertyDifferences", [])
                    ],
                }
            )
        token = page.get("NextToken")
        if not token:
            break
    return {
        "Status": found.get("StackDriftStatus", "UNKNOWN"),
        "Reason": found.get("DetectionStatusReason", ""),
        "Resources": resources,
    }


def last_failure(cfn: Any, name: str) -> dict[str, str] | None:
    """The newest failed event with a reason, from the stack's first page."""
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    for event in events:  # newest first
        reason = event.get("ResourceStatusReason", "")
        if event["ResourceStatus"].endswith("_FAILED") and reason:
            return {
                "LogicalResourceId": event["LogicalResourceId"],
                "ResourceStatus": event["ResourceStatus"],
                "Reason": reason,
                "Timestamp": utc_stamp(event.get("Timestamp")),
            }
    return None


def stack_report(
    aws: Aws, drift: bool = False, drift_timeout_seconds: float = 300.0
) -> dict[str, Any]:
    """What status prints, as data (no stack ID: it holds the account ID)."""
    assert aws.stack
    cfn = aws.client("cloudformation")
    stack = existing_stack(aws)
    resources = stack_resources(cfn, aws.stack)  # read once, for both reports
    report = {
        "StackName": stack["StackName"],
        "Status": stack["StackStatus"],
        "StatusReason": stack.get("StackStatusReason", ""),
        "LastUpdated": utc_stamp(stack.get("LastUpdatedTime") or stack["CreationTime"]),
        "TerminationProtection": bool(stack.get("EnableTerminationProtection")),
        "Parameters": {
            p["ParameterKey"]: p.get("ParameterValue", "")
            for p in stack.get("Parameters", [])
        },
        "Outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        "LastFailure": last_failure(cfn, aws.stack),
        "Application": application_report(aws, resources),
        "Budget": budget_report(aws, resources),
    }
    if drift:
        report["Drift"] = drift_report(
            cfn, aws.stack, timeout_seconds=drift_timeout_seconds
        )
    return report


def render(report: dict[str, Any], as_json: bool) -> str:
    """The report as JSON for scripts, or as text for people."""
    if as_json:
        return json.dumps(report, indent=2, sort_keys=True)
    lines = [
        f"Stack {report['StackName']}: {report['Status']}"
        + (f" ({report['StatusReason']})" if report["StatusReason"] else ""),
        f"Last updated: {report['LastUpdated']}",
        "Termination protection: "
        + ("on" if report["TerminationProtection"] else "off"),
    ]
    for title in ("Parameters", "Outputs"):
        if report[title]:
            lines.append(f"{title}:")
            lines += [f"  {k}: {v}" for k, v in sorted(report[title].items())]
    failure = report["LastFailure"]
    if failure:
        lines.append(
            f"Last failure: {failure['LogicalResourceId']} "
            f"{failure['ResourceStatus']} at {failure['Timestamp']}: "
            f"{failure['Reason']}"
        )
    application = report.get("Application")
    if application:
        runs = application["ActiveJobRuns"]
        lines.append(
            f"Application {application['ApplicationId']}: {application['State']}, "
            + (
                f"{len(runs)} active job run(s): {', '.join(runs)}"
                if runs
                else "no active job run"
            )
        )
    budget = report.get("Budget")
    if budget:
        forecast = (
            f", forecast {budget['ForecastUsd']}" if budget["ForecastUsd"] else ""
        )
        lines.append(
            f"Budget {budget['BudgetName']}: {budget['ActualUsd']} of "
            f"{budget['LimitUsd']} USD spent this month{forecast}"
        )
    drift = report.get("Drift")
    if drift:
        said = f"Drift: {drift['Status']}"
        if drift["Reason"]:
            said += f" ({drift['Reason']})"
        lines.append(said)
        for found in drift["Resources"]:
            what = "; ".join(found["Properties"]) or found["Drift"].lower()
            lines.append(
                f"  {found['LogicalResourceId']} ({found['ResourceType']}): {what}"
            )
    return "\n".join(lines)
