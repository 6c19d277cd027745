"""Every journey of generator/documents/journeys.py, evaluated offline on the
rendered template.

The template is rendered with cloud-radar for a concrete account, region and
partition; each persona gets the identity policies the template attaches to it
(group and role managed policies, inline policies), the bucket policy and key
policy act as resource policies, and tests/iam_eval.py decides each request.
A journey that is not decided as the table expects fails the build.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.documents import journeys
from generator.documents.journeys import Facts, Step
from generator.scenarios import JOURNEYS, used_by
from generator.template.names import ADMIN_USER, USER_PATH, R
from tests import helpers
from tests.helpers import (
    ACCOUNT,
    STACK_ID,
    as_list,
    clean,
    of_type,
    walk_dicts,
)
from tests.iam_eval import ALLOWED, Principal, decide

MATRIX = used_by(JOURNEYS)
PARTITIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
STACK = "emrs"


def render(params: dict[str, str], partition: str) -> dict[str, Any]:
    return clean(
        helpers.render(
            params, PARTITIONS[partition], partition=partition, stack_name=STACK
        )
    )


class Environment:
    """The rendered template as principals, resource policies and facts."""

    def __init__(self, rendered: dict[str, Any], partition: str) -> None:
        self.partition = partition
        self.region = PARTITIONS[partition]
        self.resources = rendered["Resources"]
        iam = f"arn:{partition}:iam::{ACCOUNT}"
        self.arns = {
            f"{R.BUCKET}.Arn": f"arn:{partition}:s3:::{self.bucket}",
            f"{R.KEY}.Arn": f"arn:{partition}:kms:{self.region}:{ACCOUNT}:key/"
            f"{R.KEY}",
        }
        for logical, res in of_type(rendered, "AWS::IAM::Role").items():
            name = res["Properties"].get("RoleName", logical)
            self.arns[f"{logical}.Arn"] = f"{iam}:role/{name}"
        self.params = rendered["Parameters"]

    @property
    def bucket(self) -> str:
        return self.resources[R.BUCKET]["Properties"]["BucketName"]

    def resolve(self, value: Any) -> Any:
        """cloud-radar's 'Logical.Arn' strings as the ARNs AWS would give."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, str):
            for short, arn in self.arns.items():
                if value.startswith(short):
                    return arn + value[len(short) :]
        return value

    def param(self, name: str) -> str:
        return str(self.params[name].get("Default", ""))

    def policies_for(self, group: str | None, role: str | None) -> tuple:
        docs = []
        for logical, res in self.resources.items():
            props = res.get("Properties", {})
            attached = (group and group in as_list(props.get("Groups", []))) or (
                role and role in as_list(props.get("Roles", []))
            )
            if res["Type"] == "AWS::IAM::ManagedPolicy" and attached:
                docs.append(props["PolicyDocument"])
            if logical in (group, role) and res["Type"] in (
                "AWS::IAM::Group",
                "AWS::IAM::Role",
            ):
                docs += [p["PolicyDocument"] for p in props.get("Policies", [])]
        return tuple(self.resolve(copy.deepcopy(d)) for d in docs)

    def principals(self, persona: str) -> dict[str, Principal]:
        iam = f"arn:{self.partition}:iam::{ACCOUNT}"
        path = USER_PATH.replace("${AWS::StackName}", STACK)
        users = of_type({"Resources": self.resources}, "AWS::IAM::User")
        found: dict[str, Principal] = {}
        if persona in (journeys.ADMIN, journeys.DEVELOPER):
            admin = persona == journeys.ADMIN
            for logical, res in users.items():
                if (logical == R.ADMIN_USER) is admin:
                    (group,) = res["Properties"]["Groups"]
                    name = res["Properties"]["UserName"]
                    found[name] = Principal(
                        f"{iam}:user{path}{name}", self.policies_for(group, None)
                    )
            user_role = self.resources.get(R.STUDIO_USER_ROLE)
            if user_role:  # Identity Center: the user role, narrowed per mapping
                held = tuple(
                    self.resolve(copy.deepcopy(self.resources[p]["Properties"]))[
                        "PolicyDocument"
                    ]
                    for p in user_role["Properties"]["ManagedPolicyArns"]
                )
                policy = R.ADMIN_POLICY if admin else R.DEV_POLICY
                session = self.resources[policy]["Properties"]["PolicyDocument"]
                found[f"Identity Center {persona}s"] = Principal(
                    self.arns[f"{R.STUDIO_USER_ROLE}.Arn"],
                    held,
                    (self.resolve(copy.deepcopy(session)),),
                )
            key = "AdminRoleNames" if admin else "DeveloperRoleNames"
            for role in filter(None, self.param(key).split(",")):
                found[role] = Principal(
                    f"{iam}:role/{role}", self.policies_for(None, role)
                )
        else:
            logical = R.RUNTIME_ROLE if persona == journeys.RUNTIME else R.STUDIO_ROLE
            found[logical] = Principal(
                self.arns[f"{logical}.Arn"], self.policies_for(None, logical)
            )
        return found

    def resource_policy(self, resource: str) -> tuple[dict | None, bool]:
        """The bucket policy or key policy that governs the resource."""
        if resource.startswith(self.arns[f"{R.BUCKET}.Arn"]):
            policy = self.resources[R.BUCKET_POLICY]["Properties"]["PolicyDocument"]
            return self.resolve(policy), False
        if resource == self.arns[f"{R.KEY}.Arn"]:
            key = self.resources[R.KEY]["Properties"]["KeyPolicy"]
            return self.resolve(key), True
        return None, False

    def facts(self) -> Facts:
        features = {journeys.STUDIO_ON, journeys.APPLICATION_ON}
        users = self.param("CreateIamUsers") == "true"
        if users:
            features.add(journeys.USERS)
        if self.param("EnableLivyEndpoint") == "true":
            features.add(journeys.LIVY)
        if R.KEY in self.resources:
            features.add(journeys.CMK)
        secret = f"arn:{self.partition}:secretsmanager:{self.region}:{ACCOUNT}:secret:"
        return Facts(
            partition=self.partition,
            region=self.region,
            account=ACCOUNT,
            bucket=self.bucket,
            prefix="",
            stack=STACK,
            stack_id=STACK_ID,
            runtime_role=self.arns[f"{R.RUNTIME_ROLE}.Arn"],
            studio_role=self.arns[f"{R.STUDIO_ROLE}.Arn"],
            admin_secret=f"{secret}emrs/{ADMIN_USER}-AbCdEf" if users else "",
            developer_secret=(
                f"{secret}emrs/emrs-interactive-app-dev-user-AbCdEf" if users else ""
            ),
            key_arn=self.arns[f"{R.KEY}.Arn"] if journeys.CMK in features else "",
            features=frozenset(features),
        )


