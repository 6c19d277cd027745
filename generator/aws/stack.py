"""What every stack command shares: the template file, the stack's state, change
sets as a table, and following a stack's events until it settles."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from generator.aws.session import (
    Aws,
    s3_url,
    stack_is_missing,
)
from generator.errors import EXIT_USAGE, CommandError
from generator.template.limits import MAX_BODY_BYTES
from generator.template.render import ENVIRONMENT_YAML
from generator.words import Says, count, table

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
DONE_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
DONE_BAD = {
    "CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE",
    "DELETE_FAILED", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED",
    "UPDATE_FAILED", "IMPORT_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_FAILED",
}  # fmt: skip
REPLACEMENT_WORDS = {
    "True": "replaced",
    "Conditional": "may be replaced",
    "False": "in place",
}
# CloudFormation computes a change set in seconds to minutes; give up after an hour
# of polls, as botocore's own ChangeSetCreateComplete waiter does at its default pace.
CHANGE_SET_POLLS = 720
QUIET_SECONDS = 60.0  # a wait with no new event says so after this long


@dataclass(frozen=True)
class TemplateFile:
    """A template read from disk: its text and its parsed form."""

    path: Path
    text: str
    body: dict[str, Any]

    def location(self, s3: Any, bucket: str | None) -> dict[str, str]:
        """TemplateBody when it fits the request, else TemplateURL through S3."""
        if fits_inline(self.text):
            return {"TemplateBody": self.text}
        if not bucket:
            raise too_large(self.text)
        data = self.text.encode("utf-8")
        key = f"emrs-env/{hashlib.sha256(data).hexdigest()[:16]}.yaml"
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        region = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
        return {"TemplateURL": s3_url(bucket, region, key)}


def check_region_types(region: str | None, body: dict[str, Any], what: str) -> None:
    """Refuse a region whose CloudFormation registry lacks a type the template
    names (generator/template/regions.py), before any AWS call."""
    from generator.template.regions import refuse_region

    types = {r.get("Type", "") for r in body.get("Resources", {}).values()}
    refused = refuse_region(region or "", types, what) if region else None
    if refused:
        raise CommandError(refused, EXIT_USAGE)


def fits_inline(text: str) -> bool:
    """Whether CloudFormation takes the template as TemplateBody (51,200 bytes)."""
    return len(text.encode("utf-8")) <= MAX_BODY_BYTES


def too_large(text: str, region: str = "the stack's region") -> CommandError:
    """The error for a template that must go through S3 but has no bucket."""
    return CommandError(
        f"the template is {len(text.encode('utf-8')):,} bytes, more than the "
        f"{MAX_BODY_BYTES:,} CloudFormation accepts inline; pass "
        f"--template-bucket BUCKET (in {region}) to upload it",
        EXIT_USAGE,
    )


def load_template(where: str) -> TemplateFile:
    """The template at a file, or the environment template in a folder."""
    path = Path(where)
    if path.is_dir():
        path = path / ENVIRONMENT_YAML
    if not path.is_file():
        raise CommandError(
            f"no template at {path}; build one with `make template` or "
            "`emrs-env build --out DIR`, or pass --template FILE",
            EXIT_USAGE,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise CommandError(f"cannot read {path}: {reason}", EXIT_USAGE) from exc
    from generator.template.render import TemplateSyntaxError, parse_template

    try:
        body = parse_template(text)
    except TemplateSyntaxError as exc:
        raise CommandError(
            f"{path} is not a CloudFormation template: {exc}", EXIT_USAGE
        ) from exc
    if not isinstance(body, dict) or "Resources" not in body:
        raise CommandError(f"{path} has no Resources section", EXIT_USAGE)
    return TemplateFile(path, text, body)


def describe_stack(cfn: Any, name: str) -> dict[str, Any] | None:
    """The stack's description, or None when there is no such stack."""
    from botocore.exceptions import ClientError

    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if stack_is_missing(error):
            return None
        raise


def existing_stack(aws: Aws) -> dict[str, Any]:
    """The command's stack; a one-line error naming where it looked if missing."""
    assert aws.stack
    stack = describe_stack(aws.client("cloudformation"), aws.stack)
    if stack is None:
        raise CommandError(
            f"stack {aws.stack} does not exist in {aws.searched()}; check --region "
            "and --profile"
        )
    return stack


@dataclass(frozen=True)
class Resource:
    """One resource of the stack."""

    logical_id: str
    type: str
    physical_id: str


