"""`emrs-env destroy`: delete the stack and say what stays behind."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from generator.cli.options import aws_options, confirmer, json_option
from generator.errors import EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "delete the stack and say what stays behind"
EXAMPLE = (
    "emrs-env destroy --stack-name emrs --region eu-west-1\n"
    "  emrs-env destroy --stack-name emrs --yes --delete-bucket "
    "--confirm-bucket my-notebooks"
)
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Delete the stack after stopping the application; say what stays."""
    from generator.aws.deploy import check_stack_name
    from generator.aws.destroy import Destroy

    check_stack_name(args.stack_name)
    needs_terminal = not args.yes or (args.delete_bucket and not args.confirm_bucket)
    if needs_terminal and not sys.stdin.isatty():
        raise CommandError(
            "no terminal to confirm on; pass --yes (and --confirm-bucket NAME with "
            "--delete-bucket)",
            EXIT_USAGE,
        )
    return Destroy(
        aws,
        out=sys.stderr if args.json else None,
        as_json=args.json,
        delete_bucket=args.delete_bucket,
        confirm_bucket=args.confirm_bucket,
        template_bucket=args.template_bucket,
        confirm=None if args.yes else confirmer(args),
        poll_seconds=args.poll_seconds,
    ).run()


def add_options(destroy: argparse.ArgumentParser) -> None:
    aws_options(destroy)
    destroy.add_argument("--yes", action="store_true", help="delete without asking")
    destroy.add_argument(
        "--delete-bucket",
        action="store_true",
        help="also empty (every version) and delete the retained notebook bucket",
    )
    destroy.add_argument(
        "--confirm-bucket",
        metavar="BUCKET",
        help="the bucket's name, instead of typing it (for scripts)",
    )
    destroy.add_argument(
        "--template-bucket",
        metavar="BUCKET",
        help="the S3 bucket for templates, named in the recreate command it prints",
    )
    json_option(destroy)
    destroy.add_argument(
        "--poll-seconds", type=float, default=5.0, help=argparse.SUPPRESS
    )
