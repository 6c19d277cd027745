"""Deploy the template through a change set, and read the users' credentials back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from generator.limits import LIST_LIMITS_KEY, MAX_BODY_BYTES

STACK_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
DONE_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
DONE_BAD = {
    "CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE",
    "DELETE_FAILED", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED",
    "UPDATE_FAILED", "IMPORT_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_FAILED",
}  # fmt: skip
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
CSV_COLUMNS = ["User name", "Password", "Console sign-in URL"]
KEY_COLUMNS = ["Access key ID", "Secret access key"]


class DeployError(Exception):
    """A failure to report as one line; usage errors carry exit code 2."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def parse_parameters(pairs: Sequence[str], template: dict[str, Any]) -> dict[str, str]:
    """KEY=VALUE pairs, checked against the template's parameters."""
    known = template.get("Parameters", {})
    list_limits = template.get("Metadata", {}).get(LIST_LIMITS_KEY, {})
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise DeployError(f"--parameter {pair!r} is not KEY=VALUE", 2)
        if key not in known:
            raise DeployError(
                f"unknown parameter {key!r}; the template has "
                + ", ".join(sorted(known)),
                2,
            )
        allowed = known[key].get("AllowedValues")
        if allowed and value not in map(str, allowed):
            choices = ", ".join(map(str, allowed))
            raise DeployError(f"{key} must be one of {choices}, not {value!r}", 2)
        pattern = known[key].get("AllowedPattern")
        items = (
            value.split(",") if known[key]["Type"] == "CommaDelimitedList" else [value]
        )
        if pattern and not all(re.fullmatch(pattern, item) for item in items):
            raise DeployError(f"{key}: {known[key]['ConstraintDescription']}", 2)
        most = list_limits.get(key)
        if most is not None and len(items) > most:
            raise DeployError(
                f"{key} lists {len(items)} values; at most {most} are allowed", 2
            )
        values[key] = value
    return values


def check_stack_name(name: str) -> None:
    """CloudFormation's stack name rule, before any AWS call."""
    if not STACK_NAME_RE.match(name):
        raise DeployError(
            f"stack name {name!r} must start with a letter and hold only letters, "
            "digits and hyphens (at most 128)",
            2,
        )


