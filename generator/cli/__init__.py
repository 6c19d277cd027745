"""The `emrs-env` command line: one module per command (its options and its
run); main() only dispatches. Each command imports what it needs when it runs."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from generator import __version__
from generator.cli.options import subcommand
from generator.errors import EXIT_FAILED, EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.aws.session import Aws

COMMANDS = (
    "build", "diagram", "lint", "deploy", "plan", "destroy", "status", "verify",
    "credentials", "publish", "stackset",
)  # fmt: skip


def command(name: str) -> ModuleType:
    """The module of one command."""
    return importlib.import_module(f"generator.cli.{name}")


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every command; with `only`, that command alone when
    it is one (a command line naming it parses no other), else every command
    without options (for `--help` and the unknown-command message). Building one
    command's options instead of all eleven commands' saves about 3 ms of the
    start-up (3.8 ms against 0.5 ms in process; `emrs-env --help` takes about 50
    ms in `make bench`)."""
    top = argparse.ArgumentParser(
        prog="emrs-env",
        description="Generate and deploy the EMR Serverless interactive "
        "environment with EMR Studio.",
    )
    top.add_argument("--version", action="version", version=f"emrs-env {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        if only in COMMANDS and name != only:
            continue
        module = command(name)
        made = subcommand(sub, name, module.SUMMARY, module.EXAMPLE)
        made.set_defaults(func=module.run, uses_aws=module.USES_AWS)
        if only is None or only == name:
            module.add_options(made)
    return top


def _named_command(argv: Sequence[str]) -> str | None:
    """The command argv starts with, or None (no command, an option such as -h
    before it, or a misspelt one: the whole parser answers those)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def _named(args: argparse.Namespace) -> str:
    """The command as typed: `stackset deploy`, not `stackset`."""
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else str(args.command)


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
        from generator.aws.session import Aws, check_region

        check_region(args.region)
        aws = Aws(args.region, args.profile, getattr(args, "stack_name", None))
        with aws.reporting():
            return int(args.func(args, aws))
    except CommandError as exc:
        print(f"emrs-env {_named(args)}: error: {exc}", file=sys.stderr)
        if getattr(args, "detailed_exitcode", False):
            return EXIT_FAILED  # 2 means "changes" there
        return exc.code
    except KeyboardInterrupt:
        ongoing = f"; {aws.ongoing}" if aws is not None and aws.ongoing else ""
        print(f"emrs-env {_named(args)}: interrupted{ongoing}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader left (`| head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
