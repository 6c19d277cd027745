"""The `emrs-env` command line. Each command imports what it needs when it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from generator import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A failure to report as one line, with the exit code to use."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def build_artifacts(options: object) -> dict[str, str]:
    """Render every build/ artifact in memory, keyed by file name."""
    from generator import render
    from generator.config import Options
    from generator.limits import check_limits
    from generator.template import build_template

    assert isinstance(options, Options)
    template = build_template(options)
    yaml_text = render.to_yaml(template)
    check_limits(template, options, yaml_text)
    as_dict = template.to_dict()
    return {
        render.ENVIRONMENT_YAML: yaml_text,
        render.ENVIRONMENT_JSON: render.to_json(template),
        render.PARAMETERS_MD: render.parameters_markdown(as_dict),
    }


def cmd_build(args: argparse.Namespace) -> int:
    """Write every artifact under --out."""
    from generator import config, render

    try:
        files = build_artifacts(config.load(args.config))
    except config.ConfigError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    for path in render.write_all(Path(args.out), files):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    """Run cfn-lint, checkov and cfn-guard on every template in a folder."""
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
            # cfn-guard reads YAML short-form GetAtt as a string, so it scans the
            # JSON twin of each template, the same template in long form.
            twin = path.with_suffix(".json")
            reports.append(scanners.guard(twin if twin.exists() else path))
    except scanners.ScannerError as exc:
        raise CommandError(str(exc)) from exc
    for report in reports:
        mark = "ok  " if report.ok else "FAIL"
        print(f"{mark} {report.scanner:9} {report.path}: {report.detail}")
        for finding in report.findings:
            print(f"       {finding}")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


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

    lint = sub.add_parser("lint", help="run cfn-lint, checkov and cfn-guard")
    lint.add_argument(
        "folder", nargs="?", default="build", help="folder of templates (default build)"
    )
    lint.set_defaults(func=cmd_lint)
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
