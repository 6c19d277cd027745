"""Where EMR Serverless runs: its regions and the Availability Zone IDs it serves.

Source: Amazon EMR Serverless User Guide, "Endpoints and quotas for EMR Serverless",
table "EMR Serverless service endpoints" (each region "limited to the following
Availability Zones"). AZ *names* map to different AZ IDs in every account, so the
template places subnets by AZ ID from this table, never by `Fn::GetAZs`.
Regions the page lists without AZ IDs (me-south-1) are served only with an
existing VPC whose subnets the administrator chooses.
"""

from __future__ import annotations

from collections.abc import Iterable

EMR_SERVERLESS_AZ_IDS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"),
    "us-east-2": ("use2-az1", "use2-az2", "use2-az3"),
    "us-west-1": ("usw1-az1", "usw1-az3"),
    "us-west-2": ("usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"),
    "af-south-1": ("afs1-az1", "afs1-az2", "afs1-az3"),
    "ap-east-1": ("ape1-az1", "ape1-az2", "ape1-az3"),
    "ap-east-2": ("ape2-az1", "ape2-az2", "ape2-az3"),
    "ap-northeast-1": ("apne1-az1", "apne1-az2", "apne1-az4"),
    "ap-northeast-2": ("apne2-az1", "apne2-az2", "apne2-az3", "apne2-az4"),
    "ap-northeast-3": ("apne3-az1", "apne3-az2", "apne3-az3"),
    "ap-south-1": ("aps1-az1", "aps1-az2", "aps1-az3"),
    "ap-south-2": ("aps2-az1", "aps2-az2", "aps2-az3"),
    "ap-southeast-1": ("apse1-az1", "apse1-az2", "apse1-az3"),
    "ap-southeast-2": ("apse2-az1", "apse2-az2", "apse2-az3"),
    "ap-southeast-3": ("apse3-az1", "apse3-az2", "apse3-az3"),
    "ap-southeast-4": ("apse4-az1", "apse4-az2", "apse4-az3"),
    "ap-southeast-5": ("apse5-az1", "apse5-az2", "apse5-az3"),
    "ap-southeast-6": ("apse6-az1", "apse6-az2", "apse6-az3"),
    "ap-southeast-7": ("apse7-az1", "apse7-az2", "apse7-az3"),
    # Copies of the page disagree: the newer lists cac1-az4 too, an older one and
    # its Japanese copy only cac1-az1 and cac1-az2; the two-AZ reading is kept.
    "ca-central-1": ("cac1-az1", "cac1-az2"),
    "ca-west-1": ("caw1-az1", "caw1-az2", "caw1-az3"),
    "eu-central-1": ("euc1-az1", "euc1-az2", "euc1-az3"),
    "eu-central-2": ("euc2-az1", "euc2-az2", "euc2-az3"),
    "eu-north-1": ("eun1-az1", "eun1-az2", "eun1-az3"),
    "eu-south-1": ("eus1-az1", "eus1-az2", "eus1-az3"),
    "eu-south-2": ("eus2-az1", "eus2-az2", "eus2-az3"),
    "eu-west-1": ("euw1-az1", "euw1-az2", "euw1-az3"),
    "eu-west-2": ("euw2-az1", "euw2-az2", "euw2-az3"),
    "eu-west-3": ("euw3-az1", "euw3-az2", "euw3-az3"),
    "il-central-1": ("ilc1-az1", "ilc1-az2", "ilc1-az3"),
    "me-central-1": ("mec1-az1", "mec1-az2", "mec1-az3"),
    "mx-central-1": ("mxc1-az1", "mxc1-az2", "mxc1-az3"),
    "sa-east-1": ("sae1-az1", "sae1-az2", "sae1-az3"),
    "cn-north-1": ("cnn1-az1", "cnn1-az2"),
    "us-gov-east-1": ("usge1-az1", "usge1-az2", "usge1-az3"),
    "us-gov-west-1": ("usgw1-az1", "usgw1-az2", "usgw1-az3"),
}
# Listed on the same page without an Availability Zone list.
EMR_SERVERLESS_REGIONS_WITHOUT_AZ_IDS = ("me-south-1",)
EMR_SERVERLESS_REGIONS = tuple(
    sorted([*EMR_SERVERLESS_AZ_IDS, *EMR_SERVERLESS_REGIONS_WITHOUT_AZ_IDS])
)


