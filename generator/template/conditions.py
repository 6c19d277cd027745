"""Every Condition and Rule of the template, named in one place."""

from __future__ import annotations

from troposphere import And, Equals, Join, Not, Or, Ref, Template

from generator.template.identity_center import MAPPED, slot_conditions
from generator.template.names import (
    CUSTOMER_MANAGED,
    GLUE_SLOTS,
    C,
    P,
    glue_slot_condition,
    list_slot,
)
from generator.template.parameters import called
from generator.template.regions import (
    EMR_SERVERLESS_AZ_IDS,
    EMR_SERVERLESS_REGIONS,
    EMR_STUDIO_REGIONS,
    regions_with,
)


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
        C.UNIQUE_BUCKET_NAME: is_true(P.UNIQUE_BUCKET_NAME),
        C.CREATE_USERS: is_true(P.CREATE_USERS),
        C.CUSTOM_FUNCTION: Or(
            {"Condition": C.CREATE_USERS},
            {"Condition": C.CREATE_VPC},
            {"Condition": C.STUDIO_OR_APPLICATION},
            {"Condition": C.HAS_BUDGET},
        ),
        C.HAS_BUDGET: Not(Equals(Ref(P.MONTHLY_BUDGET), "0")),
        C.DASHBOARD: And(is_true(P.DASHBOARD), {"Condition": C.CUSTOM_FUNCTION}),
        C.HAS_ADMIN_ROLES: list_is_set(P.ADMIN_ROLES),
        C.HAS_GLUE_DATABASES: list_is_set(P.GLUE_DATABASES),
        C.HAS_BOUNDARY: Not(Equals(Ref(P.PERMISSIONS_BOUNDARY), "")),
        C.HAS_DEV_ROLES: list_is_set(P.DEV_ROLES),
        C.CREATE_STUDIO: is_true(P.CREATE_STUDIO),
        C.CREATE_APPLICATION: is_true(P.CREATE_APPLICATION),
        C.STUDIO_AND_APPLICATION: And(
            {"Condition": C.CREATE_STUDIO}, {"Condition": C.CREATE_APPLICATION}
        ),
        C.STUDIO_OR_APPLICATION: Or(
            {"Condition": C.CREATE_STUDIO}, {"Condition": C.CREATE_APPLICATION}
        ),
        C.LIVY: And({"Condition": C.CREATE_APPLICATION}, is_true(P.LIVY)),
        C.REGIONAL_IAM: is_true(P.REGIONAL_IAM),
        # The Rules make an instance ARN come with a Studio; the Studio is in the
        # condition too, so that cfn-lint sees the mappings' Studio exists.
        C.IDENTITY_CENTER: And(
            Not(Equals(Ref(P.IDC_INSTANCE), "")), {"Condition": C.CREATE_STUDIO}
        ),
        **slot_conditions(),
        **{
            glue_slot_condition(i): Not(
                Equals(list_slot(P.GLUE_DATABASES, GLUE_SLOTS, i), "")
            )
            for i in range(GLUE_SLOTS)
        },
        C.CMK: Equals(Ref(P.ENCRYPTION_KEY), CUSTOMER_MANAGED),
        C.PRIVATE_ENDPOINTS: And(
            {"Condition": C.CREATE_VPC},
            Equals(nat, "none"),
            {"Condition": C.CREATE_APPLICATION},
        ),
        C.PRIVATE_KMS_ENDPOINT: And(
            {"Condition": C.PRIVATE_ENDPOINTS}, {"Condition": C.CMK}
        ),
    }
    for name, body in conditions.items():
        template.add_condition(name, body)


def _assert(body: dict, message: str) -> dict:
    return {"Assert": body, "AssertDescription": message}


def add_rules(template: Template) -> None:
    """Reject parameter combinations that cannot deploy, before any resource."""
    add_region_rules(template)
    add_identity_center_rules(template)
    vpc_given = {"Fn::Not": [{"Fn::Equals": [Ref(P.EXISTING_VPC), ""]}]}
    no_subnets = {"Fn::EachMemberEquals": [Ref(P.EXISTING_SUBNETS), ""]}
    template.add_rule(
        "ExistingVpcNeedsSubnets",
        {
            "RuleCondition": vpc_given,
            "Assertions": [
                _assert(
                    {"Fn::Not": [no_subnets]},
                    f"{called(P.EXISTING_VPC)} is set, so "
                    f"{called(P.EXISTING_SUBNETS)} must list two to five private "
                    "subnets of that VPC.",
                ),
                _assert(
                    {"Fn::Not": [{"Fn::Contains": [Ref(P.EXISTING_SUBNETS), ""]}]},
                    f"{called(P.EXISTING_SUBNETS)} has an empty entry; remove "
                    "the extra comma.",
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
                    f"{called(P.EXISTING_SUBNETS)} is set, so "
                    f"{called(P.EXISTING_VPC)} must name the VPC they belong to.",
                )
            ],
        },
    )

    template.add_rule(
        "BudgetNeedsAnEmail",
        {
            "RuleCondition": {
                "Fn::Not": [{"Fn::Equals": [Ref(P.MONTHLY_BUDGET), "0"]}]
            },
            "Assertions": [
                _assert(
                    {"Fn::Not": [{"Fn::Equals": [Ref(P.BUDGET_EMAIL), ""]}]},
                    f"{called(P.MONTHLY_BUDGET)} is set, so give "
                    f"{called(P.BUDGET_EMAIL)} for its alerts.",
                )
            ],
        },
    )
    template.add_rule(
        "UniqueBucketNameNeedsNoBucketName",
        {
            "RuleCondition": {"Fn::Equals": [Ref(P.UNIQUE_BUCKET_NAME), "true"]},
            "Assertions": [
                _assert(
                    {"Fn::Equals": [Ref(P.BUCKET_NAME), ""]},
                    f"{called(P.UNIQUE_BUCKET_NAME)} is true, so leave "
                    f"{called(P.BUCKET_NAME)} empty: the stack names its bucket "
                    "itself.",
                )
            ],
        },
    )


