"""What several commands share: their common options, the confirmation
question, and the checked values of a change (deploy, plan, stackset)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.aws.deploy import Deployment
    from generator.aws.session import Aws


ENVIRONMENT_TEMPLATE = "build/emr-serverless-interactive.yaml"


def subcommand(
    sub: argparse._SubParsersAction, name: str, summary: str, example: str
) -> argparse.ArgumentParser:
    """A subcommand whose help is its summary, as a sentence, and an example."""
    return sub.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def aws_options(command: argparse.ArgumentParser, stack: bool = True) -> None:
    command.set_defaults(uses_aws=True)
    if stack:
        command.add_argument(
            "--stack-name", required=True, metavar="NAME", help="the stack's name"
        )
    command.add_argument(
        "--region", metavar="REGION", help="AWS region (default: the profile's)"
    )
    command.add_argument(
        "--profile", metavar="PROFILE", help="AWS named profile (default: default)"
    )


def build_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", metavar="FILE", help="TOML file of build options")
    command.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default: build, or build/<config name> with --config)",
    )


def template_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--template",
        default=ENVIRONMENT_TEMPLATE,
        metavar="FILE_OR_DIR",
        help=f"template to {what}, or a folder holding "
        f"emr-serverless-interactive.yaml (default: {ENVIRONMENT_TEMPLATE})",
    )


def change_options(command: argparse.ArgumentParser) -> None:
    """The options of deploy and plan that make a change set."""
    template_option(command, "deploy")
    command.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template parameter (repeatable); on update, others keep their "
        "values and new ones take their defaults",
    )
    from generator.aws.inputs import PARAMETERS_FILE_FORMS

    command.add_argument(
        "--parameters-file",
        metavar="FILE",
        help="parameters as " + PARAMETERS_FILE_FORMS.replace("%", "%%"),
    )
    command.add_argument(
        "--tags",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a stack tag, propagated to resources (repeatable)",
    )
    command.add_argument(
        "--template-bucket",
        metavar="BUCKET",
        help="S3 bucket in the stack's region for templates over 51,200 bytes",
    )
    command.add_argument(
        "--role-arn", metavar="ARN", help="IAM role CloudFormation acts with"
    )
    command.add_argument(
        "--poll-seconds", type=float, default=5.0, help=argparse.SUPPRESS
    )


def json_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--json", action="store_true", help="print JSON for scripts")


def stack_report_options(command: argparse.ArgumentParser) -> None:
    aws_options(command)
    json_option(command)


def confirmer(args: argparse.Namespace) -> Callable[[str], bool] | None:
    if args.yes:
        return None
    if not sys.stdin.isatty():
        raise CommandError("no terminal to confirm on; pass --yes", EXIT_USAGE)

    def confirm(question: str) -> bool:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")

    return confirm


def deploy_values(args: argparse.Namespace, template: dict) -> dict[str, str]:
    from generator.aws import inputs

    values: dict[str, str] = {}
    if args.parameters_file:
        values |= inputs.read_parameters_file(Path(args.parameters_file))
    values |= inputs.split_pairs(args.parameter, "--parameter")
    return inputs.check_parameters(values, template)


def deployment_from(args: argparse.Namespace, aws: Aws) -> Deployment:
    """A Deployment from deploy's or plan's arguments, all checked before AWS."""
    import re

    from generator.aws import inputs
    from generator.aws.deploy import Deployment, check_stack_name
    from generator.aws.stack import fits_inline, load_template, too_large

    check_stack_name(args.stack_name)
    template = load_template(args.template)
    values = deploy_values(args, template.body)
    tags = inputs.parse_tags(args.tags)
    if args.role_arn and not re.fullmatch(
        r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}", args.role_arn
    ):
        raise CommandError(f"--role-arn {args.role_arn!r} is not an IAM role ARN", 2)
    if not args.template_bucket and not fits_inline(template.text):
        raise too_large(template.text)
    return Deployment(
        aws=aws,
        template=template,
        values=values,
        template_bucket=args.template_bucket,
        tags=tags,
        role_arn=args.role_arn,
        poll_seconds=args.poll_seconds,
    )


def templates(where: str) -> list[Path]:
    path = Path(where)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(path.glob("*.yaml"))
        if found:
            return found
        raise CommandError(f"no *.yaml templates in {path}", EXIT_USAGE)
    raise CommandError(f"no file or folder {path}", EXIT_USAGE)
