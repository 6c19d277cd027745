"""The deploy scenarios, written once.

Each scenario is a set of parameter values people deploy, and the places that use
it: the gates' condition variants (`gates`), the cfn-lint tests (`lint`), the
deploy-readiness tests (`readiness`), the journeys (`journeys`) and the real-account
runs of `make e2e` (`e2e`, with the name prefix each taskcat test deploys under).
`.taskcat.yml` is generated from here (`python -m generator.scenarios >
.taskcat.yml`), and a test keeps it equal.
"""

from __future__ import annotations

from dataclasses import dataclass

GATES, LINT, READINESS, JOURNEYS, E2E = "gates", "lint", "readiness", "journeys", "e2e"
EXISTING_VPC = {
    "ExistingVpcId": "vpc-0123456789abcdef0",
    "ExistingPrivateSubnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
}
IDC_INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
FEDERATED = {
    "CreateIamUsers": "false",
    "AdminRoleNames": "idp-admins",
    "DeveloperRoleNames": "idp-devs,idp-analysts",
}


@dataclass(frozen=True)
class Scenario:
    """Parameter values, where they are used, and the e2e name prefix."""

    values: dict[str, str]
    used: frozenset[str]
    prefix: str = ""


def _s(values: dict[str, str], *used: str, prefix: str = "") -> Scenario:
    return Scenario(values, frozenset(used), prefix)


# The gates' cases first, in the order the gates read them.
SCENARIOS: dict[str, Scenario] = {
    "defaults": _s({}, GATES, LINT, READINESS, JOURNEYS, E2E, prefix="tc1-"),
    "customer-managed key": _s(
        {"EncryptionKey": "customer-managed"},
        GATES, READINESS, JOURNEYS, E2E,
        prefix="tc2-",
    ),
    "no NAT": _s({"NatGateways": "none"}, GATES, READINESS),
    "existing VPC, Livy, no Studio": _s(
        {
            **EXISTING_VPC,
            "EnableLivyEndpoint": "true",
            "CreateStudio": "false",
            "CreateAccessKeys": "true",
        },
        GATES, LINT,
    ),
    "federated, no NAT, Glue databases, boundary": _s(
        {
            **FEDERATED,
            "NatGateways": "none",
            "GlueDatabases": "sales,raw_events,ml,finance",
            "PermissionsBoundary": "arn:aws:iam::111122223333:policy/emrs-boundary",
        },
        GATES, LINT,
    ),
    "3 AZs": _s({"NumberOfAZs": "3"}, GATES, READINESS),
    "cost guard": _s(
        {"MonthlyBudgetUsd": "500", "BudgetAlertEmail": "ops@example.com"}, GATES
    ),
    "IAM Identity Center": _s(
        {
            "IdentityCenterInstanceArn": IDC_INSTANCE,
            "CreateIamUsers": "false",
            "IdentityCenterAdminGroups": "Data Platform Admins,Cloud Admins",
            "IdentityCenterDeveloperGroups": "Data Engineers,Analysts,Scientists",
            "IdentityCenterAdminUsers": "ops@example.com",
            "IdentityCenterDeveloperUsers": "ana@example.com",
        },
        GATES, READINESS, JOURNEYS,
    ),
    "Livy on, single NAT": _s(
        {"EnableLivyEndpoint": "true", "NatGateways": "single"},
        READINESS, JOURNEYS, E2E,
        prefix="tc3-",
    ),
    "no NAT with key": _s(
        {"NatGateways": "none", "EncryptionKey": "customer-managed"}, READINESS
    ),
    "3 AZs, single NAT, key": _s(
        {
            "NumberOfAZs": "3",
            "NatGateways": "single",
            "EncryptionKey": "customer-managed",
        },
        LINT,
    ),
    "existing VPC": _s(EXISTING_VPC, READINESS, JOURNEYS),
    "federated roles, no IAM users": _s(FEDERATED, READINESS, JOURNEYS),
}  # fmt: skip


def used_by(use: str) -> dict[str, dict[str, str]]:
    """The scenarios one place uses, by name, in the table's order."""
    return {
        name: dict(scenario.values)
        for name, scenario in SCENARIOS.items()
        if use in scenario.used
    }


def taskcat_yaml() -> str:
    """`.taskcat.yml`: one taskcat test per e2e scenario."""
    lines = [
        "# taskcat project: the variants `make e2e` deploys (a taskcat user runs "
        "`taskcat test run`).",
        "# Generated from generator/scenarios.py: python -m generator.scenarios > "
        ".taskcat.yml",
        "project:",
        "  name: emrs-env",
        "  regions:",
        "    - us-east-1",
        "  template: build/emr-serverless-interactive.yaml",
        "tests:",
    ]
    for name, scenario in SCENARIOS.items():
        if E2E not in scenario.used:
            continue
        lines.append(f"  {name.replace(',', '').replace(' ', '-').lower()}:")
        lines.append("    parameters:")
        lines.append(f"      NamePrefix: {scenario.prefix}")
        for key, value in scenario.values.items():
            lines.append(f'      {key}: "{value}"')
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(taskcat_yaml(), end="")