def add_identity_center_rules(template: Template) -> None:
    """Identity Center mode needs a Studio, no IAM users, and someone mapped."""
    no_one = [{"Fn::EachMemberEquals": [Ref(m.parameter), ""]} for m in MAPPED]
    template.add_rule(
        "IdentityCenterModeIsComplete",
        {
            "RuleCondition": {"Fn::Not": [{"Fn::Equals": [Ref(P.IDC_INSTANCE), ""]}]},
            "Assertions": [
                _assert(
                    {"Fn::Equals": [Ref(P.CREATE_STUDIO), "true"]},
                    f"{called(P.IDC_INSTANCE)} is set for EMR Studio's SSO "
                    f"mode, so {called(P.CREATE_STUDIO)} must be true.",
                ),
                _assert(
                    {"Fn::Equals": [Ref(P.CREATE_USERS), "false"]},
                    f"{called(P.IDC_INSTANCE)} is set: people sign in through "
                    f"IAM Identity Center, so set {called(P.CREATE_USERS)} to "
                    "false.",
                ),
                _assert(
                    {"Fn::Not": [{"Fn::And": no_one}]},
                    f"{called(P.IDC_INSTANCE)} is set, so name at least one "
                    "Identity Center group or user in "
                    + ", ".join(called(m.parameter) for m in MAPPED)
                    + ".",
                ),
            ],
        },
    )
    for mapped in MAPPED:  # an empty entry takes a place and maps nobody
        listed = Ref(mapped.parameter)
        template.add_rule(
            f"{mapped.parameter}HaveNoEmptyEntry",
            {
                "RuleCondition": {"Fn::Not": [{"Fn::EachMemberEquals": [listed, ""]}]},
                "Assertions": [
                    _assert(
                        {"Fn::Not": [{"Fn::Contains": [listed, ""]}]},
                        f"{called(mapped.parameter)} has an empty entry, which "
                        "would take a place and map nobody; remove the extra comma.",
                    )
                ],
            },
        )


def add_region_rules(template: Template) -> None:
    """Refuse regions and AZ counts EMR Serverless cannot serve (regions.py)."""
    region = Ref("AWS::Region")
    template.add_rule(
        "RegionServesEmrServerless",
        {
            "RuleCondition": {"Fn::Equals": [Ref(P.CREATE_APPLICATION), "true"]},
            "Assertions": [
                _assert(
                    {"Fn::Contains": [list(EMR_SERVERLESS_REGIONS), region]},
                    "EMR Serverless is not available in this region; deploy in a "
                    f"region it serves, or set {called(P.CREATE_APPLICATION)} to "
                    "false.",
                )
            ],
        },
    )
    template.add_rule(
        "RegionServesEmrStudio",
        {
            "RuleCondition": {"Fn::Equals": [Ref(P.CREATE_STUDIO), "true"]},
            "Assertions": [
                _assert(
                    {"Fn::Contains": [list(EMR_STUDIO_REGIONS), region]},
                    "EMR Studio is not available in this region; deploy in a "
                    f"region it serves, or set {called(P.CREATE_STUDIO)} to false "
                    f"and {called(P.LIVY)} to true, so tools reach the "
                    "application through Livy.",
                )
            ],
        },
    )
    new_vpc = {"Fn::EachMemberEquals": [Ref(P.EXISTING_SUBNETS), ""]}
    template.add_rule(
        "NewVpcInServedAvailabilityZones",
        {
            "RuleCondition": new_vpc,
            "Assertions": [
                _assert(
                    {"Fn::Contains": [sorted(EMR_SERVERLESS_AZ_IDS), region]},
                    "EMR Serverless documents no Availability Zones for a new VPC "
                    "in this region; give an existing VPC and subnets in AZs it "
                    "serves.",
                ),
                _assert(
                    {
                        "Fn::Or": [
                            {"Fn::Equals": [Ref(P.NUMBER_OF_AZS), "2"]},
                            {"Fn::Contains": [regions_with(3), region]},
                        ]
                    },
                    "EMR Serverless serves only two Availability Zones in this "
                    f"region; set {called(P.NUMBER_OF_AZS)} to 2.",
                ),
            ],
        },
    )
