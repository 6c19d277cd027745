"""The cost estimate: counts from the template's Conditions, prices from the table."""

from __future__ import annotations

import pytest

from generator.documents import pricing
from generator.template import intrinsics
from generator.template.names import P
from tests.helpers import template_dict

TEMPLATE = template_dict()
SUBNETS = "subnet-0123456789abcdef0,subnet-0123456789abcdef1"


def counts(**chosen: str) -> dict[str, int]:
    return {c.what: c.count for c in pricing.fixed_charges(TEMPLATE, **chosen)}


@pytest.mark.parametrize(
    ("chosen", "nat", "endpoints", "keys"),
    [
        ({}, 2, 0, 0),
        ({P.NUMBER_OF_AZS: "3"}, 3, 0, 0),
        ({P.NAT_GATEWAYS: "single", P.NUMBER_OF_AZS: "3"}, 1, 0, 0),
        ({P.NAT_GATEWAYS: "none"}, 0, 4, 0),  # Glue and STS in 2 AZs
        ({P.NAT_GATEWAYS: "none", P.ENCRYPTION_KEY: "customer-managed"}, 0, 6, 1),
        ({P.NAT_GATEWAYS: "none", P.CREATE_APPLICATION: "false"}, 0, 0, 0),
        (
            {P.EXISTING_VPC: "vpc-0123456789abcdef0", P.EXISTING_SUBNETS: SUBNETS},
            0,
            0,
            0,
        ),
    ],
)
def test_counts_follow_the_conditions(chosen, nat, endpoints, keys) -> None:
    found = counts(**chosen)
    assert found.get("NAT gateways", 0) == nat
    assert found.get("Public IPv4 addresses (the NAT gateways')", 0) == nat
    assert found.get("Interface endpoints (per endpoint and AZ)", 0) == endpoints
    assert found.get("Customer-managed KMS key", 0) == keys


def test_monthly_totals() -> None:
    default = pricing.fixed_charges(TEMPLATE)
    assert pricing.monthly_total(default) == pytest.approx(2 * 0.05 * 730)
    cmk = pricing.fixed_charges(
        TEMPLATE, **{P.NAT_GATEWAYS: "none", P.ENCRYPTION_KEY: "customer-managed"}
    )
    assert pricing.monthly_total(cmk) == pytest.approx(6 * 0.01 * 730 + 1.0)
    assert "$73.00 a month" in pricing.fixed_summary(TEMPLATE)


def test_session_hour_and_unknown_condition_functions() -> None:
    assert pricing.session_hour("X86_64") == pytest.approx(
        12 * 0.052624 + 48 * 0.0057785
    )
    assert pricing.session_hour("ARM64") < pricing.session_hour("X86_64")
    when = intrinsics.Conditions(TEMPLATE, intrinsics.parameter_values(TEMPLATE))
    with pytest.raises(ValueError, match="Fn::ValueOf"):
        when.holds({"Fn::ValueOf": ["Param", "Attr"]})
    assert when.holds({"Fn::Contains": [["a", "b"], "b"]})  # a Rules function
    assert not when.holds({"Fn::EachMemberIn": [["a", "c"], ["a", "b"]]})
