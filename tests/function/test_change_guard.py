"""The template's change guard: the change matrix's refusals on every path.

The function is the one inlined in build/emr-serverless-interactive.json, loaded
from the template itself. Its properties for the old and the new parameter values
are rendered by cloud-radar, an oracle independent of the product's own renderer,
and sent as the Update events CloudFormation sends ("Custom resource request types:
Update", CloudFormation User Guide: the new properties and OldResourceProperties).
On rollback CloudFormation sends another Update with the two swapped (aws-cdk issue
17040), while DescribeStacks says UPDATE_ROLLBACK_IN_PROGRESS (CloudFormation API
Reference, StackStatus). CloudFormation is a scripted botocore client; the answer
goes to a local HTTP server. Modelled from those pages, not observed in AWS.
"""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest

from generator.template import changes
from generator.template.intrinsics import parameter_values
from generator.template.names import R
from tests.function import test_stack_function as base
from tests.function.test_stack_function import STACK, Context
from tests.helpers import render
from tests.scripted import error, scripted

cfn = base.cfn  # the local response server, a fixture of this module too

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "build" / "emr-serverless-interactive.json").read_text())
DEFAULTS = {k: str(v) for k, v in parameter_values(TEMPLATE).items()}
VPC = {"ExistingVpcId": "vpc-0123456789abcdef0"}
TWO = "subnet-0123456789abcdef0,subnet-0123456789abcdef1"
SSO = {
    "IdentityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-0123456789abcdef",
    "CreateIamUsers": "false",
}

