"""`emrs-env verify`: check what each person and role can do, and the stack."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from generator.cli.options import EXIT_FAILED, EXIT_OK, stack_report_options

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "check what each person and role can do, and the stack"
EXAMPLE = "emrs-env verify --stack-name emrs --region eu-west-1 --json"
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Run every journey through IAM's policy simulator and check the stack."""
    from generator.aws import verify
    from generator.aws.deploy import check_stack_name

    check_stack_name(args.stack_name)
    results = verify.verify(aws)
    print(verify.render(results, args.json))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def add_options(command: argparse.ArgumentParser) -> None:
    stack_report_options(command)
