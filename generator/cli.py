"""The `emrs-env` command line. Each command imports what it needs when it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from generator import __version__
from generator.aws.session import EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.aws.deploy import Deployment
    from generator.aws.session import Aws
    from generator.template.config import Options

EXIT_OK, EXIT_FAILED = 0, 1
ENVIRONMENT_TEMPLATE = "build/emr-serverless-interactive.yaml"


def build_artifacts(
    options: Options, folder: Path | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """Render every build/ artifact in memory, keyed by file name, with the
    environment template's dict; a picture already in `folder` drawn from the
    same source is kept."""
    from generator.documents.diagram import pictures
    from generator.documents.parameters import parameters_markdown
    from generator.template import render
    from generator.template.composer import build_within_limits
    from generator.template.imports import import_template
    from generator.template.portfolio import MissingActions, build_portfolio_template

    _template, as_dict, yaml_text = build_within_limits(options)
    try:
        portfolio = build_portfolio_template(as_dict).to_dict()
    except MissingActions as exc:  # the recorded table predates a resource type
        raise CommandError(str(exc)) from exc
    files = {
        render.IMPORT_YAML: render.to_yaml(import_template(as_dict)),
        render.ENVIRONMENT_YAML: yaml_text,
        render.ENVIRONMENT_JSON: render.to_json(as_dict),
        render.PARAMETERS_MD: parameters_markdown(as_dict),
        **pictures(as_dict, folder),
        render.PORTFOLIO_YAML: render.to_yaml(portfolio),
    }
    return files, as_dict


Made = TypeVar("Made")


def _built(config_path: str | None, make: Callable[[Options], Made]) -> Made:
    """What make() renders from the config; config errors exit 2, a picture
    that cannot be drawn 1."""
    from generator.documents.diagram import PictureError
    from generator.template import config

    try:
        return make(config.load(config_path))
    except config.ConfigError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    except PictureError as exc:
        raise CommandError(str(exc)) from exc


def _out_folder(args: argparse.Namespace) -> Path:
    """--out, or build/<config name>/ for a config build (build/ is the snapshot)."""
    if args.out is not None and not args.out.strip():
        raise CommandError("--out needs a folder", EXIT_USAGE)
    if args.out:
        return Path(args.out)
    if args.config:
        return Path("build") / Path(args.config).stem
    return Path("build")


def cmd_build(args: argparse.Namespace) -> int:
    """Write every artifact under the output folder; say what it costs to run."""
    from generator.documents.pricing import fixed_summary

    folder = _out_folder(args)
    files, template = _built(
        args.config, lambda options: build_artifacts(options, folder)
    )
    code = _write(folder, files)
    print(fixed_summary(template))
    return code


def _write(folder: Path, files: dict[str, str]) -> int:
    """Write the files and say, for each, whether its content changed."""
    from generator.template import render

    unchanged = {name for name, text in files.items() if _holds(folder / name, text)}
    try:
        written = render.write_all(folder, files)
    except OSError as exc:
        where = exc.filename or folder
        raise CommandError(f"cannot write to {where}: {exc.strerror}") from exc
    for path in written:
        said = "unchanged" if path.name in unchanged else "wrote"
        print(f"{said} {path} ({path.stat().st_size:,} bytes)")
    return EXIT_OK


def _holds(path: Path, text: str) -> bool:
    """Whether the file already holds exactly this text."""
    try:
        return path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def cmd_diagram(args: argparse.Namespace) -> int:
    """Write ARCHITECTURE.md (Mermaid) and ARCHITECTURE.svg (Graphviz)."""
    from generator.documents.diagram import pictures
    from generator.template.composer import build_within_limits

    folder = _out_folder(args)

    def diagram(options: Options) -> dict[str, str]:
        _template, as_dict, _yaml = build_within_limits(options)
        return pictures(as_dict, folder)

    return _write(folder, _built(args.config, diagram))


def _templates(where: str) -> list[Path]:
    path = Path(where)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(path.glob("*.yaml"))
        if found:
            return found
        raise CommandError(f"no *.yaml templates in {path}", EXIT_USAGE)
    raise CommandError(f"no file or folder {path}", EXIT_USAGE)


def cmd_lint(args: argparse.Namespace) -> int:
    """Run cfn-lint, checkov, cfn-guard and parliament over the templates, side by
    side."""
    from generator import gates

    try:
        reports = gates.run(_templates(args.path))
    except gates.ScannerError as exc:
        raise CommandError(str(exc)) from exc
    for report in reports:
        mark = "ok  " if report.ok else "FAIL"
        print(f"{mark} {report.scanner:10} {report.path}: {report.detail}")
        for finding in report.findings:
            print(f"       {finding}")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def _confirmer(args: argparse.Namespace) -> Callable[[str], bool] | None:
    if args.yes:
        return None
    if not sys.stdin.isatty():
        raise CommandError("no terminal to confirm on; pass --yes", EXIT_USAGE)

    def confirm(question: str) -> bool:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")

    return confirm


def _deploy_values(args: argparse.Namespace, template: dict) -> dict[str, str]:
    from generator.aws import inputs

    values: dict[str, str] = {}
    if args.parameters_file:
        values |= inputs.read_parameters_file(Path(args.parameters_file))
    values |= inputs.split_pairs(args.parameter, "--parameter")
    return inputs.check_parameters(values, template)


def _deployment(args: argparse.Namespace, aws: Aws) -> Deployment:
    """A Deployment from deploy's or plan's arguments, all checked before AWS."""
    import re

    from generator.aws import inputs
    from generator.aws.deploy import Deployment, check_stack_name
    from generator.aws.stack import fits_inline, load_template, too_large

    check_stack_name(args.stack_name)
    template = load_template(args.template)
    values = _deploy_values(args, template.body)
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


def cmd_deploy(args: argparse.Namespace, aws: Aws) -> int:
    """Create or update the stack through a change set."""
    from generator.aws.deploy import check_stack_name

    if args.timeout is not None and args.timeout <= 0:
        raise CommandError("--timeout takes a number of minutes above 0", EXIT_USAGE)
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
        deployment = _deployment(args, aws)
    deployment.disable_rollback = args.disable_rollback
    deployment.termination_protection = args.termination_protection
    deployment.wait = not args.no_wait
    deployment.timeout_minutes = args.timeout
    deployment.poll_seconds = args.poll_seconds
    deployment.confirm = _confirmer(args)
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


def cmd_plan(args: argparse.Namespace, aws: Aws) -> int:
    """Create a change set and print it without executing it."""
    from generator.aws.plan import plan

    code = plan(
        _deployment(args, aws),
        args.include_property_values,
        args.json,
        detailed=args.detailed_exitcode,
    )
    return code


def cmd_destroy(args: argparse.Namespace, aws: Aws) -> int:
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
        confirm=None if args.yes else _confirmer(args),
        poll_seconds=args.poll_seconds,
    ).run()


def cmd_status(args: argparse.Namespace, aws: Aws) -> int:
    """Print the stack's state, parameters, outputs and last failure."""
    from generator.aws import status
    from generator.aws.deploy import check_stack_name

    check_stack_name(args.stack_name)
    print(status.render(status.stack_report(aws), args.json))
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, aws: Aws) -> int:
    """Run every journey through IAM's policy simulator and check the stack."""
    from generator.aws import verify
    from generator.aws.deploy import check_stack_name

    check_stack_name(args.stack_name)
    results = verify.verify(aws)
    print(verify.render(results, args.json))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def cmd_credentials(args: argparse.Namespace, aws: Aws) -> int:
    """Show who signs in where, or write the IAM console's CSV."""
    from generator.aws import credentials
    from generator.aws.deploy import check_stack_name

    check_stack_name(args.stack_name)
    rows = credentials.read_credentials(aws)
    if args.user:
        everyone, rows = rows, [r for r in rows if r.user == args.user]
        if not rows:
            users = ", ".join(r.user for r in everyone)
            raise CommandError(
                f"no user {args.user!r} in {args.stack_name}; users: {users}",
                EXIT_USAGE,
            )
    if args.json and (args.csv or args.show_password):
        raise CommandError(
            "--json prints no passwords; use --csv or --show-password without it",
            EXIT_USAGE,
        )
    if args.json:
        import json

        print(json.dumps(credentials.public_view(rows), indent=2))
        return EXIT_OK
    if args.csv == "-":
        if sys.stdout.isatty() and not args.show_password:
            raise CommandError(
                "--csv - would print passwords on the terminal; add --show-password, "
                "or redirect standard output to a file",
                EXIT_USAGE,
            )
        sys.stdout.write(credentials.credentials_csv(rows))
        return EXIT_OK
    if args.csv:
        credentials.write_private(Path(args.csv), credentials.credentials_csv(rows))
        from generator.words import count

        print(f"wrote {args.csv} (mode 0600) with {count(len(rows), 'user')}")
        return EXIT_OK
    for row in rows:
        password = row.password if args.show_password else "(hidden: --show-password)"
        print(f"{row.user}\n  sign in: {row.url}\n  password: {password}")
        if row.access_key_id:
            print(f"  access key: {row.access_key_id}")
    return EXIT_OK