def stack_resources(cfn: Any, stack: str) -> list[Resource]:
    """Every resource of the stack, through the paginator."""
    found = []
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
        for item in page["StackResourceSummaries"]:
            found.append(
                Resource(
                    item["LogicalResourceId"],
                    item["ResourceType"],
                    item.get("PhysicalResourceId", ""),
                )
            )
    return found


@dataclass
class Change:
    """One row of a change set."""

    action: str
    logical_id: str
    resource_type: str
    replacement: str
    paths: list[str] = field(default_factory=list)

    @property
    def verb(self) -> str:
        """add, modify, replace, remove, import."""
        if self.action == "Modify" and self.replacement == "True":
            return "replace"
        return self.action.lower()


def change_rows(change_set: dict[str, Any]) -> list[Change]:
    """The change set's resource changes as rows."""
    rows = []
    for change in change_set.get("Changes", []):
        detail = change.get("ResourceChange", {})
        paths = sorted(
            {
                d.get("Target", {}).get("Path")
                or d.get("Target", {}).get("Name")
                or d.get("Target", {}).get("Attribute", "")
                for d in detail.get("Details", [])
            }
            - {""}
        )
        rows.append(
            Change(
                action=detail.get("Action", "?"),
                logical_id=detail.get("LogicalResourceId", "?"),
                resource_type=detail.get("ResourceType", "?"),
                replacement=str(detail.get("Replacement", "")),
                paths=paths,
            )
        )
    return rows


def format_changes(rows: Iterable[Change], paths: bool = False) -> str:
    """A table sized to its content: action, logical ID, type, replacement."""
    rows = list(rows)
    head = ("ACTION", "RESOURCE", "TYPE", "REPLACEMENT")
    cells = [(r.verb, r.logical_id, r.resource_type, _replacement(r)) for r in rows]
    aligned = table(head, cells)
    indent = " " * (max(len(c[0]) for c in [head, *cells]) + 2)
    lines = [aligned[0]]
    for row, line in zip(rows, aligned[1:], strict=True):
        lines.append(line)
        if paths and row.paths:
            lines.append(indent + "changes: " + ", ".join(row.paths))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.verb] = counts.get(row.verb, 0) + 1
    summary = ", ".join(f"{n} {verb}" for verb, n in counts.items())
    lines.append(f"{count(len(rows), 'change')}: {summary}" if rows else "0 changes")
    return "\n".join(line.rstrip() for line in lines)


def _replacement(row: Change) -> str:
    if row.action != "Modify":
        return "-"
    return REPLACEMENT_WORDS.get(row.replacement, row.replacement.lower() or "-")


def wait_for_change_set(
    cfn: Any, change_set_id: str, poll: float, include_values: bool = False
) -> dict[str, Any]:
    """The change set once CloudFormation has computed it (or failed to), with
    every page of its changes; property values only when asked (DescribeChangeSet's
    IncludePropertyValues: CreateChangeSet has no such parameter)."""
    from botocore.exceptions import ClientError, WaiterError

    try:
        cfn.get_waiter("change_set_create_complete").wait(
            ChangeSetName=change_set_id,
            WaiterConfig={"Delay": poll, "MaxAttempts": CHANGE_SET_POLLS},
        )
    except WaiterError as error:
        last = error.last_response or {}
        if "Error" in last:  # DescribeChangeSet itself failed: say so, as AWS did
            raise ClientError(last, "DescribeChangeSet") from error
        if last.get("Status") != "FAILED":
            raise CommandError(
                f"change set {change_set_id} was still {last.get('Status')} after "
                f"{CHANGE_SET_POLLS} checks; see it in the CloudFormation console"
            ) from error
    pages = cfn.get_paginator("describe_change_set").paginate(
        ChangeSetName=change_set_id, IncludePropertyValues=include_values
    )
    return dict(pages.build_full_result())


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


