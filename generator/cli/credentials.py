"""`emrs-env credentials`: show or export the users' console credentials."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.cli.options import aws_options, json_option
from generator.errors import EXIT_OK, EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.aws.session import Aws

SUMMARY = "show or export the users' console credentials"
EXAMPLE = "emrs-env credentials --stack-name emrs --region eu-west-1 " "--csv creds.csv"
USES_AWS = True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """Show who signs in where, or write the IAM console's CSV."""
    from generator.aws import credentials
    from generator.aws.deploy import check_stack_name

    check_stack_name(args.stack_name)
    if args.csv and args.csv != "-":
        from generator.aws.session import check_writable

        check_writable(Path(args.csv), "--csv")
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
        quoted = [r.user for r in rows if credentials.cell(r.password) != r.password]
        if quoted:
            print(
                f"the passwords of {', '.join(quoted)} start with a character "
                "spreadsheets run as a formula; their cells start with an apostrophe, "
                "which is not part of the password",
                file=sys.stderr,
            )
        return EXIT_OK
    for row in rows:
        password = row.password if args.show_password else "(hidden: --show-password)"
        print(f"{row.user}\n  sign in: {row.url}\n  password: {password}")
        if row.access_key_id:
            print(f"  access key: {row.access_key_id}")
    return EXIT_OK


def add_options(creds: argparse.ArgumentParser) -> None:
    aws_options(creds)
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
    json_option(creds)
