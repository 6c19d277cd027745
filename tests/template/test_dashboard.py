"""The health dashboard: valid JSON in every configuration, widgets that follow the
template's conditions, and the metrics AWS's pages name (generator/template/
dashboard.py says which page)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import render

VARIANTS = {
    "defaults": ({}, {"application", "nat", "function"}, 2),
    "one NAT gateway": (
        {"NatGateways": "single"},
        {"application", "nat", "function"},
        1,
    ),
    "three NAT gateways": (
        {"NumberOfAZs": "3"},
        {"application", "nat", "function"},
        3,
    ),
    "no NAT": ({"NatGateways": "none"}, {"application", "function"}, 0),
    "no application": (
        {"CreateApplication": "false"},
        {"nat", "function"},
        2,
    ),
}


def body(params: dict[str, str]) -> dict[str, Any] | None:
    rendered = render(params)
    dashboard = rendered["Resources"].get("EnvironmentDashboard")
    if dashboard is None:
        return None
    return json.loads(dashboard["Properties"]["DashboardBody"])


def kinds(widgets: list[dict[str, Any]]) -> set[str]:
    titles = " ".join(w["properties"]["title"] for w in widgets)
    found = set()
    if "Application" in titles:
        found.add("application")
    if "NAT" in titles:
        found.add("nat")
    if "function" in titles:
        found.add("function")
    return found


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_widgets_follow_the_conditions(variant: str) -> None:
    params, expected, nat_gateways = VARIANTS[variant]
    widgets = body(params)["widgets"]
    assert kinds(widgets) == expected
    nat = [w for w in widgets if "NAT" in w["properties"]["title"]]
    lines = [m for w in nat for m in w["properties"]["metrics"]]
    assert len(lines) == 2 * nat_gateways
    assert {m[0] for m in lines} <= {"AWS/NATGateway"}
    assert {m[3] for m in lines} == {
        f"NatGateway{i}" for i in range(1, nat_gateways + 1)
    }


def test_the_application_widgets_search_its_metrics_by_its_id() -> None:
    widgets = body({})["widgets"]
    expressions = [
        m[0]["expression"]
        for w in widgets
        for m in w["properties"]["metrics"]
        if isinstance(m[0], dict)
    ]
    names = {e.split('MetricName="')[1].split('"')[0] for e in expressions}
    assert {
        "CPUAllocated",
        "MaxCPUAllowed",
        "MemoryAllocated",
        "RunningWorkerCount",
        "IdleWorkerCount",
        "SuccessJobs",
        "FailedJobs",
        "RunningJobs",
    } == names
    # cloud-radar renders a Ref of the application as its logical ID
    assert all("AWS/EMRServerless" in e and " Application'" in e for e in expressions)
    (function,) = [w for w in widgets if "function" in w["properties"]["title"]]
    assert function["properties"]["metrics"] == [
        ["AWS/Lambda", "Errors", "FunctionName", "CustomResourceFunction"]
    ]
    assert all(w["properties"]["region"] == "us-east-1" for w in widgets)


def test_off_means_no_dashboard_and_no_output() -> None:
    rendered = render({"HealthDashboard": "false"})
    assert "EnvironmentDashboard" not in rendered["Resources"]
    assert "HealthDashboardUrl" not in rendered.get("Outputs", {})
    on = render({})
    url = on["Outputs"]["HealthDashboardUrl"]["Value"]
    assert url.startswith("https://us-east-1.console.aws.amazon.com/cloudwatch/home")
    assert url.endswith("#dashboards:name=EnvironmentDashboard")
