"""What the environment costs: a price table and the charges of a configuration.

Prices are on-demand list prices for US East (N. Virginia), us-east-1, in USD, as
the AWS pricing pages named below showed them on PRICES_DATE; other regions differ.
The counts come from the template itself: which resources exist under the chosen
parameter values, by evaluating their Conditions, so the estimate follows the
template when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.template.intrinsics import Conditions, parameter_values

PRICES_REGION = "us-east-1"
PRICES_DATE = "2026-11"
HOURS_PER_MONTH = 730  # AWS pricing pages' convention
PAGES = {
    "vpc": "Amazon VPC pricing (aws.amazon.com/vpc/pricing): NAT gateways and "
    "public IPv4 addresses",
    "privatelink": "AWS PrivateLink pricing (aws.amazon.com/privatelink/pricing): "
    "interface endpoints",
    "kms": "AWS Key Management Service pricing (aws.amazon.com/kms/pricing)",
    "logs": "Amazon CloudWatch pricing (aws.amazon.com/cloudwatch/pricing): vended "
    "logs",
    "emr": "Amazon EMR pricing, EMR Serverless (aws.amazon.com/emr/pricing)",
}
NAT_GATEWAY_HOUR = 0.045
NAT_GATEWAY_GB = 0.045
PUBLIC_IPV4_HOUR = 0.005
INTERFACE_ENDPOINT_AZ_HOUR = 0.01
INTERFACE_ENDPOINT_GB = 0.01
KMS_KEY_MONTH = 1.00
# Each automatic rotation adds a key version at $1 a month, for the first two
# rotations only (AWS Security Blog, "The curious case of faster AWS KMS symmetric
# key rotation", April 2024); the key rotates yearly.
KMS_ROTATIONS_CHARGED = 2
LOGS_INGEST_GB = 0.50
LOGS_STORE_GB_MONTH = 0.03
EMR_VCPU_HOUR = {"X86_64": 0.052624, "ARM64": 0.042094}
EMR_GB_HOUR = {"X86_64": 0.0057785, "ARM64": 0.004628}
# The ARM64 figures are 80% of the x86 ones, the 20% AWS's Graviton announcement
# for EMR Serverless states; no stored copy of the pricing page showed them.
EMR_STORAGE_GB_HOUR = 0.000111  # worker disk beyond the 20 GB each worker gets free


@dataclass(frozen=True)
class Charge:
    """One fixed charge: what, how many, and its price per hour of each."""

    what: str
    count: int
    hourly: float
    page: str

    @property
    def per_hour(self) -> float:
        """All of them, per hour."""
        return self.count * self.hourly

    @property
    def per_month(self) -> float:
        """All of them, per month of 730 hours."""
        return self.per_hour * HOURS_PER_MONTH


def fixed_charges(template: dict[str, Any], **chosen: str) -> list[Charge]:
    """The hourly charges the stack runs up whether or not anyone works."""
    when = Conditions(template, parameter_values(template, **chosen))
    live = {
        k: r for k, r in template["Resources"].items() if when.present(k)
    }  # fmt: skip
    nat = sum(r["Type"] == "AWS::EC2::NatGateway" for r in live.values())
    eips = sum(r["Type"] == "AWS::EC2::EIP" for r in live.values())
    endpoint_azs = sum(
        len(when.kept(r["Properties"].get("SubnetIds", [])))
        for r in live.values()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
        and r["Properties"].get("VpcEndpointType") == "Interface"
    )
    keys = sum(r["Type"] == "AWS::KMS::Key" for r in live.values())
    charges = [
        Charge("NAT gateways", nat, NAT_GATEWAY_HOUR, "vpc"),
        Charge("Public IPv4 addresses (the NAT gateways')", eips, PUBLIC_IPV4_HOUR,
               "vpc"),
        Charge("Interface endpoints (per endpoint and AZ)", endpoint_azs,
               INTERFACE_ENDPOINT_AZ_HOUR, "privatelink"),
        Charge("Customer-managed KMS key", keys, KMS_KEY_MONTH / HOURS_PER_MONTH,
               "kms"),
    ]  # fmt: skip
    return [c for c in charges if c.count]


def monthly_total(charges: list[Charge]) -> float:
    """The fixed charges of a month, in USD."""
    return sum(c.per_month for c in charges)


def usage_rates(architecture: str) -> list[tuple[str, str]]:
    """The charges that depend on how much the team works, as (what, price)."""
    return [
        ("EMR Serverless vCPU, while the application runs",
         f"${EMR_VCPU_HOUR[architecture]} per vCPU-hour"),
        ("EMR Serverless memory, while the application runs",
         f"${EMR_GB_HOUR[architecture]} per GB-hour"),
        ("EMR Serverless worker disk beyond 20 GB (the application keeps the "
         "20 GB default)", f"${EMR_STORAGE_GB_HOUR} per GB-hour"),
        ("NAT gateway data processed", f"${NAT_GATEWAY_GB} per GB"),
        ("Interface endpoint data processed", f"${INTERFACE_ENDPOINT_GB} per GB"),
        ("Flow logs and function logs ingested (CloudWatch Logs)",
         f"${LOGS_INGEST_GB} per GB"),
        ("Logs stored", f"${LOGS_STORE_GB_MONTH} per GB-month"),
    ]  # fmt: skip


def session_hour(architecture: str, vcpu: int = 12, memory_gb: int = 48) -> float:
    """One hour of the smallest notebook session (kernel worker, driver, executor:
    4 vCPU and 16 GB each), in USD."""
    return vcpu * EMR_VCPU_HOUR[architecture] + memory_gb * EMR_GB_HOUR[architecture]


def fixed_summary(template: dict[str, Any]) -> str:
    """One line: the fixed monthly charges at the default parameter values."""
    total = monthly_total(fixed_charges(template))
    return (
        f"fixed charges at the default parameters: about ${total:,.2f} a month "
        f"({PRICES_REGION} prices of {PRICES_DATE}; see PARAMETERS.md)"
    )