# Resource types CloudFormation's registry lacks in a region EMR Serverless serves,
# as cfn-lint's per-region provider lists record them (cfnlint/data/schemas/
# providers/<region>.json, cfn-lint 1.58.0; `make actions` re-derives it and a test
# keeps it equal). A template that names a type unknown in its region has been
# reported rejected whatever the type's condition (cfn-lint issue 3495, aws-cdk
# issue 25634), so these regions are refused by the commands, not by a Rule.
# me-south-1 has no list at all: the EMR Studio page does not list it either.
REGISTRY_MISSING: dict[str, tuple[str, ...]] = {
    "ap-east-2": ("AWS::ServiceCatalog::*",),
    "ap-south-2": ("AWS::EMR::Studio", "AWS::EMR::StudioSessionMapping"),
    "ap-southeast-5": ("AWS::ServiceCatalog::*",),
    "ap-southeast-7": ("AWS::ServiceCatalog::*",),
    "mx-central-1": ("AWS::ServiceCatalog::*",),
}
NO_REGISTRY_DATA = ("me-south-1",)

# EMR Studio runs where the registry knows AWS::EMR::Studio.
EMR_STUDIO_MISSING = tuple(
    sorted(
        [r for r, kinds in REGISTRY_MISSING.items() if "AWS::EMR::Studio" in kinds]
        + list(NO_REGISTRY_DATA)
    )
)
EMR_STUDIO_REGIONS = tuple(
    r for r in EMR_SERVERLESS_REGIONS if r not in EMR_STUDIO_MISSING
)


def missing_types(region: str, types: Iterable[str]) -> list[str]:
    """Which of the types CloudFormation's registry lacks in the region."""
    lacking = REGISTRY_MISSING.get(region, ())
    return sorted(
        kind
        for kind in set(types)
        if kind in lacking or kind.rsplit("::", 1)[0] + "::*" in lacking
    )


def refuse_region(region: str, types: Iterable[str], what: str) -> str | None:
    """Why a template with these types cannot be deployed in the region, or None."""
    lacking = missing_types(region, types)
    if not lacking:
        return None
    return (
        f"{what} names {', '.join(lacking)}, which CloudFormation does not know in "
        f"{region}, and a template naming a type unknown in its region is rejected "
        "whatever its condition (cfn-lint issue 3495, aws-cdk issue 25634); choose "
        "another region"
    )


def regions_with(az_count: int) -> list[str]:
    """Regions where a new VPC can span az_count AZs EMR Serverless serves."""
    return sorted(r for r, ids in EMR_SERVERLESS_AZ_IDS.items() if len(ids) >= az_count)


# Longest names IAM sizes are measured with (rendered ARNs at their longest):
# partition "aws-us-gov" (AWS GovCloud) is longer than aws-cn and aws-iso-b.
LONGEST_PARTITION = "aws-us-gov"
LONGEST_REGION = max(EMR_SERVERLESS_REGIONS, key=len)


def markdown_table() -> str:
    """docs/template.md's table of the regions where something is missing, from the data
    above: every other region EMR Serverless serves takes everything."""
    lines = [
        "| region | environment template | Service Catalog portfolio |",
        "|---|---|---|",
    ]
    for region in sorted({*REGISTRY_MISSING, *NO_REGISTRY_DATA}):
        env = missing_types(region, ["AWS::EMR::Studio"])
        catalog = missing_types(region, ["AWS::ServiceCatalog::Portfolio"])
        if region in NO_REGISTRY_DATA:
            env_text = "no registry data; EMR Studio not listed: existing VPC only"
        else:
            env_text = f"refused: no {', '.join(env)} in its registry" if env else "yes"
        lines.append(
            f"| {region} | {env_text} | "
            + ("refused: no AWS::ServiceCatalog types" if catalog else "yes")
            + " |"
        )
    return "\n".join(lines) + "\n"
