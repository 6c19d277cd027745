"""`emrs-env verify`: check what each person and role can do, and the stack."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from generator.cli.options import stack_report_options
from generator.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "check what each person and role can do, and the stack"
EXAMPLE = (
    "emrs-env verify --stack-name emrs --region eu-west-1 --json\n"
    "  emrs-env verify --stack-name emrs --region eu-west-1 --smoke"
)
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Run every journey through IAM's policy simulator and check the stack;
    with --smoke, run a small Spark job too (its row joins the results)."""
    from generator.aws import verify
    from generator.aws.deploy import check_stack_name

    check_stack_name(args.stack_name)
    results, stack = verify.verified(aws)
    if args.smoke:
        from generator.aws.smoke import Smoke

        # Progress lines for people; with --json they go to standard error. The
        # job runs on the stack verify read (read again only when it was not this
        # environment, to say why the job did not run).
        smoke = Smoke(aws, out=sys.stderr if args.json else None)
        results.append(smoke.run(stack))
    print(verify.render(results, args.json))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def add_options(command: argparse.ArgumentParser) -> None:
    stack_report_options(command)
    command.add_argument(
        "--smoke",
        action="store_true",
        help="also run a tiny PySpark job on the application with the runtime role "
        "(it reads the region's EMR sample data and writes one object to the "
        "notebook bucket through the S3 gateway endpoint, then cleans up); costs a "
        "few cents: EMR Serverless bills per vCPU-hour and GB-hour, here for about "
        "a minute of a small job",
    )