def cmd_publish(args: argparse.Namespace, aws: Aws) -> int:
    """Upload the environment template for Service Catalog; say what to do next."""
    from generator.aws import publish as sharing
    from generator.aws.publish import publish
    from generator.aws.stack import load_template

    nodes = [sharing.share_node(target) for target in args.share_with]
    if nodes:
        sharing.check_portfolio_id(args.portfolio_id)
    template = load_template(args.template)
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


def cmd_stackset(args: argparse.Namespace, aws: Aws) -> int:
    """Deploy, show or delete the service-managed StackSet of the environment."""
    from generator.aws import inputs, stackset
    from generator.aws.stack import fits_inline, load_template, too_large

    stack_set = stackset.StackSet(
        aws, stackset.check_name(args.name), args.call_as, args.poll_seconds
    )
    if args.action == "status":
        return stackset.status(stack_set)
    if args.action == "destroy":
        return stackset.destroy(stack_set, None if args.yes else _confirmer(args))
    ous = stackset.check_targets(args.ou)
    regions = stackset.check_regions(args.regions)
    template = load_template(args.template)
    values = _deploy_values(args, template.body)
    stackset.check_concurrency(args.failure_tolerance, args.max_concurrent)
    if args.role_arn:
        raise CommandError(
            "--role-arn does not apply: a service-managed StackSet acts through "
            "the roles Organizations trusted access creates",
            EXIT_USAGE,
        )
    if not args.template_bucket and not fits_inline(template.text):
        raise too_large(template.text)
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
        failure_tolerance=args.failure_tolerance,
        max_concurrent=args.max_concurrent,
    )
    return stackset.deploy(stack_set, rollout)


