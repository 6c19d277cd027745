"""`emrs-env destroy`: delete the stack safely, and say what stays behind.

Modelled on AWS documentation, not observed: EMR Serverless updates or deletes an
application only in CREATED or STOPPED ("Application states", EMR Serverless User
Guide); a security group with network interfaces cannot be deleted
("DeleteSecurityGroup", Amazon EC2 API Reference); CloudFormation force-deletes
AWS::SecretsManager::Secret, with no recovery window ("DeletionPolicy attribute",
CloudFormation User Guide); a versioned bucket is empty only when every version and
delete marker is gone ("Emptying a bucket", Amazon S3 User Guide).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from generator.aws.session import Aws, bucket_access
from generator.aws.stack import Follower, Resource, describe_stack, stack_resources
from generator.errors import EXIT_USAGE, CommandError
from generator.template.intrinsics import parameter_values
from generator.words import Says, count

RETAINED = ("Retain", "RetainExceptOnCreate")
APPLICATION = "AWS::EMRServerless::Application"
STOP_MINUTES = 15.0  # what EMR Serverless takes to end sessions, with a margin
BATCH = 1000  # DeleteObjects takes at most 1,000 keys
HOW_TO_REMOVE = {
    "AWS::S3::Bucket": "empty it (every version) in the S3 console, then delete it; "
    "or run destroy again with --delete-bucket --confirm-bucket {id}",
    "AWS::KMS::Key": "aws kms schedule-key-deletion --key-id {id} "
    "--pending-window-in-days 30",
    "AWS::Logs::LogGroup": "aws logs delete-log-group --log-group-name {id}",
    "AWS::S3::BucketPolicy": "it goes with its bucket; kept so that the bucket "
    "still refuses plain HTTP",
}


@dataclass(frozen=True)
class BucketSize:
    """What a bucket holds, every version counted."""

    versions: int
    delete_markers: int
    bytes: int

    def __str__(self) -> str:
        return (
            f"{count(self.versions, 'object version')}, {count(self.bytes, 'byte')}, "
            f"{count(self.delete_markers, 'delete marker')}"
        )


def policies_and_defaults(
    cfn: Any, stack: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Each resource's DeletionPolicy, and each parameter's Default, in the deployed
    template."""
    body = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    if isinstance(body, str):
        from generator.template.render import parse_template

        body = parse_template(body)
    policies = {
        logical: spec.get("DeletionPolicy", "Delete")
        for logical, spec in body.get("Resources", {}).items()
    }
    defaults = {key: str(value) for key, value in parameter_values(body).items()}
    return policies, defaults


def built_from_another_config(resources: list[Resource]) -> bool:
    """Whether the stack's users are not the default template's (a team config
    built it): its developers' logical IDs, or the administrator's name, differ."""
    from generator.template.names import ADMIN_USER, DEV_USER, R, user_id

    default = {R.ADMIN_USER, user_id(DEV_USER)}
    users = [r for r in resources if r.type == "AWS::IAM::User"]
    return any(u.logical_id not in default for u in users) or any(
        u.logical_id == R.ADMIN_USER and not u.physical_id.endswith(ADMIN_USER)
        for u in users
    )


def recreate_command(
    deploy: str,
    stack: dict[str, Any],
    defaults: dict[str, str],
    template_bucket: str | None = None,
    team: bool = False,
) -> str:
    """The deploy command that recreates the environment with the stack's settings:
    adopting the kept bucket, or, with UniqueBucketName, with a new one (no kept
    bucket ever has the new stack's name).

    `deploy` is the `emrs-env deploy` line with the stack, region and profile. The
    environment template is over 51,200 bytes, so deploy needs a template bucket:
    the one given, or a shell parameter that stops the command with a message until
    it is set (so the line runs as printed, or says what it needs). A stack built
    from a team config needs that build's template (`team`), named the same way:
    the default template would replace the team's users."""
    from generator.template.names import P

    def needed(value: str | None, name: str, what: str) -> str:
        return shlex.quote(value) if value else f'"${{{name}:?set {name} to {what}}}"'

    bucket = needed(
        template_bucket,
        "TEMPLATE_BUCKET",
        "an S3 bucket of yours in the stack's region",
    )
    values = {
        p["ParameterKey"]: p.get("ParameterValue", "")
        for p in stack.get("Parameters", [])
    }
    adopt = "" if values.get(P.UNIQUE_BUCKET_NAME) == "true" else " --adopt-retained"
    parts = [f"{deploy}{adopt} --template-bucket {bucket}"]
    if team:
        folder = "the build folder of the config this stack was built from"
        parts.append(f"--template {needed(None, 'TEMPLATE', folder)}")
    for key, value in values.items():
        if value != defaults.get(key, value) and value != "****":
            parts.append(f"--parameter {shlex.quote(f'{key}={value}')}")
    return " ".join(parts)


