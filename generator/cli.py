"""The `emrs-env` command line. Each command imports what it needs when it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import __version__

if TYPE_CHECKING:
    from generator.config import Options

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A failure to report as one line, with the exit code to use."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def build_artifacts(options: Options) -> dict[str, str]:
    """Render every build/ artifact in memory, keyed by file name."""
    from generator import render
    from generator.diagram import ARCHITECTURE_MD, architecture_markdown
    from generator.service_catalog import build_portfolio_template
    from generator.template import build_within_limits

    _template, as_dict, yaml_text = build_within_limits(options)
    return {
        render.ENVIRONMENT_YAML: yaml_text,
        render.ENVIRONMENT_JSON: render.to_json(as_dict),
        render.PARAMETERS_MD: render.parameters_markdown(as_dict),
        ARCHITECTURE_MD: architecture_markdown(as_dict),
        render.PORTFOLIO_YAML: render.to_yaml(build_portfolio_template(as_dict)),
    }


def cmd_build(args: argparse.Namespace) -> int:
    """Write every artifact under --out."""
    from generator import config

    try:
        files = build_artifacts(config.load(args.config))
    except config.ConfigError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    return _write(Path(args.out), files)


def _write(folder: Path, files: dict[str, str]) -> int:
    from generator import render

    for path in render.write_all(folder, files):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return EXIT_OK


def cmd_diagram(args: argparse.Namespace) -> int:
    """Write ARCHITECTURE.md, the Mermaid diagram of the template."""
    from generator import config
    from generator.diagram import ARCHITECTURE_MD, architecture_markdown
    from generator.template import build_within_limits

    try:
        _template, as_dict, _yaml = build_within_limits(config.load(args.config))
    except config.ConfigError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    return _write(Path(args.out), {ARCHITECTURE_MD: architecture_markdown(as_dict)})


def cmd_lint(args: argparse.Namespace) -> int:
    """Run cfn-lint, checkov, cfn-guard and parliament on every template."""
    from generator import scanners

    folder = Path(args.folder)
    templates = sorted(folder.glob("*.yaml"))
    if not templates:
        raise CommandError(f"no *.yaml templates in {folder}", EXIT_USAGE)
    reports = []
    try:
        for path in templates:
            reports.append(scanners.cfn_lint(path))
            reports.append(scanners.checkov(path)[0])
            reports.append(scanners.guard(scanners.guard_input(path)))
            reports.append(scanners.parliament(scanners.guard_input(path))[0])
    except scanners.ScannerError as exc:
        raise CommandError(str(exc)) from exc
    for report in reports:
        mark = "ok  " if report.ok else "FAIL"
        print(f"{mark} {report.scanner:10} {report.path}: {report.detail}")
        for finding in report.findings:
            print(f"       {finding}")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def _session(args: argparse.Namespace) -> object:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
    except ProfileNotFound as exc:
        raise CommandError(
            f"AWS profile {args.profile!r} is not configured", 2
        ) from exc
    if not session.region_name:
        raise CommandError("no AWS region is configured; pass --region", EXIT_USAGE)
    return session


def _load_template(path: Path) -> tuple[str, dict]:
    import json

    from cfn_flip import to_json

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from exc
    try:
        return text, json.loads(to_json(text))
    except Exception as exc:
        raise CommandError(f"{path} is not a CloudFormation template", 2) from exc


def _aws_errors(run: Callable[[], int]) -> int:
    from botocore.exceptions import BotoCoreError, NoCredentialsError

    from generator.deploy import DeployError

    try:
        return run()
    except DeployError as exc:
        raise CommandError(str(exc), exc.code) from exc
    except NoCredentialsError as exc:
        raise CommandError("no AWS credentials found (set a profile or keys)") from exc
    except BotoCoreError as exc:
        raise CommandError(f"AWS call failed: {exc}") from exc


def cmd_deploy(args: argparse.Namespace) -> int:
    """Create or update the stack through a change set."""
    from generator import deploy

    try:
        deploy.check_stack_name(args.stack_name)
        text, template = _load_template(Path(args.template))
        parameters = deploy.parse_parameters(args.parameter, template)
    except deploy.DeployError as exc:
        raise CommandError(str(exc), exc.code) from exc
    if not args.yes and not sys.stdin.isatty():
        raise CommandError("no terminal to confirm on; pass --yes", EXIT_USAGE)

    def confirm(question: str) -> bool:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")

    def run() -> int:
        session: Any = _session(args)
        return deploy.Deployment(
            cfn=session.client("cloudformation"),
            s3=session.client("s3"),
            stack_name=args.stack_name,
            template_text=text,
            template=template,
            parameters=parameters,
            template_bucket=args.template_bucket,
            poll_seconds=args.poll_seconds,
            confirm=None if args.yes else confirm,
        ).run()

    return _aws_errors(run)


def cmd_credentials(args: argparse.Namespace) -> int:
    """Show who signs in where, or write the IAM console's CSV."""
    from generator import deploy

    def run() -> int:
        session: Any = _session(args)
        rows = deploy.read_credentials(
            session.client("cloudformation"),
            session.client("secretsmanager"),
            args.stack_name,
        )
        if args.user:
            chosen = [r for r in rows if r.user == args.user]
            if not chosen:
                users = ", ".join(r.user for r in rows)
                raise deploy.DeployError(
                    f"no user {args.user!r} in {args.stack_name}; users: {users}", 2
                )
            rows = chosen
        if args.csv:
            deploy.write_private(Path(args.csv), deploy.credentials_csv(rows))
            print(f"wrote {args.csv} (mode 0600) with {len(rows)} users")
            return EXIT_OK
        for row in rows:
            password = (
                row.password if args.show_password else "(hidden: --show-password)"
            )
            print(f"{row.user}\n  sign in: {row.url}\n  password: {password}")
            if row.access_key_id:
                print(f"  access key: {row.access_key_id}")
        return EXIT_OK

    return _aws_errors(run)


