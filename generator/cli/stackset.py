"""`emrs-env stackset`: roll the environment out to many accounts with a StackSet."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from generator.cli.options import (
    aws_options,
    change_options,
    confirmer,
    deploy_values,
    json_option,
    subcommand,
)
from generator.errors import EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.aws.session import Aws

STACKSET_EXAMPLES = {
    "deploy": "emrs-env stackset deploy --name emrs --ou ou-ab12-cdef3456 "
    "--regions eu-west-1,us-east-1 \\\n      --template-bucket my-templates "
    "--account-parameter 111122223333:NatGateways=single",
    "status": "emrs-env stackset status --name emrs",
    "destroy": "emrs-env stackset destroy --name emrs --yes",
}
SUMMARY = "roll the environment out to many accounts with a StackSet"
EXAMPLE = "\n  ".join(STACKSET_EXAMPLES.values())
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Deploy, show or delete the service-managed StackSet of the environment."""
    from generator.aws import stackset

    if args.json and args.action != "status" and not args.yes:
        # As deploy: the question would land in the JSON on standard output.
        raise CommandError(
            "--json needs --yes: a script cannot answer the question", EXIT_USAGE
        )
    stack_set = stackset.StackSet(
        aws, stackset.check_name(args.name), args.call_as, args.poll_seconds
    )
    if args.json:  # the lines for people; the report on standard output
        stack_set.say = lambda text: print(text, file=sys.stderr, flush=True)
    code = _action(args, stack_set)
    if args.json:
        print(json.dumps(stackset.report(stack_set, code), indent=2))
    return code


def _action(args: argparse.Namespace, stack_set: Any) -> int:
    from generator.aws import inputs, stackset
    from generator.aws.stack import fits_inline, load_template, too_large

    if args.action == "status":
        return stackset.status(stack_set)
    if args.action == "destroy":
        return stackset.destroy(stack_set, None if args.yes else confirmer(args))
    ous = stackset.check_targets(args.ou)
    regions = stackset.check_regions(args.regions)
    template = load_template(args.template)
    values = deploy_values(args, template.body)
    stackset.check_concurrency(args.failure_tolerance, args.max_concurrent)
    if args.role_arn:
        raise CommandError(
            "--role-arn does not apply: a service-managed StackSet acts through "
            "the roles Organizations trusted access creates",
            EXIT_USAGE,
        )
    if not args.template_bucket and not fits_inline(template.text):
        raise too_large(template.text, "the region you run stackset deploy in")
    rollout = stackset.Rollout(
        template=template,
        template_bucket=args.template_bucket,
        ous=ous,
        regions=regions,
        values=stackset.check_values(values, regions),
        overrides=stackset.check_account_parameters(
            args.account_parameter, template.body
        ),
        tags=inputs.parse_tags(args.tags),
        tags_when_stopped=args.tags_when_stopped,
        failure_tolerance=args.failure_tolerance,
        max_concurrent=args.max_concurrent,
    )
    return stackset.deploy(stack_set, rollout, None if args.yes else confirmer(args))


def add_options(group: argparse.ArgumentParser) -> None:
    """`emrs-env stackset deploy|status|destroy` and their options."""
    actions = group.add_subparsers(
        dest="action", metavar="ACTION", required=True, help="deploy, status or destroy"
    )
    summaries = {
        "deploy": "create or update the StackSet and its stack instances",
        "status": "show the StackSet and each account's and region's stack",
        "destroy": "delete the stack instances, then the StackSet",
    }
    for action, summary in summaries.items():
        command = subcommand(actions, action, summary, STACKSET_EXAMPLES[action])
        aws_options(command, stack=False)
        command.add_argument("--name", required=True, help="the StackSet's name")
        json_option(command)
        command.add_argument(
            "--call-as",
            choices=["SELF", "DELEGATED_ADMIN"],
            default="SELF",
            help="SELF in the management account; DELEGATED_ADMIN in a delegated "
            "administrator account",
        )
        if action != "deploy":
            command.add_argument(
                "--poll-seconds", type=float, default=10.0, help=argparse.SUPPRESS
            )
        if action == "destroy":
            command.add_argument(
                "--yes", action="store_true", help="delete without asking"
            )
        if action == "deploy":
            command.add_argument(
                "--yes",
                action="store_true",
                help="roll out without asking (needed without a terminal)",
            )
        if action == "deploy":
            _stackset_deploy_options(command)


def _stackset_deploy_options(command: argparse.ArgumentParser) -> None:
    change_options(command)
    command.add_argument(
        "--ou",
        action="append",
        default=[],
        metavar="OU-ID",
        help="organizational unit (ou-xxxx-xxxxxxxx) or root (r-xxxx) to deploy "
        "to, repeatable; accounts that join it later get the stack too",
    )
    command.add_argument(
        "--regions", required=True, metavar="R1,R2", help="regions, comma-separated"
    )
    command.add_argument(
        "--account-parameter",
        action="append",
        default=[],
        metavar="ACCOUNT:KEY=VALUE",
        help="a parameter override for one account (repeatable)",
    )
    command.add_argument(
        "--tags-when-stopped",
        action="store_true",
        help="change the set's tags although its stacks have an application: "
        "every application is stopped (EMR Serverless refuses a tag change while "
        "one runs)",
    )
    command.add_argument(
        "--failure-tolerance",
        type=int,
        default=0,
        metavar="N",
        help="accounts per region that may fail before the rollout stops "
        "(default 0)",
    )
    command.add_argument(
        "--max-concurrent",
        type=int,
        default=1,
        metavar="N",
        help="accounts deployed at once per region (default 1)",
    )
