"""Every Condition and Rule of the template, named in one place."""

from __future__ import annotations

from troposphere import And, Equals, Join, Not, Or, Ref, Template

from generator.names import C, P


def is_true(parameter: str) -> Equals:
    """Condition body: the boolean parameter is 'true'."""
    return Equals(Ref(parameter), "true")


def list_is_set(parameter: str) -> Not:
    """Condition body: the comma-list parameter names at least one value."""
    return Not(Equals(Join("", Ref(parameter)), ""))


def add_conditions(template: Template) -> None:
    """Add every condition the concern modules refer to by name."""
    nat = Ref(P.NAT_GATEWAYS)
    conditions = {
        # Keyed on the subnets (the Rules make the VPC ID come with them), so the
        # existing-subnets branch is visibly guarded for cfn-lint.
        C.CREATE_VPC: Not(list_is_set(P.EXISTING_SUBNETS)),
        C.THREE_AZS: Equals(Ref(P.NUMBER_OF_AZS), "3"),
        C.VPC_THREE_AZS: And({"Condition": C.CREATE_VPC}, {"Condition": C.THREE_AZS}),
        C.HAS_NAT: And({"Condition": C.CREATE_VPC}, Not(Equals(nat, "none"))),
        C.HAS_NAT_THREE_AZS: And({"Condition": C.HAS_NAT}, {"Condition": C.THREE_AZS}),
        C.NAT_PER_AZ: And({"Condition": C.CREATE_VPC}, Equals(nat, "one-per-az")),
        C.NAT_PER_AZ_THREE: And(
            {"Condition": C.NAT_PER_AZ}, {"Condition": C.THREE_AZS}
        ),
        C.FLOW_LOGS: And({"Condition": C.CREATE_VPC}, is_true(P.FLOW_LOGS)),
        C.DEFAULT_BUCKET_NAME: Equals(Ref(P.BUCKET_NAME), ""),
        C.CREATE_USERS: is_true(P.CREATE_USERS),
        C.CUSTOM_FUNCTION: Or(
            {"Condition": C.CREATE_USERS}, {"Condition": C.CREATE_VPC}
        ),
        C.HAS_ADMIN_ROLES: list_is_set(P.ADMIN_ROLES),
        C.HAS_DEV_ROLES: list_is_set(P.DEV_ROLES),
        C.CREATE_STUDIO: is_true(P.CREATE_STUDIO),
        C.CREATE_APPLICATION: is_true(P.CREATE_APPLICATION),
        C.STUDIO_AND_APPLICATION: And(
            {"Condition": C.CREATE_STUDIO}, {"Condition": C.CREATE_APPLICATION}
        ),
        C.LIVY: And({"Condition": C.CREATE_APPLICATION}, is_true(P.LIVY)),
        C.CMK: Equals(Ref(P.ENCRYPTION_KEY), "customer-managed"),
    }
    for name, body in conditions.items():
        template.add_condition(name, body)


def _assert(body: dict, message: str) -> dict:
    return {"Assert": body, "AssertDescription": message}


def add_rules(template: Template) -> None:
    """Reject parameter combinations that cannot deploy, before any resource."""
    vpc_given = {"Fn::Not": [{"Fn::Equals": [Ref(P.EXISTING_VPC), ""]}]}
    no_subnets = {"Fn::EachMemberEquals": [Ref(P.EXISTING_SUBNETS), ""]}
    template.add_rule(
        "ExistingVpcNeedsSubnets",
        {
            "RuleCondition": vpc_given,
            "Assertions": [
                _assert(
                    {"Fn::Not": [no_subnets]},
                    f"{P.EXISTING_VPC} is set, so {P.EXISTING_SUBNETS} must list "
                    "at least two private subnets of that VPC.",
                ),
                _assert(
                    {"Fn::Not": [{"Fn::Contains": [Ref(P.EXISTING_SUBNETS), ""]}]},
                    f"{P.EXISTING_SUBNETS} has an empty entry; remove the "
                    "extra comma.",
                ),
            ],
        },
    )
    template.add_rule(
        "SubnetsNeedExistingVpc",
        {
            "RuleCondition": {"Fn::Not": [no_subnets]},
            "Assertions": [
                _assert(
                    vpc_given,
                    f"{P.EXISTING_SUBNETS} is set, so {P.EXISTING_VPC} must name "
                    "the VPC those subnets belong to.",
                )
            ],
        },
    )
