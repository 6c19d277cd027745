"""Sessions, clients with retries, and every AWS error as one line."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import EXIT_USAGE, CommandError

# Exit codes and the command error: generator/errors.py.
# Throttling and transient errors are retried by botocore's standard mode (up to
# MAX_ATTEMPTS calls with exponential backoff, or AWS_MAX_ATTEMPTS when set); the
# commands never retry on their own.
MAX_ATTEMPTS = 10
CREDENTIALS_HELP = (
    "run `aws configure` (or `aws sso login --profile PROFILE`) and pass --profile "
    "PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


def utc_stamp(value: Any) -> str:
    """A time AWS gave, in UTC to the second: 2026-11-28T09:00:00Z."""
    from datetime import UTC, datetime

    if not isinstance(value, datetime):
        return str(value or "")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_writable(path: Path, option: str) -> None:
    """Refuse, as a usage error, a path write_file could not write: a folder, a
    FIFO or a device, a missing or read-only folder. Commands call it before any
    AWS call, so a long deploy never ends on a bad file name."""
    if not str(path) or str(path) == ".":
        raise CommandError(f"{option} needs a file name", EXIT_USAGE)
    if path.is_dir():
        raise CommandError(
            f"{option} {path} is a folder; name a file in it", EXIT_USAGE
        )
    if path.exists() and not path.is_file():
        raise CommandError(
            f"{option} {path} is not a regular file; name a new or regular file"
            + (", or - for standard output" if option == "--csv" else ""),
            EXIT_USAGE,
        )
    if not path.parent.is_dir():
        raise CommandError(
            f"{option} {path}: folder {path.parent} does not exist", EXIT_USAGE
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise CommandError(
            f"{option} {path}: folder {path.parent} is not writable", EXIT_USAGE
        )


def write_file(path: Path, text: str, mode: int, option: str) -> None:
    """Write a regular file atomically (a temporary file beside it, then a
    rename), with the mode given; `option` names the flag in errors. A folder, a
    FIFO or a device at the path is refused, never replaced."""
    import tempfile

    check_writable(path, option)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise CommandError(f"cannot write {path}: {exc.strerror}") from exc


def usage(message: str) -> CommandError:
    """A usage error: bad input, exit code 2."""
    return CommandError(message, EXIT_USAGE)


def error_code(error: Exception) -> str:
    """The AWS error code of a ClientError, or the exception's class name."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or type(error).__name__)


def error_message(error: Exception) -> str:
    """The AWS error message of a ClientError, or the exception's text."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Message") or error)


def stack_is_missing(error: Exception) -> bool:
    """Whether CloudFormation answered that the stack does not exist."""
    return error_code(error) == "ValidationError" and "does not exist" in (
        error_message(error)
    )


def bucket_access(s3: Any, bucket: str) -> str:
    """'present', 'missing', or 'forbidden' (another account owns the name), from
    HeadBucket ("HeadBucket", Amazon S3 API Reference: 404 or 403, no body)."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error_code(error)
        if code in ("404", "NoSuchBucket", "NotFound"):
            return "missing"
        if code in ("403", "AccessDenied", "Forbidden"):
            return "forbidden"
        raise
    return "present"


# A region name as AWS writes them (eu-west-1, us-gov-west-1, cn-north-1).
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")


def check_region(region: str | None, option: str = "--region") -> None:
    """Refuse, as a usage error, a --region that is no region name."""
    if region is not None and not REGION.fullmatch(region):
        raise CommandError(
            f"{option} {region!r} is not a region name such as eu-west-1", EXIT_USAGE
        )


def s3_url(bucket: str, region: str | None, key: str) -> str:
    """The HTTPS URL of an object, at its bucket's regional endpoint in the region's
    partition: China's regions end in amazonaws.com.cn (Amazon S3 endpoints, AWS
    General Reference); GetBucketLocation gives no region for us-east-1."""
    region = region or "us-east-1"
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{bucket}.s3.{region}.{suffix}/{key}"