def _code(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", type(error).__name__))


def _message(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Message", error))


def stack_status(cfn: Any, name: str) -> str | None:
    """The stack's status, or None when there is no such stack."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except Exception as error:  # botocore ClientError, imported lazily
        if "does not exist" in _message(error):
            return None
        raise DeployError(f"cannot read stack {name}: {_code(error)}") from error
    return stacks[0]["StackStatus"]


@dataclass
class Change:
    """One row of a change set."""

    action: str
    logical_id: str
    resource_type: str
    replacement: str


def change_rows(change_set: dict[str, Any]) -> list[Change]:
    """The change set's resource changes as rows."""
    rows = []
    for change in change_set.get("Changes", []):
        detail = change.get("ResourceChange", {})
        rows.append(
            Change(
                action=detail.get("Action", "?"),
                logical_id=detail.get("LogicalResourceId", "?"),
                resource_type=detail.get("ResourceType", "?"),
                replacement=str(detail.get("Replacement", "")),
            )
        )
    return rows


def format_changes(rows: Iterable[Change]) -> str:
    """A short table: action, logical ID, type, replacement."""
    rows = list(rows)
    labels = {"Add": "add", "Modify": "modify", "Remove": "remove", "Import": "import"}
    lines = [f"{'ACTION':8} {'RESOURCE':40} {'TYPE':40} REPLACE"]
    for row in rows:
        action = labels.get(row.action, row.action.lower())
        if row.action == "Modify" and row.replacement == "True":
            action = "replace"
        lines.append(
            f"{action:8} {row.logical_id:40} {row.resource_type:40} {row.replacement}"
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.action] = counts.get(row.action, 0) + 1
    summary = ", ".join(f"{n} {labels.get(a, a).lower()}" for a, n in counts.items())
    lines.append(f"{len(rows)} changes: {summary}" if rows else "0 changes")
    return "\n".join(lines)


def template_location(
    s3: Any | None, text: str, bucket: str | None, prefix: str = "emrs-env/"
) -> dict[str, str]:
    """TemplateBody when it fits the request, else TemplateURL through S3."""
    if len(text.encode("utf-8")) <= MAX_BODY_BYTES:
        return {"TemplateBody": text}
    if not bucket:
        raise DeployError(
            f"the template is {len(text.encode()):,} bytes, more than the "
            f"{MAX_BODY_BYTES:,} CloudFormation accepts inline; pass "
            "--template-bucket BUCKET (in the stack's region) to upload it",
            2,
        )
    assert s3 is not None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    key = f"{prefix}{digest}.yaml"
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
        region = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    except Exception as error:
        raise DeployError(
            f"cannot upload the template to s3://{bucket}/{key}: {_code(error)}"
        ) from error
    host = "s3.amazonaws.com" if not region else f"s3.{region}.amazonaws.com"
    return {"TemplateURL": f"https://{bucket}.{host}/{key}"}


@dataclass
class Deployment:
    """Everything deploy needs; clients come from a boto3 session."""

    cfn: Any
    s3: Any | None
    stack_name: str
    template_text: str
    template: dict[str, Any]
    parameters: dict[str, str]
    template_bucket: str | None = None
    poll_seconds: float = 5.0
    out: TextIO | None = None
    confirm: Callable[[str], bool] | None = None
    sleep: Callable[[float], None] = time.sleep

    def say(self, text: str) -> None:
        """Print one line to the output stream."""
        print(text, file=self.out or sys.stdout, flush=True)

    def _parameter_list(self, exists: bool) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = [
            {"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()
        ]
        if exists:
            for key in self.template.get("Parameters", {}):
                if key not in self.parameters:
                    result.append({"ParameterKey": key, "UsePreviousValue": True})
        return result

    def run(self) -> int:
        """Create or update the stack; return the exit code."""
        status = stack_status(self.cfn, self.stack_name)
        exists = status is not None and status != "REVIEW_IN_PROGRESS"
        if status and status.endswith("_IN_PROGRESS") and exists:
            raise DeployError(f"stack {self.stack_name} is busy ({status}); try later")
        if status == "ROLLBACK_COMPLETE":
            raise DeployError(
                f"stack {self.stack_name} is ROLLBACK_COMPLETE and cannot be updated; "
                "delete it first"
            )
        kind = "UPDATE" if exists else "CREATE"
        name = f"emrs-env-{datetime.now():%Y%m%d-%H%M%S}"
        location = template_location(self.s3, self.template_text, self.template_bucket)
        try:
            created = self.cfn.create_change_set(
                StackName=self.stack_name,
                ChangeSetName=name,
                ChangeSetType=kind,
                Parameters=self._parameter_list(exists),
                Capabilities=CAPABILITIES,
                **location,
            )
        except Exception as error:
            if any(text in _message(error) for text in NO_CHANGES):
                self.say(f"No changes: stack {self.stack_name} is up to date.")
                return 0
            raise DeployError(
                f"cannot create a change set: {_message(error)}"
            ) from error
        change_set = self._wait_for_change_set(created["Id"])
        if change_set is None:
            self.say(f"No changes: stack {self.stack_name} is up to date.")
            return 0
        self.say(f"{kind.lower()} {self.stack_name} with change set {name}:")
        self.say(format_changes(change_rows(change_set)))
        if self.confirm is not None and not self.confirm("Execute this change set?"):
            self.cfn.delete_change_set(ChangeSetName=created["Id"])
            self.say("Not executed; the change set was deleted.")
            return 1
        before = self._event_ids()
        self.cfn.execute_change_set(ChangeSetName=created["Id"])
        return self._follow(before, len(change_set.get("Changes", [])))

    def _event_ids(self) -> set[str]:
        try:
            events = self.cfn.describe_stack_events(StackName=self.stack_name)
        except Exception:  # a stack that does not exist yet has no events
            return set()
        return {e["EventId"] for e in events["StackEvents"]}

    def _wait_for_change_set(self, change_set_id: str) -> dict[str, Any] | None:
        while True:
            described = self.cfn.describe_change_set(ChangeSetName=change_set_id)
            status = described["Status"]
            if status == "CREATE_COMPLETE":
                return described
            if status == "FAILED":
                reason = described.get("StatusReason", "")
                if any(text in reason for text in NO_CHANGES):
                    self.cfn.delete_change_set(ChangeSetName=change_set_id)
                    return None
                raise DeployError(f"change set failed: {reason}")
            self.sleep(self.poll_seconds)

    def _follow(self, seen: set[str], expected: int) -> int:
        done: set[str] = set()
        first_failure = ""
        while True:
            events = self.cfn.describe_stack_events(StackName=self.stack_name)
            fresh = [e for e in events["StackEvents"] if e["EventId"] not in seen]
            for event in reversed(fresh):
                seen.add(event["EventId"])
                status = event["ResourceStatus"]
                reason = event.get("ResourceStatusReason", "")
                if status.endswith("_COMPLETE") and event["LogicalResourceId"] != (
                    self.stack_name
                ):
                    done.add(event["LogicalResourceId"])
                if status.endswith("_FAILED") and not first_failure and reason:
                    first_failure = f"{event['LogicalResourceId']}: {reason}"
                progress = f"[{min(len(done), expected)}/{expected}]"
                line = f"{progress} {event['LogicalResourceId']} {status}"
                self.say(f"{line} {reason}".rstrip())
            status = stack_status(self.cfn, self.stack_name) or "DELETE_COMPLETE"
            if status in DONE_OK:
                self.say(f"Stack {self.stack_name}: {status}")
                self._print_outputs()
                return 0
            if status in DONE_BAD:
                reason = first_failure or "no failure reason was reported"
                self.say(f"Stack {self.stack_name}: {status}. First failure: {reason}")
                return 1
            self.sleep(self.poll_seconds)

    def _print_outputs(self) -> None:
        stack = self.cfn.describe_stacks(StackName=self.stack_name)["Stacks"][0]
        outputs = sorted(stack.get("Outputs", []), key=lambda o: o["OutputKey"])
        if outputs:
            self.say("Outputs:")
        for output in outputs:
            self.say(f"  {output['OutputKey']}: {output['OutputValue']}")


@dataclass(frozen=True)
class Credentials:
    """One user's stored credentials."""

    user: str
    password: str
    url: str
    access_key_id: str = ""
    secret_access_key: str = ""


def read_credentials(cfn: Any, secrets: Any, stack_name: str) -> list[Credentials]:
    """Every user's credentials, found through the stack's *SecretArn outputs."""
    try:
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    except Exception as error:
        if "does not exist" in _message(error):
            raise DeployError(f"stack {stack_name} does not exist") from error
        raise DeployError(f"cannot read stack {stack_name}: {_code(error)}") from error
    arns = sorted(
        o["OutputValue"]
        for o in stack.get("Outputs", [])
        if o["OutputKey"].endswith("SecretArn")
    )
    if not arns:
        raise DeployError(
            f"stack {stack_name} has no credentials outputs (CreateIamUsers is false, "
            "or it is not an emrs-env stack)"
        )
    found = []
    for arn in arns:
        try:
            raw = secrets.get_secret_value(SecretId=arn)["SecretString"]
        except Exception as error:
            raise DeployError(f"cannot read {arn}: {_code(error)}") from error
        value = json.loads(raw)
        if "Password" not in value:
            raise DeployError(f"{arn} holds no credentials yet")
        found.append(
            Credentials(
                user=value["UserName"],
                password=value["Password"],
                url=value["ConsoleSignInUrl"],
                access_key_id=value.get("AccessKeyId", ""),
                secret_access_key=value.get("SecretAccessKey", ""),
            )
        )
    return found


def credentials_csv(rows: Sequence[Credentials]) -> str:
    """The columns the IAM console's credentials download has."""
    with_keys = any(r.access_key_id for r in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + (KEY_COLUMNS if with_keys else []))
    for r in rows:
        extra = [r.access_key_id, r.secret_access_key] if with_keys else []
        writer.writerow([r.user, r.password, r.url, *extra])
    return buffer.getvalue()


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 0600), atomically."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class Published:
    """Where publish put the template."""

    bucket: str
    key: str
    region: str

    @property
    def url(self) -> str:
        """The HTTPS URL Service Catalog loads the template from."""
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{self.key}"


def publish(s3: Any, region: str, bucket: str, prefix: str, text: str) -> Published:
    """Upload the environment template under a versioned key."""
    from generator import __version__

    try:
        s3.head_bucket(Bucket=bucket)
    except Exception as error:
        code = _code(error)
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise DeployError(f"bucket {bucket} does not exist") from error
        if code in ("403", "AccessDenied", "Forbidden"):
            raise DeployError(f"no access to bucket {bucket}") from error
        raise DeployError(f"cannot use bucket {bucket}: {code}") from error
    located = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    bucket_region = located or "us-east-1"
    if bucket_region != region:
        raise DeployError(
            f"bucket {bucket} is in {bucket_region}, not {region}; publish to a bucket "
            f"in the portfolio's region, or pass --region {bucket_region}"
        )
    clean_prefix = prefix.strip("/")
    key = "/".join(
        part
        for part in (clean_prefix, __version__, "emr-serverless-interactive.yaml")
        if part
    )
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=text.encode("utf-8"),
        ContentType="application/x-yaml",
        Tagging="servicecatalog:provisioning=true",
    )
    return Published(bucket=bucket, key=key, region=region)
