"""`emrs-env publish`: upload the environment template for Service Catalog."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from generator.aws.session import (
    Aws,
    bucket_access,
    s3_url,
)
from generator.errors import EXIT_USAGE, CommandError
from generator.template.render import ENVIRONMENT_YAML


@dataclass(frozen=True)
class Published:
    """Where publish put the template."""

    bucket: str
    key: str
    region: str

    @property
    def url(self) -> str:
        """The HTTPS URL Service Catalog loads the template from."""
        return s3_url(self.bucket, self.region, self.key)


# The console of each partition ("Create quick-create links for stacks",
# CloudFormation User Guide, gives the aws partition's form; the others are the
# partitions' console hosts).
CONSOLES = {
    "cn-": "console.amazonaws.cn",
    "us-gov-": "console.amazonaws-us-gov.com",
}


def launch_stack_url(
    region: str, template_url: str, stack_name: str, values: dict[str, str]
) -> str:
    """The console's quick-create link: the stack name, region, template and the
    given parameters filled in, one click from "Create stack"."""
    from urllib.parse import quote, urlencode

    host = next(
        (h for start, h in CONSOLES.items() if region.startswith(start)),
        f"{region}.console.aws.amazon.com",
    )
    query = urlencode(
        {
            "templateURL": template_url,
            "stackName": stack_name,
            **{f"param_{k}": v for k, v in values.items()},
        },
        quote_via=quote,
        safe=":/",
    )
    return (
        f"https://{host}/cloudformation/home?region={region}"
        f"#/stacks/create/review?{query}"
    )


def publish(aws: Aws, bucket: str, prefix: str, text: str) -> Published:
    """Upload the environment template under a key of its version and content."""
    from generator import __version__

    s3 = aws.client("s3")
    access = bucket_access(s3, bucket)
    if access == "missing":
        raise CommandError(f"bucket {bucket} does not exist ({aws.searched()})")
    if access == "forbidden":
        raise CommandError(f"no access to bucket {bucket}")
    located = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    bucket_region = located or "us-east-1"
    if bucket_region != aws.region:
        raise CommandError(
            f"bucket {bucket} is in {bucket_region}, not {aws.region}; publish to a "
            f"bucket in the portfolio's region, or pass --region {bucket_region}"
        )
    # The key holds the content's digest: two configs' templates never share a key,
    # and a product version's URL always serves what it was created from.
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    parts = (prefix.strip("/"), __version__, digest, ENVIRONMENT_YAML)
    key = "/".join(part for part in parts if part)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=text.encode("utf-8"),
        ContentType="application/x-yaml",
        Tagging="servicecatalog:provisioning=true",
    )
    return Published(bucket=bucket, key=key, region=str(aws.region))


# CreatePortfolioShare (AWS Service Catalog API Reference): OrganizationNode Type
# ORGANIZATION (o-...), ORGANIZATIONAL_UNIT (ou-...) or ACCOUNT (12 digits), from
# the management account or a delegated administrator, after
# EnableAWSOrganizationsAccess. SharePrincipals shares the portfolio's IAM_PATTERN
# principal names ("Principal name sharing"); principals given as ARNs do not carry
# over, so recipients associate their own.
SHARE_NODES = (
    (re.compile(r"o-[a-z0-9]{10,32}"), "ORGANIZATION"),
    (re.compile(r"ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}"), "ORGANIZATIONAL_UNIT"),
    (re.compile(r"[0-9]{12}"), "ACCOUNT"),
)
PORTFOLIO_ID = re.compile(r"port-[a-z0-9]{1,100}")


def share_node(target: str) -> dict[str, str]:
    """The OrganizationNode for an organization, OU or account ID."""
    for pattern, kind in SHARE_NODES:
        if pattern.fullmatch(target):
            return {"Type": kind, "Value": target}
    raise CommandError(
        f"--share-with {target!r} is not an organization (o-...), organizational "
        "unit (ou-xxxx-xxxxxxxx) or 12-digit account ID",
        EXIT_USAGE,
    )


def check_portfolio_id(portfolio_id: str | None) -> str:
    """The portfolio to share (the portfolio stack's PortfolioId output)."""
    if not portfolio_id or not PORTFOLIO_ID.fullmatch(portfolio_id):
        raise CommandError(
            "--share-with needs --portfolio-id port-... (the PortfolioId output of "
            "the portfolio stack)",
            EXIT_USAGE,
        )
    return portfolio_id


def share(aws: Aws, portfolio_id: str, node: dict[str, str]) -> str | None:
    """Share the portfolio with an organization node; the share token, if any."""
    answer = aws.client("servicecatalog").create_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode=node, SharePrincipals=True
    )
    return answer.get("PortfolioShareToken")


RECIPIENT_STEPS = (
    "In each receiving account: find the portfolio under Service Catalog > "
    "Portfolios > Imported (accept it there if it waits for acceptance), then "
    "associate the IAM roles, users or groups that may launch the product; "
    "launching uses the product's launch role created in that account's copy."
)