EXAMPLES = {
    "build": "emrs-env build\n  emrs-env build --config team.toml   "
    "# writes build/team/",
    "diagram": "emrs-env diagram --out docs",
    "lint": "emrs-env lint\n  emrs-env lint build/emr-serverless-interactive.yaml",
    "deploy": "emrs-env deploy --stack-name emrs --region eu-west-1 "
    "--template-bucket my-templates \\\n      --parameter NumberOfAZs=3 "
    "--tags CostCenter=analytics",
    "plan": "emrs-env plan --stack-name emrs --region eu-west-1 --template-bucket "
    "my-templates \\\n      --parameter EncryptionKey=customer-managed\n  "
    "emrs-env deploy --stack-name emrs --region eu-west-1 --change-set "
    "emrs-env-20261128-101500",
    "destroy": "emrs-env destroy --stack-name emrs --region eu-west-1\n  "
    "emrs-env destroy --stack-name emrs --yes --delete-bucket --confirm-bucket "
    "my-notebooks",
    "status": "emrs-env status --stack-name emrs --region eu-west-1 --json",
    "verify": "emrs-env verify --stack-name emrs --region eu-west-1 --json",
    "credentials": "emrs-env credentials --stack-name emrs --region eu-west-1 "
    "--csv creds.csv",
    "publish": "emrs-env publish --template-bucket my-templates --region eu-west-1",
}
STACKSET_EXAMPLES = {
    "deploy": "emrs-env stackset deploy --name emrs --ou ou-ab12-cdef3456 "
    "--regions eu-west-1,us-east-1 \\\n      --template-bucket my-templates "
    "--account-parameter 111122223333:NatGateways=single",
    "status": "emrs-env stackset status --name emrs",
    "destroy": "emrs-env stackset destroy --name emrs --yes",
}
EXAMPLES["stackset"] = "\n  ".join(STACKSET_EXAMPLES.values())


def _subcommand(
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


def _command(
    sub: argparse._SubParsersAction, name: str, summary: str, func: Callable
) -> argparse.ArgumentParser:
    command = _subcommand(sub, name, summary, EXAMPLES[name])
    command.set_defaults(func=func, uses_aws=False)
    return command


def _aws_options(command: argparse.ArgumentParser, stack: bool = True) -> None:
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


def _build_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", metavar="FILE", help="TOML file of build options")
    command.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default: build, or build/<config name> with --config)",
    )


def _template_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--template",
        default=ENVIRONMENT_TEMPLATE,
        metavar="FILE_OR_DIR",
        help=f"template to {what}, or a folder holding "
        f"emr-serverless-interactive.yaml (default: {ENVIRONMENT_TEMPLATE})",
    )


def _change_options(command: argparse.ArgumentParser) -> None:
    """The options of deploy and plan that make a change set."""
    _template_option(command, "deploy")
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


def _lint_options(lint: argparse.ArgumentParser) -> None:
    lint.add_argument(
        "path",
        nargs="?",
        default="build",
        metavar="FILE_OR_DIR",
        help="a template, or a folder of *.yaml templates (default: build)",
    )


def _deploy_options(dep: argparse.ArgumentParser) -> None:
    _aws_options(dep)
    _change_options(dep)
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


def _json_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--json", action="store_true", help="print JSON for scripts")


def _plan_options(plan: argparse.ArgumentParser) -> None:
    _aws_options(plan)
    _change_options(plan)
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
    _json_option(plan)


