"""`emrs-env credentials`: the users' console credentials, read from Secrets Manager
through the stack's AWS::SecretsManager::Secret resources (their physical IDs are
the secrets' ARNs)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.aws.session import Aws, write_file
from generator.aws.stack import existing_stack, stack_resources
from generator.errors import CommandError

CSV_COLUMNS = ["User name", "Password", "Console sign-in URL"]
KEY_COLUMNS = ["Access key ID", "Secret access key"]


@dataclass(frozen=True)
class Credentials:
    """One user's stored credentials."""

    user: str
    password: str
    url: str
    access_key_id: str = ""
    secret_access_key: str = ""


def read_credentials(aws: Aws) -> list[Credentials]:
    """Every user's credentials, found through the stack's secrets.

    Outputs are not used: one per user would bind the developers a stack holds to
    CloudFormation's 200 outputs.
    """
    existing_stack(aws)
    arns = sorted(
        r.physical_id
        for r in stack_resources(aws.client("cloudformation"), str(aws.stack))
        if r.type == "AWS::SecretsManager::Secret" and r.physical_id
    )
    if not arns:
        raise CommandError(
            f"stack {aws.stack} has no credentials secrets (CreateIamUsers is false, "
            "Identity Center mode, or it is not an emrs-env stack)"
        )
    secrets = aws.client("secretsmanager")
    found = []
    for arn in arns:
        name = arn.rsplit(":", 1)[-1]
        text = secrets.get_secret_value(SecretId=arn).get("SecretString") or ""
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise CommandError(
                f"secret {name} of stack {aws.stack} is not an emrs-env credentials "
                "secret (not a JSON object); check --stack-name"
            )
        if "Password" not in value and "Pending" in value:
            raise CommandError(
                f"secret {name} holds no credentials yet; wait for the stack to finish"
            )
        fields = ("UserName", "Password", "ConsoleSignInUrl")
        if not all(isinstance(value.get(f), str) for f in fields):
            raise CommandError(
                f"secret {name} of stack {aws.stack} is not an emrs-env credentials "
                f"secret (it lacks {', '.join(f for f in fields if f not in value)}); "
                "check --stack-name"
            )
        found.append(
            Credentials(
                user=value["UserName"],
                password=value["Password"],
                url=value["ConsoleSignInUrl"],
                access_key_id=str(value.get("AccessKeyId", "")),
                secret_access_key=str(value.get("SecretAccessKey", "")),
            )
        )
    return found


# A cell a spreadsheet reads as a formula starts with one of these (OWASP, "CSV
# Injection"); such a cell gets a leading apostrophe, which spreadsheets show as
# text and which is not part of the value.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """A CSV cell no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def credentials_csv(rows: Sequence[Credentials]) -> str:
    """The columns the IAM console's credentials download has."""
    with_keys = any(r.access_key_id for r in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + (KEY_COLUMNS if with_keys else []))
    for r in rows:
        extra = [r.access_key_id, r.secret_access_key] if with_keys else []
        writer.writerow([cell(v) for v in (r.user, r.password, r.url, *extra)])
    return buffer.getvalue()


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 0600), atomically."""
    write_file(path, text, 0o600, "--csv")


def public_view(rows: Sequence[Credentials]) -> list[dict[str, str]]:
    """What `credentials --json` prints: who signs in where, and the access key ID;
    never a password or secret key."""
    return [
        {
            "UserName": r.user,
            "ConsoleSignInUrl": r.url,
            **({"AccessKeyId": r.access_key_id} if r.access_key_id else {}),
        }
        for r in rows
    ]
