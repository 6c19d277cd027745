"""The console's and Service Catalog's form, as a first-time administrator reads it:
rendered from the template's Interface metadata, parameters, Rules and Outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.template.names import P
from generator.template.outputs import NEXT_STEPS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "build" / "emr-serverless-interactive.json").read_text())
PARAMS = TEMPLATE["Parameters"]
INTERFACE = TEMPLATE["Metadata"]["AWS::CloudFormation::Interface"]
LABELS = {k: v["default"] for k, v in INTERFACE["ParameterLabels"].items()}


def form() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The page: each group's label and its (label, code name, description)."""
    return [
        (
            group["Label"]["default"],
            [(LABELS[n], n, PARAMS[n]["Description"]) for n in group["Parameters"]],
        )
        for group in INTERFACE["ParameterGroups"]
    ]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+(?=[A-Z])", text) if s]


def test_groups_come_in_the_order_people_decide() -> None:
    page = form()
    assert [name for _, fields in page for _, name, _ in fields].count(
        P.NAME_PREFIX
    ) == 1
    assert page[0][1][0][1] == P.NAME_PREFIX, "the one real decision comes first"
    assert page[-1][0] == "Advanced (most keep the defaults)"
    network = [name for _, name, _ in dict(page)["Network"]]
    # "leave empty for a new VPC" before the new VPC's own settings
    assert network[:2] == [P.EXISTING_VPC, P.EXISTING_SUBNETS]
    assert all(
        PARAMS[n]["Description"].startswith("Leave empty for a new VPC")
        for n in network[:2]
    )
    every = sorted(n for _, fields in page for _, n, _ in fields)
    assert every == sorted(PARAMS)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_each_description_is_short(name: str) -> None:
    """At most two sentences, and one more on what changing it later does."""
    said = sentences(PARAMS[name]["Description"])
    later = [s for s in said if s.startswith("Changing it later")]
    assert len(said) - len(later) <= 2 and len(later) <= 1, said
    assert len(PARAMS[name]["Description"]) <= 420
    for old in ("earlier names", "was renamed", "stacks made with"):
        assert old not in PARAMS[name]["Description"], "history lives in PARAMETERS.md"


def test_the_existing_vpc_requirements_are_on_the_form() -> None:
    text = PARAMS[P.EXISTING_SUBNETS]["Description"]
    for needed in ("for-use-with-amazon-emr-managed-policies=true", "S3", "Glue",
                   "STS", "two to 5"):  # fmt: skip
        assert needed in text, needed


def _mentions_by_code(text: str) -> list[str]:
    """Code names in a message that are not written as "Label (CodeName)"."""
    bare = []
    for name, label in LABELS.items():
        for found in re.finditer(rf"\b{name}\b", text):
            before = text[: found.start()]
            if not before.endswith(f"{label} ("):
                bare.append(name)
    return bare


def test_rules_and_refusals_name_parameters_as_the_form_shows_them() -> None:
    messages = [
        a["AssertDescription"]
        for rule in TEMPLATE["Rules"].values()
        for a in rule["Assertions"]
    ]
    guard = TEMPLATE["Resources"]["ChangeGuard"]["Properties"]["Checks"]
    messages += [check["Refusal"] for check in guard.values()]
    for message in messages:
        assert not _mentions_by_code(message), message


def test_rules_give_advice_that_leads_somewhere() -> None:
    studio = TEMPLATE["Rules"]["RegionServesEmrStudio"]["Assertions"][0]
    said = studio["AssertDescription"]
    assert "Livy endpoint (EnableLivyEndpoint) to true" in said, "Livy is off"
    zones = TEMPLATE["Rules"]["NewVpcInServedAvailabilityZones"]["Assertions"]
    assert not any("made with" in a["AssertDescription"] for a in zones)


def test_outputs_lead_through_the_next_steps_first() -> None:
    outputs = TEMPLATE["Outputs"]
    shown = sorted(outputs)  # the console's Outputs tab sorts by key
    assert shown[: len(NEXT_STEPS)] == list(NEXT_STEPS)
    for number, key in enumerate(NEXT_STEPS, 1):
        assert outputs[key]["Description"].startswith(f"Step {number}")
        assert "Export" not in outputs[key]
    # the password's secret is the administrator's secret itself, whatever the
    # prefix and region naming (the user name carries them, the secret not)
    secret = TEMPLATE["Resources"]["AdminUserSecret"]["Properties"]["Name"]
    assert outputs["A2ReadPassword"]["Value"] == secret
    assert "new password" in outputs["A1SignIn"]["Description"]
    assert "Retrieve secret value" in outputs["A2ReadPassword"]["Description"]
    assert outputs["A4AddDeveloper"]["Value"] == {"Ref": "DeveloperGroup"}


def test_the_service_catalog_launch_page_states_the_two_launch_rules() -> None:
    from generator.template.render import parse_template

    portfolio = parse_template((ROOT / "build" / "service-catalog-portfolio.yaml")
                               .read_text())["Resources"]  # fmt: skip
    product = portfolio["Product"]["Properties"]
    [version] = product["ProvisioningArtifactParameters"]
    said = version["Description"]["Fn::Sub"]
    assert "own Name prefix" in said and "Bucket name per stack" in said
    assert "Permissions boundary (PermissionsBoundary)" in said
    assert "Identity Center" in product["SupportDescription"]
    constraint = portfolio["BucketNameConstraint"]["Properties"]["Rules"]["Fn::If"]
    for text in (constraint[1]["Fn::Sub"], constraint[2]["Fn::Sub"]):
        rules = json.loads(text)
        for rule in rules.values():
            for assertion in rule["Assertions"]:
                said = assertion["AssertDescription"]
                assert "<" not in said and not _mentions_by_code(said), said


def test_service_catalog_updates_keep_the_launch_s_tags() -> None:
    """A stack-tag change makes CloudFormation call UpdateApplication, which EMR
    Serverless refuses while a notebook keeps the application started
    (cloudformation-coverage-roadmap issue 2370); no custom resource sees stack
    tags, so the product's updates keep the tags given at launch."""
    from generator.template.render import parse_template

    portfolio = parse_template((ROOT / "build" / "service-catalog-portfolio.yaml")
                               .read_text())["Resources"]  # fmt: skip
    [constraint] = [
        r
        for r in portfolio.values()
        if r["Type"] == "AWS::ServiceCatalog::ResourceUpdateConstraint"
    ]
    props = constraint["Properties"]
    assert props["TagUpdateOnProvisionedProduct"] == "NOT_ALLOWED"
    assert props["ProductId"] == {"Ref": "Product"}
