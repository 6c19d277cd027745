"""`emrs-env lint`: run cfn-lint, checkov, cfn-guard, parliament and cloudsplaining."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from generator.cli.options import templates
from generator.errors import EXIT_FAILED, EXIT_OK, CommandError

if TYPE_CHECKING:
    pass

SUMMARY = "run cfn-lint, checkov, cfn-guard, parliament and cloudsplaining"
EXAMPLE = "emrs-env lint\n" "  emrs-env lint build/emr-serverless-interactive.yaml"
USES_AWS = False


def run(args: argparse.Namespace) -> int:
    """Run cfn-lint, checkov, cfn-guard, parliament and cloudsplaining over the
    templates, side by side."""
    from generator import gates

    try:
        reports = gates.run(templates(args.path))
    except gates.ScannerError as exc:
        raise CommandError(str(exc)) from exc
    for report in reports:
        mark = "ok  " if report.ok else "FAIL"
        print(f"{mark} {report.scanner:14} {report.path}: {report.detail}")
        for finding in report.findings:
            print(f"       {finding}")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def add_options(lint: argparse.ArgumentParser) -> None:
    lint.add_argument(
        "path",
        nargs="?",
        default="build",
        metavar="FILE_OR_DIR",
        help="a template, or a folder of *.yaml templates (default: build)",
    )