def bucket_size(s3: Any, bucket: str) -> BucketSize:
    """Object versions, bytes and delete markers in the bucket."""
    versions = markers = size = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions += len(page.get("Versions", []))
        size += sum(v.get("Size", 0) for v in page.get("Versions", []))
        markers += len(page.get("DeleteMarkers", []))
    return BucketSize(versions, markers, size)


def delete_versions(s3: Any, bucket: str, prefix: str = "", keep: str = "") -> int:
    """Delete every object version and delete marker under `prefix`, except those
    under `keep`; return how many. A key S3 refuses to delete is one line naming
    the first refusal."""
    keys = [
        {"Key": item["Key"], "VersionId": item["VersionId"]}
        for page in s3.get_paginator("list_object_versions").paginate(
            Bucket=bucket, Prefix=prefix
        )
        for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        if not (keep and item["Key"].startswith(keep))
    ]
    for start in range(0, len(keys), BATCH):
        answer = s3.delete_objects(
            Bucket=bucket,
            Delete={"Objects": keys[start : start + BATCH], "Quiet": True},
        )
        errors = answer.get("Errors", [])
        if errors:
            first = errors[0]
            raise CommandError(
                f"cannot empty bucket {bucket}: "
                f"{count(len(errors), 'object')} refused, "
                f"first {first.get('Key')}: {first.get('Code')}: "
                f"{first.get('Message')}"
            )
    return len(keys)


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker; return how many."""
    return delete_versions(s3, bucket)


def stop_application(
    emrs: Any,
    application_id: str,
    say: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    poll_seconds: float = 10.0,
    minutes: float = STOP_MINUTES,
) -> None:
    """Stop the application and wait until it is stopped (sessions end): the
    stack function's own routine, so destroy cancels job runs, treats the same
    states as stopped and waits the same way."""
    from custom_resources import stack_function

    try:
        stack_function.stop_and_wait(
            emrs,
            application_id,
            "delete",
            say=say,
            sleep=sleep,
            clock=clock,
            poll=poll_seconds,
            budget=minutes * 60,
        )
    except stack_function.Failure as exc:
        raise CommandError(str(exc)) from exc


def remove_detached_interfaces(
    ec2: Any, group_ids: list[str], say: Callable[[str], None]
) -> list[str]:
    """Delete detached network interfaces left in the groups; return those in use."""
    if not group_ids:
        return []
    in_use = []
    pages = ec2.get_paginator("describe_network_interfaces").paginate(
        Filters=[{"Name": "group-id", "Values": group_ids}]
    )
    for page in pages:
        for eni in page["NetworkInterfaces"]:
            if eni["Status"] == "available":
                ec2.delete_network_interface(
                    NetworkInterfaceId=eni["NetworkInterfaceId"]
                )
                say(f"Deleted detached network interface {eni['NetworkInterfaceId']}.")
            else:
                in_use.append(eni["NetworkInterfaceId"])
    return in_use


@dataclass
class Destroy(Says):
    """Everything destroy needs; clients come from an Aws session."""

    aws: Aws
    delete_bucket: bool = False
    confirm_bucket: str | None = None
    template_bucket: str | None = None  # named in the recreate command
    confirm: Callable[[str], bool] | None = None
    ask: Callable[[str], str] = input
    out: TextIO | None = None
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    stop_minutes: float = STOP_MINUTES
    as_json: bool = False  # the lines go to `out`; a JSON report to stdout

    def report(self, **fields: Any) -> None:
        """With --json, the outcome as one JSON object on standard output."""
        if self.as_json:
            import json

            print(json.dumps({"StackName": self.aws.stack, **fields}, indent=2))

    def run(self) -> int:
        """Show, ask, stop, clean up, delete, follow; return the exit code."""
        assert self.aws.stack
        if self.confirm_bucket and not self.delete_bucket:
            raise CommandError("--confirm-bucket goes with --delete-bucket", EXIT_USAGE)
        name = self.aws.stack
        cfn = self.aws.client("cloudformation")
        stack = describe_stack(cfn, name)
        if stack is None and self.delete_bucket:
            return self.delete_kept_bucket()
        if stack is None:  # as delete-stack, cdk destroy and terraform destroy do
            self.say(
                f"Stack {name} does not exist in {self.aws.searched()}; nothing to "
                "delete."
            )
            self.report(Status=None, Deleted=False, Kept=[])
            return 0
        status = stack["StackStatus"]
        if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
            raise CommandError(f"stack {name} is busy ({status}); try later")
        if stack.get("EnableTerminationProtection"):
            where = shlex.join(
                ["--stack-name", name, "--region", str(self.aws.region)]
                + (["--profile", self.aws.profile] if self.aws.profile else [])
            )
            raise CommandError(
                f"stack {name} has termination protection; turn it off first: aws "
                "cloudformation update-termination-protection "
                f"--no-enable-termination-protection {where}"
            )
        resources = stack_resources(cfn, name)
        policies, defaults = policies_and_defaults(cfn, name)
        kept = [r for r in resources if policies.get(r.logical_id) in RETAINED]
        buckets = [r for r in kept if r.type == "AWS::S3::Bucket" and r.physical_id]
        self._check_bucket_choice(buckets)
        sizes = {b.physical_id: bucket_size(self.aws.client("s3"), b.physical_id)
                 for b in buckets}  # fmt: skip
        self._show(name, resources, kept, sizes)
        if not self._agreed(name, buckets):
            self.say("Nothing was deleted.")
            self.report(Status=status, Deleted=False, Kept=[])
            return 1
        applications = [
            r.physical_id for r in resources if r.type == APPLICATION and r.physical_id
        ]
        for application in applications:
            stop_application(
                self.aws.client("emr-serverless"), application, self.say,
                self.sleep, poll_seconds=self.poll_seconds, minutes=self.stop_minutes,
            )  # fmt: skip
        groups = [
            r.physical_id
            for r in resources
            if r.type == "AWS::EC2::SecurityGroup" and r.physical_id.startswith("sg-")
        ]
        in_use = remove_detached_interfaces(self.aws.client("ec2"), groups, self.say)
        if in_use:
            self.say(
                f"{count(len(in_use), 'network interface')} in the stack's security "
                f"groups {'is' if len(in_use) == 1 else 'are'} "
                f"still in use ({', '.join(in_use)}); the delete waits for EMR to "
                "release them"
            )
        code, final = self._delete(cfn, stack["StackId"], name, len(resources))
        if code != 0:
            self.report(Status=final, Deleted=False, Kept=[])
            return code
        for bucket in buckets if self.delete_bucket else []:
            removed = empty_bucket(self.aws.client("s3"), bucket.physical_id)
            self.aws.client("s3").delete_bucket(Bucket=bucket.physical_id)
            self.say(
                f"Deleted bucket {bucket.physical_id} and its "
                + count(removed, "version", "versions and delete markers")
                + "."
            )
        still: list[dict[str, str]] = []
        for resource in kept:
            if self.delete_bucket and resource in buckets:
                continue
            how = HOW_TO_REMOVE.get(resource.type, "remove it in its console")
            how = how.format(id=resource.physical_id)
            if resource.type == "AWS::KMS::Key" and buckets and not self.delete_bucket:
                # Deleting the key makes every notebook of the kept bucket
                # unreadable for good ("Deleting AWS KMS keys", KMS Developer Guide).
                how = (
                    "keep it while the kept bucket exists: its notebooks are "
                    "encrypted with it (deploy --adopt-retained takes both back); "
                    "schedule its deletion only after the bucket is gone"
                )
            still.append(
                {"Type": resource.type, "Id": resource.physical_id, "Remove": how}
            )
            kept_line = f"kept {resource.type} {resource.physical_id}"
            self.say(f"{kept_line}: to remove it, {how}")
        recreate = None
        if buckets and not self.delete_bucket:
            recreate = recreate_command(
                self.aws.command("deploy"),
                stack,
                defaults,
                self.template_bucket,
                built_from_another_config(resources),
            )
            if "--adopt-retained" in recreate:
                self.say(f"To recreate the environment over what was kept: {recreate}")
            else:
                kept_names = ", ".join(b.physical_id for b in buckets)
                self.say(
                    f"To recreate the environment: {recreate}; its bucket is new "
                    f"(UniqueBucketName), so copy the notebooks from {kept_names} "
                    "with 'aws s3 sync s3://KEPT s3://NEW' once it exists"
                )
        self.report(Status=final, Deleted=True, Kept=still, Recreate=recreate)
        return 0

    def _check_bucket_choice(self, buckets: list[Resource]) -> None:
        names = [b.physical_id for b in buckets]
        if self.delete_bucket and not names:
            raise CommandError("the stack keeps no bucket to delete", EXIT_USAGE)
        if self.confirm_bucket and self.confirm_bucket not in names:
            raise CommandError(
                f"--confirm-bucket {self.confirm_bucket} is not the stack's bucket "
                f"({', '.join(names)}); nothing was deleted",
                EXIT_USAGE,
            )

    def _show(
        self,
        name: str,
        resources: list[Resource],
        kept: list[Resource],
        sizes: dict[str, BucketSize],
    ) -> None:
        self.say(
            f"Destroy stack {name}: deletes "
            f"{count(len(resources) - len(kept), 'resource')}."
        )
        secrets = [r for r in resources if r.type == "AWS::SecretsManager::Secret"]
        if secrets:
            save = self.aws.command("credentials", "--csv", "creds.csv")
            self.say(
                f"  {count(len(secrets), 'secret')} "
                f"{'is' if len(secrets) == 1 else 'are'} deleted at once, with no "
                "recovery window (CloudFormation force-deletes secrets); save the "
                f"credentials first with `{save}` if you need them"
            )
        for resource in resources:
            if resource.type == APPLICATION:
                self.say(
                    f"  application {resource.physical_id} is stopped first; "
                    "running sessions end"
                )
        for resource in kept:
            size = sizes.get(resource.physical_id)
            verb = "deletes" if self.delete_bucket and size is not None else "keeps"
            detail = f" ({size})" if size is not None else ""
            self.say(f"  {verb} {resource.type} {resource.physical_id}{detail}")

    def delete_kept_bucket(self) -> int:
        """--delete-bucket after the stack is gone: delete the bucket it kept, when
        it is an emrs-env notebook bucket that no stack owns, after the same
        confirmation (the name typed, or --confirm-bucket)."""
        from generator.aws.adopt import _is_ours, _owning_stack

        name = self.confirm_bucket
        if not name:
            try:
                name = self.ask(
                    f"Stack {self.aws.stack} does not exist. Type the name of the "
                    "bucket it kept to delete it and every notebook in it: "
                ).strip()
            except (KeyboardInterrupt, EOFError):
                name = ""
            if not name:
                self.say("Nothing was deleted.")
                self.report(Status=None, Deleted=False, Kept=[])
                return 1
        s3 = self.aws.client("s3")
        access = bucket_access(s3, name)
        if access != "present":
            raise CommandError(
                f"bucket {name} "
                + ("does not exist" if access == "missing" else "is not this account's")
            )
        if not _is_ours(s3, name):
            raise CommandError(
                f"bucket {name} is not an emrs-env notebook bucket; nothing was deleted"
            )
        owner = _owning_stack(self.aws.client("cloudformation"), name)
        if owner:
            raise CommandError(
                f"bucket {name} belongs to stack {owner}; destroy that stack instead"
            )
        size = bucket_size(s3, name)
        self.say(f"Kept bucket {name}: {size}.")
        try:
            agreed = self.confirm is None or self.confirm(f"Delete bucket {name}?")
        except (KeyboardInterrupt, EOFError):
            agreed = False
        if not agreed:
            self.say("Nothing was deleted.")
            self.report(Status=None, Deleted=False, Kept=[])
            return 1
        removed = empty_bucket(s3, name)
        s3.delete_bucket(Bucket=name)
        self.say(
            f"Deleted bucket {name} and its "
            + count(removed, "version", "versions and delete markers")
            + "."
        )
        self.report(Status=None, Deleted=True, Kept=[], DeletedBucket=name)
        return 0

    def _agreed(self, name: str, buckets: list[Resource]) -> bool:
        try:
            if self.confirm is not None and not self.confirm(f"Delete stack {name}?"):
                return False
            if self.delete_bucket and not self.confirm_bucket:
                for bucket in buckets:
                    typed = self.ask(
                        f"Type the bucket's name, {bucket.physical_id}, to delete it "
                        "and every notebook in it: "
                    ).strip()
                    if typed != bucket.physical_id:
                        self.say("The name does not match.")
                        return False
        except (KeyboardInterrupt, EOFError):
            return False
        return True

    def _delete(
        self, cfn: Any, stack_id: str, name: str, count: int
    ) -> tuple[int, str]:
        follower = Follower(
            cfn, stack_id, self.out, self.poll_seconds, sleep=self.sleep,
            ok=frozenset({"DELETE_COMPLETE"}), bad=frozenset({"DELETE_FAILED"}),
            label=name, hint=self.aws.command("status"),
        )  # fmt: skip
        before = follower.event_ids()
        cfn.delete_stack(StackName=stack_id)
        self.aws.started(f"the deletion of stack {name}")
        code, status = follower.follow(before, count)
        self.aws.ongoing = ""
        if code != 0:
            self.say(
                f"Stack {name} was not deleted ({status}); "
                f"`{self.aws.command('status')}` shows what is left and why"
            )
        return code, status
