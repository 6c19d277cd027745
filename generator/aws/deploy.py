"""`emrs-env deploy`: create or update the stack through a change set."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from generator.aws import inputs as params
from generator.aws.session import Aws
from generator.aws.stack import (
    CAPABILITIES,
    Follower,
    TemplateFile,
    change_rows,
    check_region_types,
    describe_stack,
    format_changes,
    wait_for_change_set,
    warnings,
)
from generator.errors import EXIT_USAGE, CommandError
from generator.words import Says

# "CreateStack", AWS CloudFormation API Reference: a stack name starts with a letter
# and holds letters, digits and hyphens, at most 128 characters.
STACK_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
APPLICATION = "AWS::EMRServerless::Application"
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
UNREAD = object()  # prepare() reads the stack itself
NOT_UPDATABLE = {
    "ROLLBACK_COMPLETE": "it never finished creating; delete it and deploy again",
    "ROLLBACK_FAILED": "delete it (the console offers to retain what failed)",
    "DELETE_FAILED": "delete it again after removing what blocked the delete",
    "UPDATE_ROLLBACK_FAILED": "continue the rollback in the console first",
}


def change_set_name(kind: str = "") -> str:
    """A change set name no other run takes: the time to the second, for people,
    and six random hex digits, so two plans in one second do not collide
    ("CreateChangeSet": [a-zA-Z][-a-zA-Z0-9]*, at most 128 characters)."""
    import secrets

    middle = f"-{kind}" if kind else ""
    return f"emrs-env{middle}-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def check_stack_name(name: str) -> str:
    """CloudFormation's stack name rule, before any AWS call."""
    if not STACK_NAME_RE.fullmatch(name):
        raise CommandError(
            f"stack name {name!r} must start with a letter and hold only letters, "
            "digits and hyphens (at most 128)",
            EXIT_USAGE,
        )
    return name


@dataclass(frozen=True)
class Prepared:
    """A computed change set."""

    id: str
    name: str
    kind: str
    change_set: dict[str, Any]