def failures(env: Environment, steps: list[Step]) -> list[str]:
    """Every (principal, step, action, resource) decided against the table."""
    facts = env.facts()
    found = []
    for step in steps:
        principals = env.principals(step.persona)
        assert principals, f"nobody plays {step.persona}"
        for name, principal in principals.items():
            for request in step.requests:
                resolved = journeys.resolve(request, facts)
                policy, is_key = env.resource_policy(resolved.resource)
                for action in resolved.actions:
                    got = decide(
                        principal,
                        action,
                        resolved.resource,
                        dict(resolved.context),
                        policy,
                        is_key,
                    )
                    ok = (got.result == ALLOWED) is (step.expect == journeys.ALLOWED)
                    if not ok:
                        found.append(
                            f"{step.persona} {name}: {step.name}: {action} on "
                            f"{resolved.resource} is {got.result} {got.statement}"
                        )
    return found


@pytest.fixture(scope="module", params=sorted(PARTITIONS))
def partition(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.mark.parametrize("variant", sorted(MATRIX))
def test_every_journey_holds(variant: str, partition: str) -> None:
    env = Environment(render(MATRIX[variant], partition), partition)
    steps = journeys.applicable(env.facts())
    assert failures(env, steps) == []
    # The variant's features bring their steps in (and only those).
    needs = set().union(*(s.needs for s in steps))
    expected = {
        "defaults": {journeys.USERS},
        "customer-managed key": {journeys.USERS, journeys.CMK},
        "Livy on, single NAT": {journeys.USERS, journeys.LIVY},
        "federated roles, no IAM users": set(),
        "existing VPC": {journeys.USERS},
        "IAM Identity Center": set(),
    }[variant]
    assert needs == expected


def test_a_broken_policy_fails_its_journey() -> None:
    env = Environment(render({}, "aws"), "aws")
    dev = env.resources[R.DEV_POLICY]["Properties"]["PolicyDocument"]
    dev["Statement"] = [
        s for s in dev["Statement"] if "iam:PassRole" not in as_list(s["Action"])
    ]
    found = failures(env, journeys.applicable(env.facts()))
    assert found and all("iam:PassRole" in f for f in found)
    assert any("pass the runtime role to EMR Serverless" in f for f in found)


def test_an_overbroad_grant_fails_a_denied_journey() -> None:
    env = Environment(render({}, "aws"), "aws")
    runtime = env.resources[R.RUNTIME_POLICY]["Properties"]["PolicyDocument"]
    runtime["Statement"].append(
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
    )
    found = failures(env, journeys.applicable(env.facts()))
    assert any("write outside the bucket" in f for f in found)


def test_the_evaluator_models_every_condition_operator_the_template_uses() -> None:
    from tests.iam_eval import OPERATORS

    used = set()
    for variant in MATRIX.values():
        rendered = render(variant, "aws")
        for node in walk_dicts(rendered["Resources"]):
            if isinstance(node, dict) and "Condition" in node and "Effect" in node:
                used |= {op.removesuffix("IfExists") for op in node["Condition"]}
    assert used and used <= set(OPERATORS)


def test_every_step_names_its_documentation_and_personas_are_covered() -> None:
    assert {s.persona for s in journeys.STEPS} == set(journeys.PERSONAS)
    for step in journeys.STEPS:
        assert step.source in journeys.DOCS, step.name
        assert step.expect in (journeys.ALLOWED, journeys.DENIED)
    for persona in journeys.PERSONAS:
        expects = {s.expect for s in journeys.STEPS if s.persona == persona}
        assert expects == {journeys.ALLOWED, journeys.DENIED}, persona


def test_the_journey_page_is_current() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "JOURNEYS.md"
    assert page.read_text().endswith(journeys.markdown())
