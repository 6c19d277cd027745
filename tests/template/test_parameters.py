"""Console conventions of every parameter, and the constraints on bad input."""

from __future__ import annotations

import re

import pytest

from tests.helpers import render, template_dict

TEMPLATE = template_dict()
PARAMS = TEMPLATE["Parameters"]
INTERFACE = TEMPLATE["Metadata"]["AWS::CloudFormation::Interface"]


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_parameter_conventions(name: str) -> None:
    spec = PARAMS[name]
    text = spec["Description"]
    assert text[0].isupper() and text.endswith("."), text
    assert len(text) <= 4000
    assert INTERFACE["ParameterLabels"][name]["default"]
    groups = [g for g in INTERFACE["ParameterGroups"] if name in g["Parameters"]]
    assert len(groups) == 1, f"{name} must be in exactly one group"
    constrained = {"AllowedValues", "AllowedPattern", "MinValue", "MaxValue"} & set(
        spec
    )
    assert constrained, f"{name} has no constraint"
    assert spec.get("ConstraintDescription", "").endswith("."), name
    if spec.get("AllowedValues") == ["true", "false"]:
        assert spec["Default"] in ("true", "false")


def accepted(name: str, value: str) -> bool:
    """CloudFormation's parameter checks: values, pattern, lengths, range."""
    spec = PARAMS[name]
    items = value.split(",") if spec["Type"] == "CommaDelimitedList" else [value]
    for item in items:
        if "AllowedValues" in spec and item not in map(str, spec["AllowedValues"]):
            return False
        if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], item):
            return False
    if not spec.get("MinLength", 0) <= len(value) <= spec.get("MaxLength", 4096):
        return False
    if spec["Type"] == "Number":
        if not re.fullmatch(r"-?[0-9]+", value):
            return False
        if (
            not spec.get("MinValue", -(10**9))
            <= int(value)
            <= spec.get("MaxValue", 10**9)
        ):
            return False
    return True


