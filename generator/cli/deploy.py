"""`emrs-env deploy`: create or update the stack through a change set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.cli.options import (
    aws_options,
    change_options,
    confirmer,
    deployment_from,
)
from generator.errors import EXIT_OK, EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "create or update the stack through a change set"
EXAMPLE = (
    "emrs-env deploy --stack-name emrs --region eu-west-1 "
    "--template-bucket my-templates \\\n"
    "      --parameter NumberOfAZs=3 --tags CostCenter=analytics"
)
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Create or update the stack through a change set."""
    from generator.aws.deploy import check_stack_name

    if args.timeout is not None and args.timeout <= 0:
        raise CommandError("--timeout takes a number of minutes above 0", EXIT_USAGE)
    if args.outputs_file is not None:
        from generator.aws.session import check_writable

        check_writable(Path(args.outputs_file), "--outputs-file")
    if args.outputs_file and args.no_wait:
        raise CommandError(
            "--outputs-file needs the deploy to finish; drop --no-wait", EXIT_USAGE
        )
    if args.json and not args.yes:
        raise CommandError(
            "--json needs --yes: a script cannot answer the question", EXIT_USAGE
        )
    if args.change_set:
        check_stack_name(args.stack_name)
        if args.parameter or args.parameters_file or args.tags or args.role_arn:
            raise CommandError(
                "--change-set executes a reviewed plan as it is; plan again to "
                "change parameters, tags or the role",
                EXIT_USAGE,
            )
        from generator.aws.deploy import Deployment
        from generator.aws.stack import TemplateFile

        deployment = Deployment(aws, TemplateFile(Path(), "", {}), {})
    else:
        deployment = deployment_from(args, aws)
    deployment.disable_rollback = args.disable_rollback
    deployment.termination_protection = args.termination_protection
    deployment.wait = not args.no_wait
    deployment.timeout_minutes = args.timeout
    deployment.poll_seconds = args.poll_seconds
    deployment.confirm = confirmer(args)
    deployment.adopt_retained = args.adopt_retained
    if args.json:
        deployment.out = sys.stderr  # the lines for people; the report on stdout
    if args.change_set:
        code = deployment.run_reviewed(args.change_set)
    else:
        code = deployment.run()
    if args.json:
        import json

        report = {"StackName": args.stack_name, **deployment.result}
        print(json.dumps(report, indent=2, default=str))
    if args.outputs_file and code == EXIT_OK:
        import json

        from generator.aws.session import write_file

        outputs = deployment.result.get("Outputs", {})
        text = json.dumps({args.stack_name: outputs}, indent=2) + "\n"
        write_file(Path(args.outputs_file), text, 0o644, "--outputs-file")
    return code


def add_options(dep: argparse.ArgumentParser) -> None:
    aws_options(dep)
    change_options(dep)
    dep.add_argument(
        "--change-set",
        metavar="NAME",
        help="execute this change set made by `emrs-env plan`, exactly as reviewed",
    )
    dep.add_argument(
        "--disable-rollback",
        action="store_true",
        help="keep what was created when the deploy fails (to debug)",
    )
    dep.add_argument(
        "--termination-protection",
        action="store_true",
        help="turn on termination protection once the stack is deployed",
    )
    dep.add_argument(
        "--no-wait", action="store_true", help="start the change and return"
    )
    dep.add_argument(
        "--timeout",
        type=float,
        metavar="MINUTES",
        help="stop waiting after this long (the stack goes on; see status)",
    )
    dep.add_argument(
        "--adopt-retained",
        action="store_true",
        help="on a first deploy, take over the notebook bucket (and key) a deleted "
        "stack of this environment kept",
    )
    dep.add_argument("--yes", action="store_true", help="execute without asking")
    dep.add_argument(
        "--outputs-file",
        metavar="FILE",
        help='write the stack\'s outputs as JSON ({"STACK": {"KEY": "VALUE"}}) once '
        "the deploy succeeds",
    )
    dep.add_argument(
        "--json",
        action="store_true",
        help="print a JSON report on standard output (with --yes; progress goes to "
        "standard error)",
    )