# (deployed values, new values, a parameter the refusal names)
REFUSED = [
    ({}, {"VpcCidr": "10.1.0.0/16"}, "VpcCidr"),
    ({"EncryptionKey": "customer-managed"}, {"EncryptionKey": "service-default"},
     "EncryptionKey"),
    ({}, {"BucketName": "my-notebooks"}, "BucketName"),
    ({}, {"NamePrefix": "dev-"}, "NamePrefix"),
    ({}, {"UniqueBucketName": "true"}, "UniqueBucketName"),
    ({"NumberOfAZs": "3"}, {"NumberOfAZs": "2"}, "NumberOfAZs"),
    (VPC | {"ExistingPrivateSubnetIds": TWO},
     {"ExistingPrivateSubnetIds": "subnet-0123456789abcdef0"},
     "ExistingPrivateSubnetIds"),
    (SSO | {"IdentityCenterDeveloperGroups": "A,B"},
     {"IdentityCenterDeveloperGroups": "B"}, "Identity Center name"),
    (SSO | {"IdentityCenterDeveloperGroups": "A,B"},
     {"IdentityCenterDeveloperGroups": "A", "IdentityCenterAdminGroups": "B"},
     "Identity Center name"),
    # lists longer than their places: no Rule counts list items
    (SSO | {"IdentityCenterDeveloperGroups": "A,B"},
     {"IdentityCenterDeveloperGroups": "A,B,C,D"}, "IdentityCenterDeveloperGroups"),
    (VPC | {"ExistingPrivateSubnetIds": TWO},
     {"ExistingPrivateSubnetIds": TWO + ",subnet-0123456789abcdef2,"
      "subnet-0123456789abcdef3,subnet-0123456789abcdef4,subnet-0123456789abcdef5"},
     "ExistingPrivateSubnetIds"),
]  # fmt: skip
ALLOWED = [
    ({}, {"ReleaseLabel": "emr-7.12.0"}),
    ({}, {"NumberOfAZs": "3"}),
    ({"EncryptionKey": "service-default"}, {"EncryptionKey": "customer-managed"}),
    (VPC | {"ExistingPrivateSubnetIds": "subnet-0123456789abcdef0"},
     {"ExistingPrivateSubnetIds": TWO}),
    (VPC | {"ExistingPrivateSubnetIds": TWO},
     {"ExistingVpcId": "vpc-0123456789abcdef1",
      "ExistingPrivateSubnetIds": "subnet-0123456789abcdef2,subnet-0123456789abcdef3"}),
    ({"BucketName": "my-notebooks"}, {"NamePrefix": "dev-"}),
    ({"CreateStudio": "false"}, {"BucketName": "my-notebooks"}),
    (SSO | {"IdentityCenterDeveloperGroups": "A,B"},
     {"IdentityCenterDeveloperGroups": "A,B,C"}),
    (SSO | {"IdentityCenterDeveloperGroups": "A,B"},
     {"IdentityCenterDeveloperGroups": "B",
      "IdentityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-fedcba9876543210"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def inlined() -> types.ModuleType:
    """The function exactly as the template inlines it."""
    source = TEMPLATE["Resources"][R.CREDENTIALS_FUNCTION]["Properties"]["Code"]
    module = types.ModuleType("index")
    exec(compile(source["ZipFile"], "index.py", "exec"), module.__dict__)  # noqa: S102
    # the local response server is plain HTTP on 127.0.0.1 (tests/conftest.py)
    module.RESPONSE_SCHEMES = ("https", "http")
    module.RESPONSE_HOSTS = (*module.RESPONSE_HOSTS, "127.0.0.1")
    return module


@cache
def _guard(values: tuple[tuple[str, str], ...]) -> str:
    rendered = render(dict(values))
    return json.dumps(rendered["Resources"][R.CHANGE_GUARD]["Properties"])


def guard_properties(values: dict[str, str]) -> dict[str, Any]:
    """The guard's properties as CloudFormation would send them for the values."""
    return json.loads(_guard(tuple(sorted(values.items()))))


def stack_api(monkeypatch: pytest.MonkeyPatch, status: Any) -> Any:
    """CloudFormation answering DescribeStacks with the status (or an error)."""
    answer = status
    if isinstance(status, str):
        answer = {"Stacks": [{
            "StackName": "emrs", "StackStatus": status,
            "CreationTime": datetime(2026, 1, 1, tzinfo=UTC)}]}  # fmt: skip
    api = scripted("cloudformation", describe_stacks=[answer])
    real = boto3.client
    monkeypatch.setattr(
        boto3,
        "client",
        lambda name, **kw: api if name == "cloudformation" else real(name, **kw),
    )
    return api


def send(
    module: types.ModuleType,
    server: Any,
    kind: str,
    new: dict[str, Any],
    old: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event through the inlined entry point; its one answer."""
    event = {
        "RequestType": kind,
        "ResponseURL": server.url,
        "StackId": STACK,
        "RequestId": f"req-{len(server.bodies)}",
        "LogicalResourceId": R.CHANGE_GUARD,
        "ResourceType": "Custom::ChangeGuard",
        "ResourceProperties": new,
    }
    if kind != "Create":
        event["PhysicalResourceId"] = "change-guard"
    if old is not None:
        event["OldResourceProperties"] = old
    before = len(server.bodies)
    module.handler(event, Context(8_000))
    assert len(server.bodies) == before + 1, "exactly one answer per event"
    return server.bodies[-1]


@pytest.mark.parametrize(("old", "new", "names"), REFUSED)
def test_a_refused_update_fails_on_every_path_and_its_rollback_passes(
    inlined, cfn, monkeypatch, old: dict, new: dict, names: str
) -> None:
    before, after = DEFAULTS | old, DEFAULTS | old | new
    props_before, props_after = guard_properties(before), guard_properties(after)
    api = stack_api(monkeypatch, "UPDATE_IN_PROGRESS")
    answer = send(inlined, cfn, "Update", props_after, props_before)
    assert answer["Status"] == "FAILED"
    assert names in answer["Reason"] and "is refused:" in answer["Reason"]
    assert answer["PhysicalResourceId"] == "change-guard"
    # plan and deploy say the very same words, from the same checks
    assert answer["Reason"] == str(changes.refusal(TEMPLATE, before, after))
    assert api.script.called("describe_stacks") == [{"StackName": STACK}]
    # the rollback: old and new swapped while the stack rolls back
    stack_api(monkeypatch, "UPDATE_ROLLBACK_IN_PROGRESS")
    undo = send(inlined, cfn, "Update", props_before, props_after)
    assert undo["Status"] == "SUCCESS", undo["Reason"]
    # and a stack delete is never blocked, whatever the properties hold
    gone = send(inlined, cfn, "Delete", props_after)
    assert gone["Status"] == "SUCCESS"


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_an_allowed_update_passes_without_asking_aws(
    inlined, cfn, monkeypatch, old: dict, new: dict
) -> None:
    before, after = DEFAULTS | old, DEFAULTS | old | new
    api = stack_api(monkeypatch, "UPDATE_IN_PROGRESS")
    answer = send(
        inlined, cfn, "Update", guard_properties(after), guard_properties(before)
    )
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert changes.refusal(TEMPLATE, before, after) is None
    assert api.script.names() == []


def test_create_and_a_stack_from_an_earlier_version_pass(
    inlined, cfn, monkeypatch
) -> None:
    """A stack made before the guard gets it created on its first update: there is
    nothing earlier to compare, so that update passes."""
    stack_api(monkeypatch, "UPDATE_IN_PROGRESS")
    props = guard_properties(DEFAULTS | {"VpcCidr": "10.1.0.0/16"})
    assert send(inlined, cfn, "Create", props)["Status"] == "SUCCESS"
    earlier = {"ServiceToken": props["ServiceToken"]}  # no Checks at all
    assert send(inlined, cfn, "Update", props, earlier)["Status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("values", "names"),
    [
        (VPC | {"ExistingPrivateSubnetIds": "subnet-0123456789abcdef0"},
         "fewer than 2 or more than 5 subnets"),
        (SSO | {"IdentityCenterAdminUsers": "ana,raj"}, "more than 1 name"),
    ],
)  # fmt: skip
def test_a_create_with_a_list_past_its_places_fails_with_the_reason(
    inlined, cfn, monkeypatch, values: dict, names: str
) -> None:
    """The console takes any number of items; a list past its places used to be
    cut silently (Identity Center) or to fail mid-create at the Studio."""
    stack_api(monkeypatch, "CREATE_IN_PROGRESS")
    props = guard_properties(DEFAULTS | values)
    answer = send(inlined, cfn, "Create", props)
    assert answer["Status"] == "FAILED" and names in answer["Reason"]
    assert answer["Reason"] == str(
        changes.refusal(TEMPLATE, DEFAULTS, DEFAULTS | values)
    )
    fine = guard_properties(DEFAULTS | VPC | {"ExistingPrivateSubnetIds": TWO})
    assert send(inlined, cfn, "Create", fine)["Status"] == "SUCCESS"


def test_an_unreadable_stack_status_lets_the_update_through(
    inlined, cfn, monkeypatch
) -> None:
    """Refusing needs to know the update is not a rollback: a FAILED rollback leaves
    the stack in UPDATE_ROLLBACK_FAILED, so an unknown status passes (logged)."""
    stack_api(monkeypatch, error("AccessDenied", "no", "DescribeStacks"))
    before = DEFAULTS
    after = DEFAULTS | {"VpcCidr": "10.1.0.0/16"}
    answer = send(
        inlined, cfn, "Update", guard_properties(after), guard_properties(before)
    )
    assert answer["Status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("checks", "says"),
    [
        ("not an object", "Checks must be an object"),
        ({"A": {"Test": "changed", "Value": "x", "Refusal": "r", "More": "y"}},
         "must hold Test"),
        ({"A": {"Test": "grows", "Value": "x", "Refusal": "r"}}, "unknown test"),
        ({"A": {"Test": "changed", "Value": ["x"], "Refusal": "r"}}, "text values"),
        ({"A": {"Test": "fits", "Value": "x", "Refusal": "r"}}, "needs a Limit"),
    ],
)  # fmt: skip
def test_malformed_checks_fail_with_a_reason(
    inlined, cfn, monkeypatch, checks: Any, says: str
) -> None:
    stack_api(monkeypatch, "CREATE_IN_PROGRESS")
    answer = send(inlined, cfn, "Create", {"Checks": checks})
    assert answer["Status"] == "FAILED" and says in answer["Reason"]


def test_the_guard_runs_before_the_bucket_studio_and_application() -> None:
    """What a refused update would change waits for the guard's answer."""
    resources = TEMPLATE["Resources"]

    def after(logical: str) -> set[str]:
        found: set[str] = set()
        todo = [logical]
        while todo:
            res = resources[todo.pop()]
            depends = res.get("DependsOn", [])
            names = {depends} if isinstance(depends, str) else set(depends)
            names |= {n for n in _refs(res) if n in resources}
            for name in names - found:
                found.add(name)
                todo.append(name)
        return found

    for logical in ("NotebookBucket", "Studio", "Application"):
        assert R.CHANGE_GUARD in after(logical), logical


def _refs(value: Any) -> set[str]:
    from generator.template.intrinsics import mentions

    return {name for name, _ in mentions(value)}


def test_every_rule_is_a_check_of_the_guard() -> None:
    checks = TEMPLATE["Resources"][R.CHANGE_GUARD]["Properties"]["Checks"]
    rules = (*changes.RULES, *changes.LIMITS)
    assert set(checks) == {rule.name for rule in rules}
    for rule in rules:
        assert checks[rule.name]["Refusal"] == rule.refusal()
        assert len(rule.refusal()) < 1000, "CloudFormation shows the reason whole"
