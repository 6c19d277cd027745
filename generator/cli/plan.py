"""`emrs-env plan`: show what a deploy would change, without changing it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from generator.cli.options import (
    aws_options,
    change_options,
    deployment_from,
    json_option,
)

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "show what a deploy would change, without changing it"
EXAMPLE = (
    "emrs-env plan --stack-name emrs --region eu-west-1 "
    "--template-bucket my-templates \\\n"
    "      --parameter EncryptionKey=customer-managed\n"
    "  emrs-env deploy --stack-name emrs --region eu-west-1 "
    "--change-set emrs-env-20261128-101500"
)
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Create a change set and print it without executing it."""
    from generator.aws.plan import plan

    code = plan(
        deployment_from(args, aws),
        args.include_property_values,
        args.json,
        detailed=args.detailed_exitcode,
    )
    return code


def add_options(plan: argparse.ArgumentParser) -> None:
    aws_options(plan)
    change_options(plan)
    plan.add_argument(
        "--include-property-values",
        action="store_true",
        help="ask CloudFormation for the old and new property values",
    )
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 when nothing would change, 2 when something would, 1 on any "
        "error (bad input included)",
    )
    json_option(plan)
