"""`emrs-env status`: the stack's state, parameters, outputs and last failure."""

from __future__ import annotations

import json
from typing import Any

from generator.aws.session import Aws, utc_stamp
from generator.aws.stack import existing_stack


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


def stack_report(aws: Aws) -> dict[str, Any]:
    """What status prints, as data (no stack ID: it holds the account ID)."""
    assert aws.stack
    cfn = aws.client("cloudformation")
    stack = existing_stack(aws)
    return {
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
    }


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
    return "\n".join(lines)
