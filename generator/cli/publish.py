"""`emrs-env publish`: upload the template for Service Catalog."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from generator.cli.options import aws_options, template_option
from generator.errors import EXIT_OK

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "upload the template for Service Catalog"
EXAMPLE = "emrs-env publish --template-bucket my-templates --region " "eu-west-1"
USES_AWS = True
# What service-catalog-portfolio.yaml declares, as check_region_types reads it.
PORTFOLIO_TYPES = {
    "Resources": {"Portfolio": {"Type": "AWS::ServiceCatalog::Portfolio"}}
}


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Upload the environment template for Service Catalog; say what to do next."""
    from generator.aws import publish as sharing
    from generator.aws.deploy import check_stack_name
    from generator.aws.inputs import check_parameters, split_pairs
    from generator.aws.publish import publish
    from generator.aws.stack import check_region_types, load_template

    nodes = [sharing.share_node(target) for target in args.share_with]
    if nodes:
        sharing.check_portfolio_id(args.portfolio_id)
    template = load_template(args.template)
    values = check_parameters(split_pairs(args.parameter, "--parameter"), template.body)
    check_stack_name(args.launch_stack_name)
    for body, what in (
        (template.body, "the template"),
        (PORTFOLIO_TYPES, "the Service Catalog portfolio"),
    ):
        check_region_types(aws.region, body, what)
    published = publish(aws, args.template_bucket, args.prefix, template.text)
    if nodes:
        print(f"uploaded s3://{published.bucket}/{published.key}")
    for node in nodes:
        sharing.share(aws, args.portfolio_id, node)
        print(f"shared portfolio {args.portfolio_id} with {node['Value']}")
    if nodes:
        print(sharing.RECIPIENT_STEPS)
        return EXIT_OK
    print(f"uploaded s3://{published.bucket}/{published.key}")
    print(f"TemplateUrl: {published.url}")
    link = sharing.launch_stack_url(
        published.region, published.url, args.launch_stack_name, values
    )
    print(f"Launch Stack (the console's quick-create page, filled in): {link}")
    print("Next, create the portfolio stack (add PrincipalArn1..3 as needed):")
    print(
        "  emrs-env deploy --stack-name emrs-portfolio "
        f"--template {template.path.with_name('service-catalog-portfolio.yaml')} "
        f"--region {published.region} --parameter TemplateUrl={published.url}"
    )
    print(
        "or upload service-catalog-portfolio.yaml in the CloudFormation console, "
        "paste the TemplateUrl, and acknowledge IAM resources."
    )
    return EXIT_OK


def add_options(pub: argparse.ArgumentParser) -> None:
    aws_options(pub, stack=False)
    template_option(pub, "publish")
    pub.add_argument(
        "--template-bucket",
        "--bucket",
        dest="template_bucket",
        required=True,
        metavar="BUCKET",
        help="S3 bucket in the portfolio's region",
    )
    pub.add_argument(
        "--prefix", default="emrs-env", metavar="PREFIX", help="S3 key prefix"
    )
    pub.add_argument(
        "--launch-stack-name",
        default="emrs",
        metavar="NAME",
        help="the stack name the printed Launch Stack link fills in (default emrs)",
    )
    pub.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter value the Launch Stack link fills in (repeatable)",
    )
    pub.add_argument(
        "--share-with",
        action="append",
        default=[],
        metavar="ORG|OU|ACCOUNT",
        help="share the portfolio with an organization (o-...), OU or account of "
        "your organization, with principal name sharing (repeatable)",
    )
    pub.add_argument(
        "--portfolio-id", metavar="PORTFOLIO", help="the portfolio to share (port-...)"
    )
