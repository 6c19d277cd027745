"""Names of one environment in many accounts and regions: nothing collides.

IAM names are global per account (IAM User Guide, "IAM identifiers": names are
unique within the account); S3 bucket names are global across all accounts (S3 User
Guide, "Bucket naming rules"); export names are unique per account and region
(CloudFormation User Guide, "Get exported outputs from a deployed stack"); secret
names are unique per account and region (Secrets Manager API, CreateSecret). EMR
Studio's Name is "a descriptive name" (EMR API, CreateStudio): not an identifier.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from cloud_radar.cf.unit import Template as RadarTemplate

from generator.template.names import P
from tests.helpers import of_type, render

IAM_NAMES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
}
REGIONS = ("us-east-1", "eu-west-1")
ACCOUNTS = ("111111111111", "222222222222")


def _names(rendered: dict[str, Any], props: dict[str, str]) -> list[str]:
    return [
        str(res["Properties"][prop])
        for kind, prop in props.items()
        for res in of_type(rendered, kind).values()
        if prop in res["Properties"]
    ]


def _iam_names(regional: str, prefix: str = "") -> list[str]:
    params = {P.REGIONAL_IAM: regional, P.NAME_PREFIX: prefix}
    return [n for r in REGIONS for n in _names(render(params, region=r), IAM_NAMES)]


def _twice(found: list[str]) -> list[str]:
    return sorted(name for name, count in Counter(found).items() if count > 1)


@pytest.mark.parametrize("prefix", ["", "dev-"])
def test_regional_iam_names_do_not_collide_across_regions(prefix: str) -> None:
    found = _iam_names("true", prefix)
    assert len(found) == 2 * 11  # 2 roles, 5 policies, 2 groups, 2 users per region
    assert _twice(found) == []
    assert f"{prefix}eu-west-1-emr-serverless-runtime-role" in found


def test_default_keeps_the_guides_names_which_collide_across_regions() -> None:
    found = _iam_names("false")
    assert "emr-serverless-runtime-role" in found
    assert "emrs-interactive-app-dev-user" in found
    assert len(_twice(found)) == 11  # every IAM name: why a StackSet needs the option


def test_global_and_regional_names_differ_per_account_and_region(monkeypatch) -> None:
    """Bucket names (global), secrets, exports and the Studio per account and
    region: every copy of a StackSet gets its own."""
    buckets, per_region = [], []
    for account in ACCOUNTS:
        monkeypatch.setattr(RadarTemplate, "AccountId", account)
        for region in REGIONS:
            rendered = render({P.REGIONAL_IAM: "true"}, region=region)
            buckets += _names(rendered, {"AWS::S3::Bucket": "BucketName"})
            secrets = _names(rendered, {"AWS::SecretsManager::Secret": "Name"})
            exports = [
                o["Export"]["Name"]
                for o in rendered["Outputs"].values()
                if "Export" in o
            ]
            per_region.append((account, region, len(secrets) + len(exports)))
            # Unique inside one stack; each account and region holds one copy.
            assert len(set(secrets)) == len(secrets) == 2
            assert len(set(exports)) == len(exports) > 0
    assert len(buckets) == len(set(buckets)) == len(ACCOUNTS) * len(REGIONS)
    assert all(ACCOUNTS[0] in b or ACCOUNTS[1] in b for b in buckets)
    assert len(per_region) == 4
