"""`emrs-env status`: show the stack's state, parameters, outputs and last failure."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from generator.cli.options import EXIT_OK, stack_report_options

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "show the stack's state, parameters, outputs and last failure"
EXAMPLE = "emrs-env status --stack-name emrs --region eu-west-1 --json"
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Print the stack's state, parameters, outputs and last failure."""
    from generator.aws import status
    from generator.aws.deploy import check_stack_name

    check_stack_name(args.stack_name)
    print(status.render(status.stack_report(aws), args.json))
    return EXIT_OK


def add_options(command: argparse.ArgumentParser) -> None:
    stack_report_options(command)
