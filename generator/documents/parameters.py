"""build/PARAMETERS.md: every parameter under its console group, with what it does,
its values in words, what changing it does to a stack that exists, and the cost."""

from __future__ import annotations

from typing import Any

from generator.documents import pricing
from generator.template.names import (
    CUSTOMER_MANAGED,
    LEGACY_SERVICE_DEFAULT,
    SERVICE_DEFAULT,
    P,
)

# Values whose name alone would mislead.
VALUE_MEANS = {
    (P.ENCRYPTION_KEY, SERVICE_DEFAULT): "the bucket uses SSE-S3, S3 managed "
    "keys, not the `aws/s3` KMS key; secrets use Secrets Manager's AWS managed "
    "key and logs CloudWatch Logs' own encryption",
    (P.ENCRYPTION_KEY, CUSTOMER_MANAGED): "one rotating KMS key of this stack "
    "for the bucket, secrets, logs and EMR Studio",
    (P.ENCRYPTION_KEY, LEGACY_SERVICE_DEFAULT): "the earlier name of "
    "`service-default`, the same encryption; stacks made with it keep it, and "
    "switching it to `service-default` changes nothing",
}


def on_update(template: dict[str, Any], name: str) -> str:
    """What changing the parameter does to a stack that exists, from the change
    matrix (template/changes.py), with the transitions it refuses."""
    from generator.template import changes

    said = changes.change_of(template, name).words()
    for rule in changes.RULES:
        if name in rule.parameters:
            said += (
                f" Refused on every path: {rule.when[:1].lower()}{rule.when[1:]} "
                f"({rule.reason}). The template's change guard fails such an "
                "update with the way out, so it rolls back before anything changes; "
                "emrs-env plan and deploy refuse it before any change set."
            )
    return said


def _allowed(name: str, spec: dict[str, Any]) -> str:
    """The values a parameter takes, in words: no regular expressions."""
    if "AllowedValues" in spec:
        values = [
            f"`{v}`"
            + (f" ({VALUE_MEANS[name, v]})" if (name, v) in VALUE_MEANS else "")
            for v in spec["AllowedValues"]
        ]
        return ", ".join(values)
    if "MinValue" in spec:
        return f"{spec['MinValue']} to {spec['MaxValue']}"
    text = spec.get("ConstraintDescription", "Any text.")
    if spec["Type"] == "CommaDelimitedList":
        text = "A comma-separated list. " + text
    return text


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def parameters_markdown(template: dict[str, Any]) -> str:
    """The parameter reference for a console user, by console group, with costs."""
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    labels = interface["ParameterLabels"]
    lines = [
        "# Parameters of the environment template",
        "",
        "Generated from `emr-serverless-interactive.yaml` by `make template`; "
        "do not edit. The sections follow the groups of the CloudFormation "
        "console's **Specify stack details** page. *On an existing stack* says "
        "what an update that changes the value does (see docs/updating.md).",
        "",
    ]
    for group in interface["ParameterGroups"]:
        lines += [f"## {group['Label']['default']}", ""]
        for name in group["Parameters"]:
            spec = template["Parameters"][name]
            default = spec.get("Default")
            shown = "(empty)" if default in ("", None) else f"`{default}`"
            lines += [
                f"### {labels[name]['default']} (`{name}`)",
                "",
                spec["Description"],
                "",
                f"- Default: {shown}",
                f"- Allowed: {_cell(_allowed(name, spec))}",
                f"- On an existing stack: {on_update(template, name)}",
                "",
            ]
    return "\n".join(lines + _costs(template))


def _costs(template: dict[str, Any]) -> list[str]:
    def money(value: float, places: int = 2) -> str:
        return f"${value:,.{places}f}"

    charges = pricing.fixed_charges(template)
    lines = [
        "## What it costs",
        "",
        f"On-demand prices in {pricing.PRICES_REGION} as of {pricing.PRICES_DATE} "
        "(a month is 730 hours), from the price table in "
        "`generator/documents/pricing.py`; other regions and later dates differ: "
        "check the pages it names. IAM, EMR Studio, the S3 gateway endpoint and the "
        "stack's function cost nothing or next to nothing.",
        "",
        "### Fixed charges at the default parameters",
        "",
        "| What | How many | Per hour | Per month |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {c.what} | {c.count} | {money(c.per_hour, 4)} | {money(c.per_month)} |"
        for c in charges
    ]
    total = pricing.monthly_total(charges)
    lines += [
        f"| **Total** | | {money(total / pricing.HOURS_PER_MONTH, 4)} | "
        f"**{money(total)}** |",
        "",
        "Other choices change the fixed charges per month to:",
        "",
        "| Choice | Per month |",
        "|---|---|",
    ]
    for label, chosen in COST_CHOICES:
        month = pricing.monthly_total(pricing.fixed_charges(template, **chosen))
        lines.append(f"| {label} | {money(month)} |")
    lines += [
        "",
        "### Charges that depend on the team",
        "",
        "The application runs only while notebooks work and for "
        "`IdleTimeoutMinutes` after; `MaximumVcpu` and `MaximumMemoryGb` cap what "
        "it can use at once.",
        "",
        "| What | X86_64 | ARM64 |",
        "|---|---|---|",
    ]
    x86, arm = pricing.usage_rates("X86_64"), pricing.usage_rates("ARM64")
    lines += [f"| {a[0]} | {a[1]} | {b[1]} |" for a, b in zip(x86, arm, strict=True)]
    lines += [
        "",
        "The smallest notebook session (kernel worker, driver and one executor, "
        f"12 vCPU and 48 GB) costs about {money(pricing.session_hour('X86_64'))} an "
        f"hour on X86_64 and {money(pricing.session_hour('ARM64'))} on ARM64; an "
        "idle timeout of 15 minutes adds at most a quarter of that after the last "
        "cell runs.",
        "",
        "Sources: " + "; ".join(pricing.PAGES.values()) + ".",
        "",
    ]
    return lines


COST_CHOICES = [
    ("`NatGateways` = `single`", {P.NAT_GATEWAYS: "single"}),
    ("`EncryptionKey` = `customer-managed` (each of the key's first "
     f"{pricing.KMS_ROTATIONS_CHARGED} yearly rotations adds "
     f"${pricing.KMS_KEY_MONTH:.2f} a month)",
     {P.ENCRYPTION_KEY: CUSTOMER_MANAGED}),
    ("`NumberOfAZs` = `3`", {P.NUMBER_OF_AZS: "3"}),
    ("`NatGateways` = `none` (Glue and STS interface endpoints)",
     {P.NAT_GATEWAYS: "none"}),
    ("`NatGateways` = `none`, `EncryptionKey` = `customer-managed`",
     {P.NAT_GATEWAYS: "none", P.ENCRYPTION_KEY: "customer-managed"}),
    ("An existing VPC (`ExistingVpcId`, `ExistingPrivateSubnetIds`)",
     {P.EXISTING_VPC: "vpc-0123456789abcdef0",
      P.EXISTING_SUBNETS: "subnet-0123456789abcdef0,subnet-0123456789abcdef1"}),
]  # fmt: skip
