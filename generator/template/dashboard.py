"""The health dashboard: the application's capacity and workers against its
maximum, its jobs' outcomes, the NAT gateways' bytes and the stack function's
errors, on one CloudWatch dashboard whose widgets follow the template's
conditions (no application, no NAT gateway: no widget).

Metric names and dimensions, modelled on AWS's pages, not observed:
- AWS/EMRServerless, "Monitoring EMR Serverless applications and jobs" (EMR
  Serverless User Guide): CPUAllocated, MaxCPUAllowed (the application's maximum
  capacity; seen in third-party metric lists, not read in AWS's table),
  MemoryAllocated, RunningWorkerCount,
  IdleWorkerCount, SuccessJobs, FailedJobs, RunningJobs, by ApplicationId (with
  ApplicationName from release 7.10, and WorkerType and CapacityAllocationType on
  the capacity metrics). CloudWatch matches a metric's whole dimension set, so the
  widgets search by the application's ID (a SEARCH expression, "Use search
  expressions in graphs", CloudWatch User Guide) and find either set.
- AWS/NATGateway, "Monitor NAT gateways with CloudWatch" (Amazon VPC User Guide):
  BytesOutToDestination and BytesInFromDestination by NatGatewayId.
- AWS/Lambda, "Types of metrics for Lambda functions" (Lambda Developer Guide):
  Errors by FunctionName.
Price ("Amazon CloudWatch pricing"): each account has 3 dashboards of up to 50
metrics a month free, then $3.00 a dashboard a month.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import If, Join, Ref, Sub, Template, cloudwatch

from generator.template.names import C, R, numbered
from generator.template.placement import Drawn

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("dashboard", "storage", "Health dashboard<br/>(CloudWatch)",
          (R.DASHBOARD,)),
)  # fmt: skip
REPLACED = {"AWS::CloudWatch::Dashboard": "the health dashboard"}


PERIOD = 300  # seconds per point


def _search(metric: str, stat: str, label: str) -> dict[str, Any]:
    search = f'AWS/EMRServerless MetricName="{metric}" ${{App}}'
    query = f"SEARCH('{search}', '{stat}', {PERIOD})"
    return {"expression": query, "label": label, "id": metric.lower()}


def _widget(title: str, metrics: list[Any], y: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": 0,
        "y": y,
        "width": 24,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "view": "timeSeries",
            "stat": "Sum",
            "period": PERIOD,
            "metrics": metrics,
            **extra,
        },
    }


def _text(widget: dict[str, Any]) -> str:
    return json.dumps(widget, separators=(",", ":"))


def application_widgets() -> list[str]:
    """Capacity against the maximum, workers and jobs (JSON, with ${App} left for
    Fn::Sub)."""
    capacity = _widget(
        "Application capacity (vCPU and memory GB) against its maximum",
        [
            [_search("CPUAllocated", "Maximum", "vCPUs allocated")],
            [_search("MaxCPUAllowed", "Maximum", "Maximum vCPUs")],
            [_search("MemoryAllocated", "Maximum", "Memory allocated (GB)")],
        ],
        0,
    )
    workers = _widget(
        "Application workers",
        [
            [_search("RunningWorkerCount", "Maximum", "Running workers")],
            [_search("IdleWorkerCount", "Maximum", "Idle workers")],
        ],
        6,
    )
    jobs = _widget(
        "Job runs and sessions",
        [
            [_search("SuccessJobs", "Sum", "Succeeded")],
            [_search("FailedJobs", "Sum", "Failed")],
            [_search("RunningJobs", "Maximum", "Running")],
        ],
        12,
    )
    return [_text(capacity), _text(workers), _text(jobs)]


def nat_widget() -> Join:
    """Bytes through each NAT gateway the stack has. A missing gateway's lines are
    an empty string, commas included, so the JSON holds whichever way a template
    reader treats what an Fn::If leaves out of a list."""
    parts: list[Any] = []
    for index, condition in (
        (1, C.HAS_NAT),
        (2, C.NAT_PER_AZ),
        (3, C.NAT_PER_AZ_THREE),
    ):
        lines = []
        for metric in ("BytesOutToDestination", "BytesInFromDestination"):
            line = json.dumps(
                ["AWS/NATGateway", metric, "NatGatewayId", "NAT", {"label": ""}]
            ).replace('"NAT"', '"${Nat}"')
            lines.append(
                line.replace('"label": ""', f'"label": "{metric} NAT {index}"')
            )
        text = ("" if index == 1 else ",") + ",".join(lines)
        found = Sub(text, Nat=Ref(numbered("NatGateway", index)))
        # The widget exists only with NAT gateway 1: its lines need no If.
        parts.append(found if index == 1 else If(condition, found, ""))
    head, tail = _text(_widget("NAT gateway bytes", ["LINES"], 18)).split('"LINES"')
    return Join("", [Sub(head), *parts, tail])


def function_widget() -> Sub:
    """Errors of the stack's custom-resource function."""
    widget = _widget(
        "Stack function errors",
        [["AWS/Lambda", "Errors", "FunctionName", "FUNCTION"]],
        24,
    )
    return Sub(
        _text(widget).replace('"FUNCTION"', '"${Function}"'),
        Function=Ref(R.CREDENTIALS_FUNCTION),
    )


def dashboard_body() -> Join:
    """The dashboard's JSON, each widget under its resource's condition (a widget
    left out is an empty string with its comma)."""
    app = [
        If(C.CREATE_APPLICATION, Sub(text + ",", App=Ref(R.APPLICATION)), "")
        for text in application_widgets()
    ]
    nat = If(C.HAS_NAT, Join("", [nat_widget(), ","]), "")
    # The dashboard exists only with the stack function: its widget needs no If.
    return Join("", ['{"widgets":[', *app, nat, function_widget(), "]}"])


def add_dashboard(template: Template) -> cloudwatch.Dashboard:
    """The dashboard, when Health dashboard (HealthDashboard) is true."""
    return template.add_resource(
        cloudwatch.Dashboard(
            R.DASHBOARD,
            Condition=C.DASHBOARD,
            DashboardName=Sub("${AWS::StackName}-health"),
            DashboardBody=dashboard_body(),
        )
    )