@dataclass
class Follower(Says):
    """Prints a stack's new events until it settles or the wait times out."""

    cfn: Any
    stack_name: str
    out: TextIO | None = None
    poll_seconds: float = 5.0
    timeout_minutes: float | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    ok: frozenset[str] = frozenset(DONE_OK)
    bad: frozenset[str] = frozenset(DONE_BAD)
    label: str = ""  # the name to print when stack_name is a stack ID
    hint: str = ""  # the command that follows the stack, with its region

    @property
    def shown(self) -> str:
        """The stack's name for people (a stack ID would show the account)."""
        return self.label or self.stack_name

    def event_ids(self) -> set[str]:
        """The IDs of the events the stack has now (none for a new stack)."""
        from botocore.exceptions import ClientError

        try:
            events = self.cfn.describe_stack_events(StackName=self.stack_name)
        except ClientError as error:
            if stack_is_missing(error):
                return set()
            raise
        return {e["EventId"] for e in events["StackEvents"]}

    def follow(self, seen: set[str], expected: int) -> tuple[int, str]:
        """Exit code and the final status; prints each new event once."""
        start = last_news = self.clock()
        done: set[str] = set()
        first_failure = ""
        while True:
            try:
                events = self.cfn.describe_stack_events(StackName=self.stack_name)
                fresh = [e for e in events["StackEvents"] if e["EventId"] not in seen]
            except Exception as error:
                if not stack_is_missing(error):
                    raise
                fresh = []  # the stack is gone: a delete has finished
            for event in reversed(fresh):
                seen.add(event["EventId"])
                last_news = self.clock()
                status = event["ResourceStatus"]
                logical = event["LogicalResourceId"]
                reason = event.get("ResourceStatusReason", "")
                if status.endswith("_COMPLETE") and logical != self.shown:
                    done.add(logical)
                if status.endswith("_FAILED") and not first_failure and reason:
                    first_failure = f"{logical}: {reason}"
                stamp = _timestamp(event.get("Timestamp"))
                progress = f"[{min(len(done), expected)}/{expected}]"
                line = f"{stamp} +{_elapsed(self.clock() - start)} {progress}"
                self.say(f"{line} {logical} {status} {reason}".rstrip())
            stack = describe_stack(self.cfn, self.stack_name)
            status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
            if status in self.ok:
                self.say(f"Stack {self.shown}: {status}")
                return 0, status
            if status in self.bad:
                reason = first_failure or "no failure reason was reported"
                self.say(f"Stack {self.shown}: {status}. First failure: {reason}")
                return 1, status
            waited = self.clock() - start
            if self.timeout_minutes is not None and waited >= self.timeout_minutes * 60:
                hint = self.hint or f"emrs-env status --stack-name {self.shown}"
                self.say(
                    f"Stopped waiting after {_elapsed(waited)}: stack "
                    f"{self.shown} is still {status} and goes on; follow it "
                    f"with `{hint}`"
                )
                return 1, status
            if self.clock() - last_news >= QUIET_SECONDS:
                last_news = self.clock()
                self.say(
                    f"... {status} after {_elapsed(waited)} "
                    f"({min(len(done), expected)} of "
                    f"{count(expected, 'resource')} done)"
                )
            self.sleep(self.poll_seconds)


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%H:%M:%SZ")
    return datetime.now(UTC).strftime("%H:%M:%SZ")


def _touches(row: Change, name: str) -> bool:
    return any(name in path for path in row.paths)


def warnings(rows: Iterable[Change]) -> list[str]:
    """The consequences of a change set that people must hear before executing."""
    found = []
    for row in rows:
        kind, who = row.resource_type, row.logical_id
        maybe = row.action == "Modify" and row.replacement == "Conditional"
        replaced = row.verb == "replace" or maybe
        might = "may be" if maybe else "is"
        if kind == "AWS::EMR::Studio":
            if replaced:
                found.append(
                    f"{who}: the EMR Studio {might} replaced; workspaces stay with the "
                    "old Studio, which is deleted (their files stay in the bucket)"
                )
            elif row.action == "Modify" and _touches(row, "SubnetIds"):
                found.append(
                    f"{who}: the Studio's subnets change; EMR Studio only adds "
                    "subnets, so removing one (3 to 2 AZs) fails the update"
                )
            elif row.action == "Remove":
                found.append(f"{who}: the EMR Studio and its workspaces are deleted")
        elif kind == "AWS::EMRServerless::Application":
            if replaced:
                found.append(
                    f"{who}: the application {might} replaced; running sessions end "
                    "and its ID changes"
                )
            elif row.action in ("Modify", "Remove"):
                found.append(
                    f"{who}: the application is stopped first; running sessions end"
                )
        elif kind == "Custom::ConsoleCredentials" and row.action == "Modify":
            if _touches(row, "RotationToken"):
                found.append(
                    f"{who}: the user's console password is rotated; hand out the "
                    "new one (emrs-env credentials)"
                )
        elif kind == "AWS::IAM::User" and row.action == "Remove":
            found.append(f"{who}: the IAM user is deleted, with its secret")
        elif kind == "AWS::S3::Bucket" and replaced:
            found.append(
                f"{who}: the bucket {might} replaced; the old one is retained with "
                "the notebooks and the new one starts empty"
            )
    return found