@dataclass
class Aws:
    """One command's AWS session: region, profile, stack and cached clients."""

    region: str | None = None
    profile: str | None = None
    stack: str | None = None
    _session: Any = None
    _clients: dict[str, Any] = field(default_factory=dict)
    # What goes on in AWS when the command stops waiting (Ctrl-C): set when a
    # stack operation has started, said by main() on an interrupt.
    ongoing: str = ""

    @property
    def session(self) -> Any:
        """The boto3 session, created on first use."""
        if self._session is None:
            import boto3
            from botocore.exceptions import ProfileNotFound

            for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
                if variable in os.environ and not os.environ[variable].strip():
                    del os.environ[variable]  # set but empty: as if unset
            try:
                self._session = boto3.Session(
                    profile_name=self.profile, region_name=self.region
                )
            except ProfileNotFound as exc:
                raise CommandError(
                    f"AWS profile {self.profile!r} is not configured; "
                    "`aws configure list-profiles` lists the profiles",
                    EXIT_USAGE,
                ) from exc
            if not self._session.region_name:
                raise CommandError(
                    "no AWS region is configured; pass --region REGION or set "
                    "AWS_REGION",
                    EXIT_USAGE,
                )
            self.region = self._session.region_name
        return self._session

    def client(self, service: str) -> Any:
        """A client of the service, retrying throttling in standard mode."""
        if service not in self._clients:
            from botocore.config import Config

            from generator import __version__

            attempts = os.environ.get("AWS_MAX_ATTEMPTS", "")
            config = Config(
                retries={
                    "mode": "standard",
                    "max_attempts": (
                        int(attempts) if attempts.isdigit() else MAX_ATTEMPTS
                    ),
                },
                user_agent_extra=f"emrs-env/{__version__}",
            )
            self._clients[service] = self.session.client(service, config=config)
        return self._clients[service]

    def command(self, name: str, *more: str) -> str:
        """An emrs-env command line for this stack, region and profile, quoted so
        that it runs as printed."""
        import shlex

        parts = ["emrs-env", *name.split()]
        if self.stack:
            parts += ["--stack-name", self.stack]
        if self.region:
            parts += ["--region", self.region]
        if self.profile:
            parts += ["--profile", self.profile]
        return shlex.join([*parts, *more])

    def started(self, what: str) -> None:
        """Record that a stack operation goes on in AWS, for an interrupt to say."""
        self.ongoing = (
            f"{what} goes on in AWS; follow it with `{self.command('status')}`"
        )

    def where(self) -> str:
        """'in REGION for stack NAME', as far as they are known."""
        parts = [f"in {self.region or 'no region'}"]
        if self.stack:
            parts.append(f"for stack {self.stack}")
        return " ".join(parts)

    def searched(self) -> str:
        """Where a lookup searched: region and profile (never the account ID)."""
        profile = self.profile or "the default credentials"
        return f"region {self.region} with {profile}"

    def explain(self, error: Exception) -> CommandError:
        """Any AWS or botocore error as one line that says what to do."""
        from botocore import exceptions as bce
        from botocore.parsers import ResponseParserError

        if isinstance(error, bce.ClientError):
            operation = getattr(error, "operation_name", "") or "AWS call"
            return CommandError(
                f"{operation} failed {self.where()}: {error_code(error)}: "
                f"{error_message(error)}"
            )
        if isinstance(error, bce.NoCredentialsError | bce.PartialCredentialsError):
            return CommandError(
                f"no usable AWS credentials ({error}); {CREDENTIALS_HELP}",
                EXIT_USAGE,
            )
        if isinstance(error, bce.TokenRetrievalError | bce.SSOTokenLoadError):
            return CommandError(
                f"{error}; run `aws sso login` and try again", EXIT_USAGE
            )
        if isinstance(error, bce.EndpointConnectionError):
            url = getattr(error, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
            return CommandError(
                f"cannot reach {url} {self.where()}: check that --region names a "
                "real region and that this machine reaches AWS (network, proxy, VPN)"
            )
        if isinstance(error, bce.NoRegionError):
            return CommandError(
                "no AWS region is configured; pass --region REGION", EXIT_USAGE
            )
        if isinstance(error, ResponseParserError):
            return CommandError(
                f"AWS answered {self.where()} with something that is not an AWS "
                "reply (a proxy's or captive portal's page?): check --region, "
                "the network and any HTTPS_PROXY"
            )
        return CommandError(f"AWS call failed {self.where()}: {error}")

    @contextmanager
    def reporting(self) -> Iterator[Aws]:
        """Turn every AWS error raised inside into an CommandError of one line."""
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        try:
            yield self
        except (ClientError, BotoCoreError, ResponseParserError) as error:
            raise self.explain(error) from error
