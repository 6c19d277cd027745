"""Custom::CostBudget: the stack's monthly cost budget, made by the function through
the AWS Budgets API, since AWS::Budgets::Budget is unknown to CloudFormation's
registry in many regions (template/regions.py). moto plays Budgets; the answer goes
to a local HTTP server. Modelled on the AWS Budgets API Reference (CreateBudget,
DescribeBudget, DescribeNotificationsForBudget, DeleteBudget), not observed."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from custom_resources import stack_function as cc
from tests.function import test_stack_function as base
from tests.function.test_stack_function import ACCOUNT, STACK, Context

cfn = base.cfn  # the local response server, a fixture of this module too


def budget_event(
    server: Any, kind: str, props: dict, old: dict | None = None, physical=None
) -> dict:
    event = {
        "RequestType": kind, "ResponseURL": server.url, "StackId": STACK,
        "RequestId": f"req-{len(server.bodies)}", "LogicalResourceId": "CostBudget",
        "ResourceType": "Custom::CostBudget", "ResourceProperties": props,
    }  # fmt: skip
    if old is not None:
        event["OldResourceProperties"] = old
    if physical is not None:
        event["PhysicalResourceId"] = physical
    before = len(server.bodies)
    cc.handler(event, Context())
    assert len(server.bodies) == before + 1, "exactly one answer per event"
    return server.bodies[-1]


def props(amount: str = "500", email: str = "ops@example.com") -> dict:
    return {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "MonthlyUsd": amount, "Email": email}  # fmt: skip


def budgets_made() -> dict[str, dict]:
    api = boto3.client("budgets", region_name="us-east-1")
    found = api.describe_budgets(AccountId=ACCOUNT).get("Budgets", [])
    return {b["BudgetName"]: b for b in found}


def test_create_update_and_delete(mocked_aws, cfn) -> None:
    made = budget_event(cfn, "Create", props())
    assert made["Status"] == "SUCCESS", made["Reason"]
    name = made["PhysicalResourceId"]
    assert name.startswith("emrs-env-0a1b2c3d-") and name.endswith("-emrs")
    assert ACCOUNT not in name, "no account ID in a physical ID"
    budget = budgets_made()[name]
    assert budget["BudgetLimit"] == {"Amount": "500.00", "Unit": "USD"}
    assert budget["CostFilters"] == {
        "TagKeyValue": ["aws:cloudformation:stack-name$emrs"]
    }
    api = boto3.client("budgets", region_name="us-east-1")
    alerts = api.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=name)
    assert sorted(
        (n["NotificationType"], n["Threshold"]) for n in alerts["Notifications"]
    ) == [("ACTUAL", 80.0), ("ACTUAL", 100.0), ("FORECASTED", 100.0)]
    # the same request again (a duplicate delivery) finds its budget made
    again = budget_event(cfn, "Create", props())
    assert again["Status"] == "SUCCESS" and again["PhysicalResourceId"] == name
    # a new amount is a new budget; CloudFormation deletes the old one after
    changed = budget_event(cfn, "Update", props("900"), props(), physical=name)
    assert changed["Status"] == "SUCCESS"
    assert changed["PhysicalResourceId"] != name
    assert set(budgets_made()) == {name, changed["PhysicalResourceId"]}
    gone = budget_event(cfn, "Delete", props(), physical=name)
    assert gone["Status"] == "SUCCESS"
    assert set(budgets_made()) == {changed["PhysicalResourceId"]}
    # a delete of what is already gone, and of a failed create, succeeds
    assert budget_event(cfn, "Delete", props(), physical=name)["Status"] == "SUCCESS"
    failed_id = budget_event(cfn, "Delete", props(), physical="failed-CostBudget")
    assert failed_id["Status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("amount", "email", "says"),
    [
        ("x", "ops@example.com", "MonthlyUsd must be a number"),
        ("0", "ops@example.com", "MonthlyUsd must be above 0"),
        ("500", "", "Email must be one e-mail address"),
        ("500", "a@b.c,d@e.f", "Email must be one e-mail address"),
    ],
)
def test_bad_properties_fail_with_a_reason(mocked_aws, cfn, amount, email, says):
    answer = budget_event(cfn, "Create", props(amount, email))
    assert answer["Status"] == "FAILED" and says in answer["Reason"]
    assert budgets_made() == {}