def _destroy_options(destroy: argparse.ArgumentParser) -> None:
    _aws_options(destroy)
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
    _json_option(destroy)
    destroy.add_argument(
        "--poll-seconds", type=float, default=5.0, help=argparse.SUPPRESS
    )


def _stack_report_options(command: argparse.ArgumentParser) -> None:
    _aws_options(command)
    _json_option(command)


def _credentials_options(creds: argparse.ArgumentParser) -> None:
    _aws_options(creds)
    creds.add_argument("--user", metavar="USER", help="only this IAM user")
    creds.add_argument(
        "--csv",
        metavar="FILE",
        help="write the IAM console's CSV (mode 0600); - writes to standard output",
    )
    creds.add_argument(
        "--show-password",
        action="store_true",
        help="print passwords on the terminal (with --csv -, allow it)",
    )
    _json_option(creds)


def _publish_options(pub: argparse.ArgumentParser) -> None:
    _aws_options(pub, stack=False)
    _template_option(pub, "publish")
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


def _stackset_options(group: argparse.ArgumentParser) -> None:
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
        command = _subcommand(actions, action, summary, STACKSET_EXAMPLES[action])
        _aws_options(command, stack=False)
        command.add_argument("--name", required=True, help="the StackSet's name")
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
            _stackset_deploy_options(command)


def _stackset_deploy_options(command: argparse.ArgumentParser) -> None:
    _change_options(command)
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


# Each command: its summary, what runs it, and what adds its options.
COMMANDS: dict[str, tuple[str, Callable, Callable[[argparse.ArgumentParser], None]]]
COMMANDS = {
    "build": ("write the templates and documents", cmd_build, _build_options),
    "diagram": (
        "write the picture: ARCHITECTURE.md (Mermaid) and ARCHITECTURE.svg",
        cmd_diagram, _build_options,
    ),
    "lint": (
        "run cfn-lint, checkov, cfn-guard and parliament", cmd_lint, _lint_options,
    ),
    "deploy": (
        "create or update the stack through a change set", cmd_deploy, _deploy_options,
    ),
    "plan": (
        "show what a deploy would change, without changing it", cmd_plan,
        _plan_options,
    ),
    "destroy": (
        "delete the stack and say what stays behind", cmd_destroy, _destroy_options,
    ),
    "status": (
        "show the stack's state, parameters, outputs and last failure", cmd_status,
        _stack_report_options,
    ),
    "verify": (
        "check what each person and role can do, and the stack", cmd_verify,
        _stack_report_options,
    ),
    "credentials": (
        "show or export the users' console credentials", cmd_credentials,
        _credentials_options,
    ),
    "publish": (
        "upload the template for Service Catalog", cmd_publish, _publish_options,
    ),
    "stackset": (
        "roll the environment out to many accounts with a StackSet", cmd_stackset,
        _stackset_options,
    ),
}  # fmt: skip


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every command; with `only`, that command alone when
    it is one (a command line naming it parses no other), else every command
    without options (for `--help` and the unknown-command message)."""
    top = argparse.ArgumentParser(
        prog="emrs-env",
        description="Generate and deploy the EMR Serverless interactive "
        "environment with EMR Studio.",
    )
    top.add_argument("--version", action="version", version=f"emrs-env {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (summary, func, add_options) in COMMANDS.items():
        if only in COMMANDS and name != only:
            continue
        command = _command(sub, name, summary, func)
        if only is None or only == name:
            add_options(command)
    return top


def _named_command(argv: Sequence[str]) -> str | None:
    """The command argv starts with, or None (no command, an option such as -h
    before it, or a misspelt one: the whole parser answers those)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    if argv is None:
        argv = sys.argv[1:]
    try:
        args = parser(only=_named_command(argv)).parse_args(argv)
    except SystemExit as stop:  # argparse's usage error exits 2, "changes" there
        if stop.code == EXIT_USAGE and "--detailed-exitcode" in argv:
            return EXIT_FAILED
        raise
    aws: Aws | None = None
    try:
        if not args.uses_aws:
            return int(args.func(args))
        from generator.aws.session import Aws

        aws = Aws(args.region, args.profile, getattr(args, "stack_name", None))
        with aws.reporting():
            return int(args.func(args, aws))
    except CommandError as exc:
        print(f"emrs-env {args.command}: error: {exc}", file=sys.stderr)
        if getattr(args, "detailed_exitcode", False):
            return EXIT_FAILED  # 2 means "changes" there
        return exc.code
    except KeyboardInterrupt:
        ongoing = f"; {aws.ongoing}" if aws is not None and aws.ongoing else ""
        print(f"emrs-env {args.command}: interrupted{ongoing}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader left (`| head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