@dataclass
class Deployment(Says):
    """Everything deploy needs; clients come from an Aws session."""

    aws: Aws
    template: TemplateFile
    values: dict[str, str]
    template_bucket: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    role_arn: str | None = None
    disable_rollback: bool = False
    termination_protection: bool = False
    wait: bool = True
    timeout_minutes: float | None = None
    poll_seconds: float = 5.0
    out: TextIO | None = None
    confirm: Callable[[str], bool] | None = None
    sleep: Callable[[float], None] = time.sleep
    adopt_retained: bool = False
    # Set when the stack's tags change: CloudFormation then calls UpdateApplication,
    # which EMR Serverless refuses while the application is started, and the
    # stop-before-update resource does not see stack tags
    # (cloudformation-coverage-roadmap issue 2370), so deploy stops it first.
    stop_for_tags: bool = False
    # What happened, for --json and --outputs-file: Action, ChangeSetName,
    # Executed, Status and Outputs, as far as the run got.
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The stack's name."""
        assert self.aws.stack
        return self.aws.stack

    def prepare(
        self, include_values: bool = False, stack: Any = UNREAD
    ) -> Prepared | None:
        """Create the change set and wait until it is computed; None: no changes.
        `stack` is the stack's description when the caller has just read it."""
        cfn = self.aws.client("cloudformation")
        if stack is UNREAD:
            stack = describe_stack(cfn, self.name)
        status = stack["StackStatus"] if stack else None
        exists = stack is not None and status != "REVIEW_IN_PROGRESS"
        if status in NOT_UPDATABLE:
            raise CommandError(
                f"stack {self.name} is {status} and cannot be updated: "
                f"{NOT_UPDATABLE[status]}"
            )
        if status and status.endswith("_IN_PROGRESS") and exists:
            raise CommandError(f"stack {self.name} is busy ({status}); try later")
        if not exists:
            missing = params.missing_required(self.values, self.template.body)
            if missing:
                raise CommandError(
                    "a new stack needs "
                    + ", ".join(f"--parameter {k}=..." for k in missing),
                    EXIT_USAGE,
                )
        deployed = [p["ParameterKey"] for p in (stack or {}).get("Parameters", [])]
        if exists:
            self.check_change(stack)
            self.check_exports(cfn, stack)
        kind = "UPDATE" if exists else "CREATE"
        change_set = change_set_name()
        location = self.template.location(
            self.aws.client("s3") if self.template_bucket else None,
            self.template_bucket,
        )
        extra: dict[str, Any] = {"Tags": self.tags} if self.tags else {}
        if self.role_arn:
            extra["RoleARN"] = self.role_arn
        from botocore.exceptions import ClientError

        try:
            created = cfn.create_change_set(
                StackName=self.name,
                ChangeSetName=change_set,
                ChangeSetType=kind,
                Parameters=params.parameter_list(
                    self.values, self.template.body, deployed if exists else []
                ),
                Capabilities=CAPABILITIES,
                **location,
                **extra,
            )
        except ClientError as error:
            if any(text in str(error) for text in NO_CHANGES):
                return None
            raise
        computed = wait_for_change_set(
            cfn, created["Id"], self.poll_seconds, include_values
        )
        if computed["Status"] == "FAILED":
            reason = computed.get("StatusReason", "")
            self._discard(cfn, created["Id"], first=not exists)
            if any(text in reason for text in NO_CHANGES):
                return None
            raise CommandError(f"change set for stack {self.name} failed: {reason}")
        return Prepared(created["Id"], change_set, kind, computed)

    def check_change(self, stack: dict[str, Any]) -> None:
        """Refuse, before any change set, a parameter change AWS would refuse or
        that loses access (template/changes.py), and say what the others do."""
        from generator.template import changes

        old = {
            p["ParameterKey"]: p.get("ParameterValue", "")
            for p in stack.get("Parameters", [])
        }
        new = old | self.values
        refused = changes.refusal(self.template.body, old, new)
        if refused is not None:
            raise CommandError(str(refused), EXIT_USAGE)
        said = changes.effects(self.template.body, old, new)
        for effect in said:
            self.say(f"change: {effect}")
        self.result["Effects"] = said
        current = {(t["Key"], t["Value"]) for t in stack.get("Tags", [])}
        given = {(t["Key"], t["Value"]) for t in self.tags}
        if self.tags and given != current and self._has_application():
            self.stop_for_tags = True
            self.say(
                "change: the stack's tags: EMR Serverless changes a started "
                "application's tags only once it is stopped, so the application is "
                "stopped first, which ends running notebook sessions."
            )

    def check_exports(self, cfn: Any, stack: dict[str, Any]) -> None:
        """Refuse, before any change set, an update that drops an output whose
        export another stack imports: CloudFormation fails such an update and rolls
        it back ("Cannot delete export ... as it is in use by ...";
        CloudFormation User Guide, "Get exported outputs from a deployed
        CloudFormation stack"). ListImports answers ValidationError "is not
        imported by any stack" for an export nobody imports (AWS CLI reports)."""
        from botocore.exceptions import ClientError

        from generator.template.intrinsics import render

        exported = [o for o in stack.get("Outputs", []) if o.get("ExportName")]
        if not exported or "Resources" not in self.template.body:
            return
        old = {
            p["ParameterKey"]: p.get("ParameterValue", "")
            for p in stack.get("Parameters", [])
        }
        kept = render(self.template.body, old | self.values).get("Outputs", {})
        for output in exported:
            export = output["ExportName"]
            if output["OutputKey"] in kept:
                continue
            try:
                importers = [
                    name
                    for page in cfn.get_paginator("list_imports").paginate(
                        ExportName=export
                    )
                    for name in page.get("Imports", [])
                ]
            except ClientError as error:
                if "not imported" in str(error):
                    continue
                raise
            if importers:
                raise CommandError(
                    f"output {output['OutputKey']} goes with this change, but stack "
                    f"{', '.join(sorted(importers))} imports its export {export}; "
                    "remove that import first (CloudFormation refuses to delete an "
                    "export in use)",
                    EXIT_USAGE,
                )

    def _has_application(self) -> bool:
        resources = self.template.body.get("Resources", {})
        return any(r.get("Type") == APPLICATION for r in resources.values())

    def _stop_application(self, cfn: Any) -> None:
        """Stop the stack's application, if it has one now, before the change."""
        from botocore.exceptions import ClientError

        from generator.aws.destroy import stop_application

        logical = next(
            name
            for name, r in self.template.body["Resources"].items()
            if r.get("Type") == APPLICATION
        )
        try:
            found = cfn.describe_stack_resource(
                StackName=self.name, LogicalResourceId=logical
            )["StackResourceDetail"]
        except ClientError as error:
            if "does not exist" in str(error):
                return  # CreateApplication is false: nothing runs
            raise
        if found.get("PhysicalResourceId"):
            stop_application(
                self.aws.client("emr-serverless"),
                found["PhysicalResourceId"],
                self.say,
                self.sleep,
                poll_seconds=self.poll_seconds,
            )

    def run(self) -> int:
        """Create or update the stack; return the exit code."""
        check_region_types(self.aws.region, self.template.body, "the template")
        cfn = self.aws.client("cloudformation")
        stack = describe_stack(cfn, self.name)
        if stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS":
            code = self.adopt_if_retained(cfn)
            if code is not None:
                return code
            stack = UNREAD  # an import may have made the stack
        prepared = self.prepare(stack=stack)
        if prepared is None:
            self.save_protection(cfn)
            self.say(f"No changes: stack {self.name} is up to date.")
            current = describe_stack(cfn, self.name) or {}
            self.result.update(
                Action=None,
                Executed=False,
                Status=current.get("StackStatus"),
                Outputs=outputs_of(current),
            )
            return 0
        self.say(
            f"{prepared.kind.lower()} {self.name} with change set {prepared.name}:"
        )
        return self.review_and_execute(cfn, prepared)

    def adopt_if_retained(self, cfn: Any) -> int | None:
        """Before a first deploy, import the bucket and key a deleted stack kept.

        Returns an exit code when the deploy must stop, None to go on."""
        from generator.aws import adopt

        if not adopt.adoptable_template(self.template.body):
            return None
        retained = adopt.find_retained(self.aws, self.values, self.template.body)
        if retained is None:
            return None
        key = f" and its key {retained.key_id}" if retained.key_id else ""
        were, them = ("were", "them") if retained.key_id else ("was", "it")
        self.say(
            f"Bucket {retained.bucket}{key} {were} kept by a deleted stack of this "
            f"environment; adopting {them} brings the team back to its notebooks."
        )
        if not self.adopt_retained:
            if self.confirm is None:
                raise CommandError(
                    f"bucket {retained.bucket} exists; pass --adopt-retained to adopt "
                    "it (nothing in it changes), or set BucketName or NamePrefix",
                    EXIT_USAGE,
                )
            try:
                accepted = self.confirm("Adopt them into the new stack?")
            except (KeyboardInterrupt, EOFError):
                accepted = False
            if not accepted:
                self.say("Nothing was changed.")
                return 1
        return self.import_retained(
            cfn, retained, adopt.import_body(self.template, retained)
        )

    def import_retained(
        self, cfn: Any, retained: Any, body: dict[str, Any]
    ) -> int | None:
        """Run the IMPORT change set; None when the stack now holds them."""
        import json

        from generator.aws import adopt

        declared = body.get("Parameters", {})
        created = cfn.create_change_set(
            StackName=self.name,
            ChangeSetName=change_set_name("import"),
            ChangeSetType="IMPORT",
            ResourcesToImport=retained.resources_to_import(),
            TemplateBody=json.dumps(body),
            Parameters=adopt.import_parameters(retained, self.values, declared),
            Capabilities=CAPABILITIES,
        )
        change_set = wait_for_change_set(cfn, created["Id"], self.poll_seconds)
        if change_set["Status"] == "FAILED":
            self._discard(cfn, created["Id"], first=True)
            raise CommandError(
                f"cannot import into stack {self.name}: "
                f"{change_set.get('StatusReason', '')}"
            )
        self.say(format_changes(change_rows(change_set)))
        code = self.execute(
            cfn,
            created["Id"],
            len(change_set.get("Changes", [])),
            outputs=False,
            first=True,
        )
        return None if code == 0 else code

    def run_reviewed(self, change_set_name: str) -> int:
        """Execute a change set `emrs-env plan` made, exactly as it was reviewed."""
        cfn = self.aws.client("cloudformation")
        described = cfn.describe_change_set(
            StackName=self.name, ChangeSetName=change_set_name
        )
        described = wait_for_change_set(
            cfn, described["ChangeSetId"], self.poll_seconds
        )
        usable = described.get("ExecutionStatus") == "AVAILABLE"
        if described["Status"] != "CREATE_COMPLETE" or not usable:
            raise CommandError(
                f"change set {change_set_name} of stack {self.name} cannot be "
                f"executed ({described['Status']}, "
                f"{described.get('ExecutionStatus', '?')}): "
                f"{described.get('StatusReason') or 'plan again'}"
            )
        stack = describe_stack(cfn, self.name)
        kind = (
            "CREATE"
            if stack and stack["StackStatus"] == "REVIEW_IN_PROGRESS"
            else ("UPDATE")
        )
        prepared = Prepared(described["ChangeSetId"], change_set_name, kind, described)
        self.say(
            f"{kind.lower()} {self.name} with reviewed change set {change_set_name}:"
        )
        return self.review_and_execute(cfn, prepared, keep_declined=True)

    def review_and_execute(
        self, cfn: Any, prepared: Prepared, keep_declined: bool = False
    ) -> int:
        """Show the change set, ask, then execute and follow it."""
        self.result.update(
            Action=prepared.kind, ChangeSetName=prepared.name, Executed=False
        )
        self.say(format_changes(change_rows(prepared.change_set)))
        for warning in warnings(change_rows(prepared.change_set)):
            self.say(f"warning: {warning}")
        try:
            accepted = self.confirm is None or self.confirm("Execute this change set?")
        except (KeyboardInterrupt, EOFError):
            accepted = False
        if not accepted:
            if keep_declined:
                self.say(f"Not executed; change set {prepared.name} is kept.")
                return 1
            first = prepared.kind == "CREATE"
            self._discard(cfn, prepared.id, first=first)
            self.say(
                "Not executed; the change set was deleted"
                + (" and nothing was left behind" if first else "")
                + "."
            )
            return 1
        changes = len(prepared.change_set.get("Changes", []))
        return self.execute(
            cfn,
            prepared.id,
            changes,
            first=prepared.kind == "CREATE",
            keep=keep_declined,
        )

    def execute(
        self,
        cfn: Any,
        change_set: str,
        expected: int,
        outputs: bool = True,
        first: bool = False,
        keep: bool = False,
    ) -> int:
        """Execute a computed change set and follow the stack until it settles.
        When executing a first deploy's change set fails, the empty stack it made
        is removed (`keep`: a reviewed plan's stack is kept and said how to
        remove)."""
        from botocore.exceptions import ClientError

        follower = Follower(
            cfn,
            self.name,
            self.out,
            self.poll_seconds,
            self.timeout_minutes,
            self.sleep,
            hint=self.aws.command("status"),
        )
        before = follower.event_ids()
        if self.stop_for_tags:
            self._stop_application(cfn)
        extra = {"DisableRollback": True} if self.disable_rollback else {}
        try:
            cfn.execute_change_set(ChangeSetName=change_set, **extra)
        except ClientError as error:
            raise self._not_executed(cfn, change_set, error, first, keep) from error
        self.aws.started(f"the {'creation' if first else 'update'} of {self.name}")
        self.result["Executed"] = True
        if not self.wait and outputs:
            # Termination protection applies to a stack in any state, so it is
            # turned on now rather than never ("UpdateTerminationProtection").
            self.save_protection(cfn)
            self.say(f"Started; follow it with `{self.aws.command('status')}`.")
            return 0
        code, status = follower.follow(before, expected)
        self.aws.ongoing = ""
        self.result["Status"] = status
        if code == 0 and outputs:
            self.save_protection(cfn)
            self.result["Outputs"] = print_outputs(cfn, self.name, self.say)
        return code

    def _not_executed(
        self, cfn: Any, change_set: str, error: Exception, first: bool, keep: bool
    ) -> CommandError:
        """The one-line error of a failed ExecuteChangeSet, after cleaning up."""
        failed = self.aws.explain(error)
        if not first:
            return failed
        if keep:
            return CommandError(
                f"{failed}; stack {self.name} waits in REVIEW_IN_PROGRESS with the "
                f"change set; remove both with `{self.aws.command('destroy')}`",
                failed.code,
            )
        self._discard(cfn, change_set, first=True)
        return CommandError(
            f"{failed}; the empty stack {self.name} was removed", failed.code
        )

    def save_protection(self, cfn: Any) -> None:
        """Turn termination protection on when asked."""
        if self.termination_protection:
            cfn.update_termination_protection(
                StackName=self.name, EnableTerminationProtection=True
            )
            self.say(f"Termination protection is on for stack {self.name}.")

    def _discard(self, cfn: Any, change_set: str, first: bool) -> None:
        """Delete the change set, and the empty stack a first deploy made."""
        cfn.delete_change_set(ChangeSetName=change_set)
        if first:
            stack = describe_stack(cfn, self.name)
            if stack and stack["StackStatus"] == "REVIEW_IN_PROGRESS":
                cfn.delete_stack(StackName=self.name)


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    """The stack's outputs as a dict, sorted by key."""
    listed = sorted(stack.get("Outputs", []), key=lambda o: o["OutputKey"])
    return {o["OutputKey"]: o["OutputValue"] for o in listed}


def print_outputs(cfn: Any, name: str, say: Callable[[str], None]) -> dict[str, str]:
    """Say the stack's outputs, one per line, sorted by key; return them."""
    outputs = outputs_of(describe_stack(cfn, name) or {})
    if outputs:
        say("Outputs:")
    for key, value in outputs.items():
        say(f"  {key}: {value}")
    return outputs
