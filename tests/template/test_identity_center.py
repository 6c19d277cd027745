"""IAM Identity Center mode: the Studio in SSO mode, its user role and the session
mappings of named groups and users, and no IAM user.

Modelled on the EMR Management Guide ("Set up IAM Identity Center authentication
mode for Amazon EMR Studio", "Create an EMR Studio user role with session
policies"), the AWS::EMR::Studio and AWS::EMR::StudioSessionMapping provider schemas
that cfn-lint ships, and CreateStudioSessionMapping in the EMR API Reference; not
observed in an account.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.template import changes
from generator.template.identity_center import MAPPED, repeated
from tests.helpers import ACCOUNT, clean, of_type, render, template_dict
from tests.template.test_deploy_readiness import failed_rules

INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
SSO = {
    "IdentityCenterInstanceArn": INSTANCE,
    "CreateIamUsers": "false",
    "IdentityCenterAdminGroups": "Data Platform Admins",
    # CloudFormation trims the spaces around each item of a CommaDelimitedList
    # (User Guide, "Parameters"); cloud-radar does not, so none are given here.
    "IdentityCenterDeveloperGroups": "Data Engineers,Analysts",
    "IdentityCenterDeveloperUsers": "ana@example.com",
}


def sso(**extra: str) -> dict[str, Any]:
    return render(SSO | extra)


def test_the_studio_signs_in_through_identity_center() -> None:
    rendered = sso()
    (studio,) = of_type(rendered, "AWS::EMR::Studio").values()
    props = studio["Properties"]
    assert props["AuthMode"] == "SSO"
    assert props["IdcInstanceArn"] == INSTANCE
    assert props["IdcUserAssignment"] == "REQUIRED"
    assert props["UserRole"] == "StudioUserRole.Arn"
    # SSO mode, its instance and its user role are create-only: the replacing
    # Studio has a name of its own, for each instance.
    assert props["Name"] == "emrs-interactive-studio-ssoins-0123456789abcdef"
    other = "arn:aws:sso:::instance/ssoins-fedcba9876543210"
    (moved,) = of_type(
        sso(IdentityCenterInstanceArn=other), "AWS::EMR::Studio"
    ).values()
    assert (
        moved["Properties"]["Name"] == "emrs-interactive-studio-ssoins-fedcba9876543210"
    )
    assert "IdpAuthUrl" not in props and "IdpRelayStateParameterName" not in props


def test_each_named_group_and_user_gets_one_policy() -> None:
    rendered = sso()
    mappings = {
        (p["IdentityType"], p["IdentityName"]): p["SessionPolicyArn"]
        for p in (
            m["Properties"]
            for m in of_type(rendered, "AWS::EMR::StudioSessionMapping").values()
        )
    }
    assert mappings == {
        ("GROUP", "Data Platform Admins"): "AdminPolicy",
        ("GROUP", "Data Engineers"): "DeveloperPolicy",
        ("GROUP", "Analysts"): "DeveloperPolicy",
        ("USER", "ana@example.com"): "DeveloperPolicy",
    }
    studio_ids = {
        m["Properties"]["StudioId"]
        for m in of_type(rendered, "AWS::EMR::StudioSessionMapping").values()
    }
    assert studio_ids == {"Studio.StudioId"}


def test_the_user_role_holds_both_policies_and_trusts_emr_studio() -> None:
    role = sso()["Resources"]["StudioUserRole"]["Properties"]
    assert role["RoleName"] == "emr-studio-user-role"
    assert sorted(role["ManagedPolicyArns"]) == ["AdminPolicy", "DeveloperPolicy"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": ["elasticmapreduce.amazonaws.com"]}
    assert sorted(trust["Action"]) == ["sts:AssumeRole", "sts:SetContext"]


def test_no_iam_user_password_or_secret_in_identity_center_mode() -> None:
    rendered = sso()
    for kind in (
        "AWS::IAM::User",
        "AWS::IAM::Group",
        "AWS::IAM::AccessKey",
        "AWS::SecretsManager::Secret",
        "Custom::ConsoleCredentials",
    ):
        assert of_type(rendered, kind) == {}, kind
    outputs = rendered["Outputs"]
    assert outputs["StudioUserRoleArn"]["Value"] == "StudioUserRole.Arn"
    assert "CredentialsSecretsUrl" not in outputs
    assert "ConsoleSignInUrl" not in outputs


def test_iam_mode_has_no_user_role_and_no_mapping() -> None:
    rendered = render()
    assert of_type(rendered, "AWS::EMR::StudioSessionMapping") == {}
    assert "StudioUserRole" not in rendered["Resources"]
    (studio,) = of_type(rendered, "AWS::EMR::Studio").values()
    props = clean(studio["Properties"])
    assert props["AuthMode"] == "IAM"
    assert not {"IdcInstanceArn", "IdcUserAssignment", "UserRole"} & set(props)
    assert props["Name"] == "emrs-interactive-studio"


def test_slots_take_the_list_in_order_and_stop_at_its_end() -> None:
    rendered = sso(IdentityCenterDeveloperGroups="A,B,C", IdentityCenterAdminUsers="")
    names = {
        logical: m["Properties"]["IdentityName"]
        for logical, m in of_type(rendered, "AWS::EMR::StudioSessionMapping").items()
    }
    assert names == {
        "IdentityCenterAdminGroup1Mapping": "Data Platform Admins",
        "IdentityCenterDeveloperGroup1Mapping": "A",
        "IdentityCenterDeveloperGroup2Mapping": "B",
        "IdentityCenterDeveloperGroup3Mapping": "C",
        "IdentityCenterDeveloperUser1Mapping": "ana@example.com",
    }


def test_slots_fit_the_resources_developers_share() -> None:
    template = template_dict()
    mappings = of_type(template, "AWS::EMR::StudioSessionMapping")
    assert len(mappings) == sum(m.slots for m in MAPPED) <= 8
    limits = template["Metadata"]["EmrsEnvListLimits"]
    assert {m.parameter: m.slots for m in MAPPED}.items() <= limits.items()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (SSO, None),
        (
            {**SSO, "CreateIamUsers": "true"},
            "set Create IAM users (CreateIamUsers) to false",
        ),
        (
            {**SSO, "CreateStudio": "false"},
            "Create EMR Studio (CreateStudio) must be true",
        ),
        (
            {
                "IdentityCenterInstanceArn": INSTANCE,
                "CreateIamUsers": "false",
            },
            "name at least one Identity Center group or user",
        ),
        ({"IdentityCenterAdminGroups": "ignored without an instance"}, None),
        ({**SSO, "IdentityCenterAdminUsers": ",alice"}, "has an empty entry"),
        ({**SSO, "IdentityCenterDeveloperGroups": "a,,b"}, "has an empty entry"),
    ],
)
def test_rules_refuse_an_incomplete_identity_center_mode(
    overrides: dict[str, str], message: str | None
) -> None:
    failed = failed_rules("eu-west-1", overrides)
    if message is None:
        assert failed == []
    else:
        assert any(message in f for f in failed), failed


def test_a_name_in_two_places_is_refused() -> None:
    assert repeated(SSO) is None
    said = repeated(SSO | {"IdentityCenterAdminGroups": "Analysts"})
    assert said is not None and "group 'Analysts' is named twice" in said
    said = repeated(
        {"IdentityCenterAdminUsers": "x", "IdentityCenterDeveloperUsers": " x"}
    )
    assert said is not None and "user 'x'" in said
    # a user and a group may share a name: they are different identities
    both = {"IdentityCenterAdminUsers": "x", "IdentityCenterDeveloperGroups": "x"}
    assert repeated(both) is None


def defaults() -> dict[str, str]:
    found = {}
    for name, spec in template_dict()["Parameters"].items():
        value = spec.get("Default", "")
        found[name] = ",".join(value) if isinstance(value, list) else str(value)
    return found


@pytest.mark.parametrize(
    ("before", "after", "refused"),
    [
        ("A,B", "A,B,C", False),  # added at the end
        ("A,B,C", "A,B", False),  # removed from the end
        ("A,B", "A,X", False),  # replaced in its place
        ("A,B", "B", True),  # B would be mapped twice while A's slot is replaced
        ("A,B", "B,A", True),
        ("A,B,C", "A,C", True),
        ("A", "", False),
    ],
)
def test_a_name_moving_to_another_place_is_refused(
    before: str, after: str, refused: bool
) -> None:
    template = template_dict()
    base = defaults() | SSO
    old = base | {"IdentityCenterDeveloperGroups": before}
    new = base | {"IdentityCenterDeveloperGroups": after}
    found = changes.refusal(template, old, new)
    assert (found is not None) is refused, found
    if refused:
        assert "first update without the names that would move" in str(found)


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        # a developer group promoted to the administrators' list
        ({"IdentityCenterDeveloperGroups": "B", "IdentityCenterAdminGroups": "A"},
         True),
        # a group moved and another Identity Center instance: a new Studio, whose
        # mappings are all new
        ({"IdentityCenterDeveloperGroups": "B", "IdentityCenterAdminGroups": "A",
          "IdentityCenterInstanceArn":
          "arn:aws:sso:::instance/ssoins-fedcba9876543210"}, False),
    ],
)  # fmt: skip
def test_a_name_moving_to_another_list_is_refused(
    change: dict[str, str], refused: bool
) -> None:
    template = template_dict()
    old = (
        defaults()
        | SSO
        | {
            "IdentityCenterAdminGroups": "Data Platform Admins",
            "IdentityCenterDeveloperGroups": "A,B",
        }
    )
    found = changes.refusal(template, old, old | change)
    assert (found is not None) is refused, found
    # without Identity Center mode no mapping exists: lists move freely
    iam = defaults() | {"IdentityCenterDeveloperGroups": "A,B"}
    assert changes.refusal(template, iam, iam | change) is None


def test_switching_to_identity_center_replaces_the_studio_in_words() -> None:
    template = template_dict()
    said = changes.matrix(template)["IdentityCenterInstanceArn"].words()
    assert "Replaces" in said and "EMR Studio" in said
    assert ACCOUNT not in said


def test_both_session_policies_let_studio_tag_its_git_secrets() -> None:
    """Every session policy must allow secretsmanager:TagResource on emr-studio-*
    secrets ("Create an EMR Studio user role with session policies"); in IAM mode
    the seed's policies stay as printed."""

    def tagging(rendered: dict[str, Any], policy: str) -> list[dict]:
        doc = rendered["Resources"][policy]["Properties"]["PolicyDocument"]
        return [
            s
            for s in clean(doc)["Statement"]
            if s.get("Sid") == "AllowStudioGitSecretTagging"
        ]

    for policy in ("AdminPolicy", "DeveloperPolicy"):
        (found,) = tagging(sso(), policy)
        assert found["Action"] == ["secretsmanager:TagResource"]
        assert found["Resource"] == [
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:emr-studio-*"
        ]
        assert tagging(render(), policy) == []