def cmd_publish(args: argparse.Namespace) -> int:
    """Upload the environment template for Service Catalog; say what to do next."""
    from generator import deploy

    text, _template = _load_template(Path(args.template))

    def run() -> int:
        session: Any = _session(args)
        published = deploy.publish(
            session.client("s3"), session.region_name, args.bucket, args.prefix, text
        )
        print(f"uploaded s3://{published.bucket}/{published.key}")
        print(f"TemplateUrl: {published.url}")
        print("Next, create the portfolio stack (add PrincipalArn1..3 as needed):")
        print(
            "  emrs-env deploy --stack-name emrs-portfolio "
            "--template build/service-catalog-portfolio.yaml "
            f"--region {published.region} --parameter TemplateUrl={published.url}"
        )
        print(
            "or upload build/service-catalog-portfolio.yaml in the CloudFormation "
            "console, paste the TemplateUrl, and acknowledge IAM resources."
        )
        return EXIT_OK

    return _aws_errors(run)


def _aws_options(command: argparse.ArgumentParser, stack: bool = True) -> None:
    if stack:
        command.add_argument("--stack-name", required=True, metavar="NAME")
    command.add_argument(
        "--region", metavar="R", help="AWS region (default: profile's)"
    )
    command.add_argument("--profile", metavar="P", help="AWS named profile")


def parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    top = argparse.ArgumentParser(
        prog="emrs-env",
        description="Generate and deploy the EMR Serverless interactive "
        "environment with EMR Studio.",
    )
    top.add_argument("--version", action="version", version=f"emrs-env {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = sub.add_parser("build", help="write the templates and documents")
    build.add_argument("--config", metavar="FILE", help="TOML file of build options")
    build.add_argument(
        "--out", metavar="DIR", default="build", help="output folder (default build)"
    )
    build.set_defaults(func=cmd_build)

    diagram = sub.add_parser("diagram", help="write ARCHITECTURE.md (Mermaid)")
    diagram.add_argument("--config", metavar="FILE", help="TOML file of build options")
    diagram.add_argument(
        "--out", metavar="DIR", default="build", help="output folder (default build)"
    )
    diagram.set_defaults(func=cmd_diagram)

    lint = sub.add_parser(
        "lint", help="run cfn-lint, checkov, cfn-guard and parliament"
    )
    lint.add_argument(
        "folder", nargs="?", default="build", help="folder of templates (default build)"
    )
    lint.set_defaults(func=cmd_lint)

    dep = sub.add_parser("deploy", help="create or update the stack via a change set")
    _aws_options(dep)
    dep.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template parameter (repeatable); others keep their current values",
    )
    dep.add_argument("--yes", action="store_true", help="execute without asking")
    dep.add_argument(
        "--template",
        default="build/emr-serverless-interactive.yaml",
        metavar="FILE",
        help="template to deploy (default: the built environment template)",
    )
    dep.add_argument(
        "--template-bucket",
        metavar="BUCKET",
        help="S3 bucket for templates over 51,200 bytes",
    )
    dep.add_argument("--poll-seconds", type=float, default=5.0, help=argparse.SUPPRESS)
    dep.set_defaults(func=cmd_deploy)

    creds = sub.add_parser("credentials", help="show or export the users' credentials")
    _aws_options(creds)
    creds.add_argument("--user", metavar="USER", help="only this IAM user")
    creds.add_argument(
        "--csv", metavar="FILE", help="write the IAM console's CSV (0600)"
    )
    creds.add_argument(
        "--show-password", action="store_true", help="print passwords on the terminal"
    )
    creds.set_defaults(func=cmd_credentials)

    pub = sub.add_parser("publish", help="upload the template for Service Catalog")
    _aws_options(pub, stack=False)
    pub.add_argument("--bucket", required=True, metavar="NAME", help="S3 bucket")
    pub.add_argument("--prefix", default="emrs-env", metavar="P", help="key prefix")
    pub.add_argument(
        "--template",
        default="build/emr-serverless-interactive.yaml",
        metavar="FILE",
        help="template to publish (default: the built environment template)",
    )
    pub.set_defaults(func=cmd_publish)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CommandError as exc:
        print(f"emrs-env {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"emrs-env {args.command}: interrupted", file=sys.stderr)
        return 130