CASES = {
    "VpcCidr": (["10.0.0.0/16", "172.31.0.0/16", "192.168.0.0/16"],
                ["10.0.0.0/8", "10.0.1.0/16", "300.0.0.0/16", "10.0.0.0", "x"]),
    "NamePrefix": (["", "dev-", "a1-", "qa-"],
                   ["Dev-", "dev", "toolong-", "1a-", "-", "a_b-"]),
    "MonthlyBudgetUsd": (["0", "1", "500", "1000000"], ["-1", "1000001", "5.5", "x"]),
    "BudgetAlertEmail": (["", "ops@example.com", "data.team+aws@corp.example.co.uk"],
                         ["ops", "a@b", "a,b@example.com", "a b@example.com",
                          "x" * 41 + "@example.com"]),
    "BucketName": (["", "my-notebooks", "a.b.c"],
                   ["My-Bucket", "-start", "ab", "x" * 64, "end-"]),
    "ReleaseLabel": (["emr-6.14.0", "emr-6.15.0", "emr-7.0.0", "emr-7.13.0"],
                     ["emr-6.13.0", "emr-6.9.0", "emr-5.36.0", "emr-8.0.0", "garbage",
                      "emr-7.1", ""]),
    "ExistingVpcId": (["", "vpc-0123abcd", "vpc-0123456789abcdef0"],
                      ["vpc-xyz", "subnet-0123abcd", "vpc-0123456789abcdef"]),
    "ExistingPrivateSubnetIds": (["", "subnet-0123abcd,subnet-0123456789abcdef0"],
                                 ["subnet-zz", "subnet-0123abcd,vpc-0123abcd"]),
    "AdminRoleNames": (["", "Admins", "Team-Admins,a.b@c"],
                       ["bad name", "r" * 65, "team/x"]),
    "DeveloperRoleNames": (["", "DataDevs,Analysts"], ["a b", "x,y z"]),
    "GlueDatabases": (["", "sales", "sales,raw_events,x1"],
                      ["Sales", "a-b", "*", "x" * 65, "a,b c"]),
    "PermissionsBoundary": (
        ["", "arn:aws:iam::123456789012:policy/emrs-boundary",
         "arn:aws-cn:iam::123456789012:policy/team/Boundary-1"],
        ["emrs-boundary", "arn:aws:iam::123:policy/x",
         "arn:aws:iam::123456789012:role/x", "arn:aws:iam::aws:policy/AdminAccess"]),
    "CredentialsRotationToken": (["1", "2026-11-28", "v2.rotate_me"],
                                 ["", "has space", "x" * 33]),
    "MaximumVcpu": (["12", "32", "4000"], ["4", "11", "4001"]),
    "MaximumMemoryGb": (["48", "128"], ["16", "47", "30001"]),
    "IdleTimeoutMinutes": (["1", "15", "10080"], ["0", "10081"]),
    "NoncurrentVersionExpirationDays": (["1", "30", "3650"], ["0", "3651"]),
    "NatGateways": (["one-per-az", "single", "none"], ["two", ""]),
    "NumberOfAZs": (["2", "3"], ["1", "4"]),
    "LogRetentionDays": (["90", "365"], ["2", "100"]),
    # SSO Admin API Reference, InstanceArn pattern.
    "IdentityCenterInstanceArn": (
        ["", "arn:aws:sso:::instance/ssoins-0123456789abcdef",
         "arn:aws-us-gov:sso:::instance/ins-0123456789abcdef"],
        ["ssoins-0123456789abcdef", "arn:aws:sso:::instance/ssoins-0123",
         "arn:aws:sso:us-east-1:123456789012:instance/ssoins-0123456789abcdef",
         "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef"]),
    # CreateStudioSessionMapping IdentityName: at most 256 characters.
    "IdentityCenterAdminGroups": (["", "Data Admins", "Admins, Platform Team"],
                                  ["x" * 257, "Admins," + "y" * 300]),
    "IdentityCenterDeveloperGroups": (["", "Data Engineers,Analysts"], ["x" * 257]),
    "IdentityCenterAdminUsers": (["", "ana@example.com"], ["ana smith", "x" * 129]),
    "IdentityCenterDeveloperUsers": (["", "raj,li"], ["r aj", "x" * 129]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_constraints_accept_good_and_reject_bad(name: str) -> None:
    good, bad = CASES[name]
    assert [v for v in good if not accepted(name, v)] == []
    assert [v for v in bad if accepted(name, v)] == []


def test_every_free_form_parameter_has_cases() -> None:
    free = {n for n, s in PARAMS.items() if "AllowedValues" not in s}
    assert free <= set(CASES)


def test_rules_cover_the_existing_vpc_pair() -> None:
    rules = {
        k: v for k, v in TEMPLATE["Rules"].items() if k.startswith(("Existing", "Sub"))
    }
    text = str(rules)
    assert "ExistingVpcId" in text and "ExistingPrivateSubnetIds" in text
    for rule in rules.values():
        for assertion in rule["Assertions"]:
            message = assertion["AssertDescription"]
            assert message.endswith(".") and "Existing" in message


def test_the_old_encryption_value_builds_what_service_default_builds() -> None:
    """`aws-managed` (the first name of `service-default`) stays allowed, so a
    stack made with it updates unchanged, and it means the same encryption."""
    spec = template_dict()["Parameters"]["EncryptionKey"]
    assert spec["Default"] == "service-default"
    assert spec["AllowedValues"] == [
        "service-default",
        "customer-managed",
        "aws-managed",
    ]
    old = render({"EncryptionKey": "aws-managed"})["Resources"]
    assert old == render({"EncryptionKey": "service-default"})["Resources"]
    assert old != render({"EncryptionKey": "customer-managed"})["Resources"]
    bucket = old["NotebookBucket"]["Properties"]["BucketEncryption"]
    (rule,) = bucket["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
