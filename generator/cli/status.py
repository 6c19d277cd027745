"""`emrs-env status`: show the stack's state, parameters, outputs and last failure."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from generator.cli.options import stack_report_options
from generator.errors import EXIT_OK, EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "show the stack's state, outputs, application, last failure and drift"
EXAMPLE = "emrs-env status --stack-name emrs --region eu-west-1 --drift"
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Print the stack's state, parameters, outputs and last failure."""
    from generator.aws import status
    from generator.aws.deploy import check_stack_name

    check_stack_name(args.stack_name)
    if args.drift_timeout <= 0:
        raise CommandError(
            "--drift-timeout takes a number of minutes above 0", EXIT_USAGE
        )
    report = status.stack_report(aws, args.drift, args.drift_timeout * 60)
    print(status.render(report, args.json))
    return EXIT_OK


def add_options(command: argparse.ArgumentParser) -> None:
    stack_report_options(command)
    command.add_argument(
        "--drift",
        action="store_true",
        help="also detect drift: which resources and properties were changed "
        "outside CloudFormation (takes a minute or two)",
    )
    command.add_argument(
        "--drift-timeout",
        type=float,
        default=5.0,
        metavar="MINUTES",
        help="how long to wait for drift detection (default 5)",
    )
