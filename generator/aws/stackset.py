"""`emrs-env stackset deploy|status|destroy`: the environment in many accounts.

A service-managed StackSet (AWS CloudFormation User Guide, "Create a stack set with
service-managed permissions") deploys to every account of the organizational
units given, and with automatic deployment to accounts that join them later. It
runs from the Organizations management account or a delegated administrator
(CallAs DELEGATED_ADMIN); trusted access for StackSets must be on in Organizations.
Every stack instance of a set gets the set's parameters (plus per-account
overrides), so RegionalIamNames is true whenever the set spans several regions.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.aws import inputs
from generator.aws.session import (
    Aws,
    check_region,
    error_code,
    usage,
)
from generator.aws.stack import CAPABILITIES, TemplateFile, check_region_types
from generator.errors import EXIT_USAGE, CommandError
from generator.template import names
from generator.template.regions import EMR_SERVERLESS_REGIONS

# CreateStackSet / DeploymentTargets (AWS CloudFormation API Reference).
STACK_SET_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
OU_ID = re.compile(r"ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32}")
ACCOUNT_ID = re.compile(r"[0-9]{12}")
CALLERS = ("SELF", "DELEGATED_ADMIN")
# StackSetOperation.Status (DescribeStackSetOperation).
OPERATION_DONE = {"SUCCEEDED", "FAILED", "STOPPED"}
# Stack instances: the environment's notebook bucket stays when its stack goes
# (DeletionPolicy Retain); its default name is known from the parameters.
DEFAULT_BUCKET = f"{{prefix}}{names.BUCKET_BASE}-{{account}}-{{region}}"
UNIQUE_BUCKET = f"{{prefix}}{names.UNIQUE_BUCKET_BASE}-{{account}}-{{region}}-{{head}}"


def mask(account: str) -> str:
    """An account ID shortened to its last four digits, for output."""
    return f"****{account[-4:]}" if len(account) > 4 else account


def check_name(name: str) -> str:
    """The StackSet name, or a usage error."""
    if not STACK_SET_NAME.fullmatch(name):
        raise usage(
            f"--name {name!r}: a StackSet name starts with a letter and has up to "
            "128 letters, digits and hyphens"
        )
    return name


def check_targets(ous: Sequence[str]) -> list[str]:
    """Organizational unit IDs (ou-xxxx-xxxxxxxx) or the root (r-xxxx)."""
    if not ous:
        raise usage("give at least one --ou (ou-xxxx-xxxxxxxx, or the root r-xxxx)")
    for ou in ous:
        if not OU_ID.fullmatch(ou):
            raise usage(
                f"--ou {ou!r} is not an organizational unit ID (ou-xxxx-xxxxxxxx) "
                "or a root ID (r-xxxx)"
            )
    return list(dict.fromkeys(ous))


def check_regions(text: str) -> list[str]:
    """A comma-separated region list, none empty, no duplicates."""
    regions = [r.strip() for r in text.split(",") if r.strip()]
    if not regions:
        raise usage("--regions lists no region; give e.g. --regions eu-west-1")
    known = known_regions()
    for region in regions:
        check_region(region, "--regions:")
        if region not in known:
            raise usage(
                f"--regions: {region!r} is not a region CloudFormation serves "
                "(botocore's endpoint list); check the spelling"
            )
    return list(dict.fromkeys(regions))


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region CloudFormation serves in any partition, from botocore's
    endpoint data, read without a session (no AWS call, and no profile: a missing
    AWS_PROFILE cannot turn a usage error into another), plus every region EMR
    Serverless serves (generator/template/regions.py), so that a region the
    template accepts is never refused by an older botocore."""
    from botocore.loaders import create_loader
    from botocore.regions import EndpointResolver

    resolver = EndpointResolver(create_loader().load_data("endpoints"))
    return frozenset(
        region
        for partition in resolver.get_available_partitions()
        for region in resolver.get_available_endpoints("cloudformation", partition)
    ) | frozenset(EMR_SERVERLESS_REGIONS)


def check_account_parameters(
    pairs: Sequence[str], template: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """ACCOUNT:KEY=VALUE overrides by account, each checked like --parameter."""
    by_account: dict[str, dict[str, str]] = {}
    for pair in pairs:
        account, sep, rest = pair.partition(":")
        if not sep or not ACCOUNT_ID.fullmatch(account):
            raise usage(
                f"--account-parameter {pair!r} is not ACCOUNT:KEY=VALUE with a "
                "12-digit account ID"
            )
        values = inputs.split_pairs([rest], "--account-parameter")
        by_account.setdefault(account, {}).update(values)
    for values in by_account.values():
        inputs.check_parameters(values, template)
    return by_account


def check_values(values: dict[str, str], regions: Sequence[str]) -> dict[str, str]:
    """The set's parameters, checked: no fixed bucket name, and RegionalIamNames
    (on unless given; a new set gets it, deploy() keeps an existing set's value)
    not false across regions."""
    if values.get(names.P.BUCKET_NAME):
        raise usage(
            f"{names.P.BUCKET_NAME} names one bucket, but S3 bucket names are global "
            "and a StackSet makes one stack per account and region; leave it empty"
        )
    regional = values.get(names.P.REGIONAL_IAM, "true")
    if regional == "false" and len(regions) > 1:
        raise usage(
            f"{names.P.REGIONAL_IAM}=false with {len(regions)} regions: IAM names are "
            "global per account, so the stacks of one account would collide"
        )
    if values.get(names.P.IDC_INSTANCE) and len(regions) > 1:
        # An Identity Center instance has one primary region; AWS managed
        # applications such as EMR Studio in SSO mode are set up there ("Availability
        # of IAM Identity Center use cases in the primary and additional Regions",
        # IAM Identity Center User Guide).
        raise usage(
            f"{names.P.IDC_INSTANCE} with {len(regions)} regions: an Identity Center "
            "instance serves EMR Studio in its own region; give that one region, and "
            "roll the other regions out as another set without Identity Center"
        )
    return values


def check_concurrency(failure_tolerance: int, max_concurrent: int) -> None:
    """Operation preferences StackSets accept (StackSetOperationPreferences:
    MaxConcurrentCount is at most one more than FailureToleranceCount)."""
    if failure_tolerance < 0 or max_concurrent < 1:
        raise usage("--failure-tolerance takes 0 or more, --max-concurrent 1 or more")
    if max_concurrent > failure_tolerance + 1:
        raise usage(
            f"--max-concurrent {max_concurrent} is more than --failure-tolerance "
            f"{failure_tolerance} + 1, which StackSets refuse"
        )


@dataclass
class Row:
    """One stack instance: account, region, status and why."""

    account: str
    region: str
    status: str
    reason: str = ""
    ou: str = ""
    stack_id: str = ""


def table(rows: Sequence[Row]) -> str:
    """The instances as an aligned table, account IDs shortened."""
    head = ("ACCOUNT", "REGION", "STATUS", "REASON")
    lines = [head] + [
        (mask(r.account), r.region, r.status, r.reason or "-") for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:3]))
        + "  "
        + line[3]
        for line in lines
    )


def instances_json(rows: Sequence[Row]) -> list[dict[str, str]]:
    """The instances for --json, account IDs shortened as in the table."""
    return [
        {"Account": mask(r.account), "Region": r.region, "Status": r.status,
         "Reason": r.reason}
        for r in rows
    ]  # fmt: skip


def instance_rows(cfn: Any, name: str, call_as: str) -> list[Row]:
    """Every stack instance of the set (ListStackInstances, paginated)."""
    rows: list[Row] = []
    pages = cfn.get_paginator("list_stack_instances").paginate(
        StackSetName=name, CallAs=call_as
    )
    for page in pages:
        for item in page.get("Summaries", []):
            detail = item.get("StackInstanceStatus", {}).get("DetailedStatus")
            rows.append(
                Row(
                    account=item["Account"],
                    region=item["Region"],
                    status=detail or item.get("Status", "?"),
                    reason=item.get("StatusReason", ""),
                    ou=item.get("OrganizationalUnitId", ""),
                    stack_id=item.get("StackId", ""),
                )
            )
    return sorted(rows, key=lambda r: (r.account, r.region))


@dataclass
class StackSet:
    """One command on one service-managed StackSet."""

    aws: Aws
    name: str
    call_as: str = "SELF"
    poll_seconds: float = 10.0
    say: Callable[[str], None] = print
    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)  # what --json reports

    @property
    def cfn(self) -> Any:
        """The CloudFormation client of the StackSet's administrator region."""
        return self.aws.client("cloudformation")

    def describe(self) -> dict[str, Any] | None:
        """The StackSet, or None when it does not exist (or was deleted)."""
        try:
            found = self.cfn.describe_stack_set(
                StackSetName=self.name, CallAs=self.call_as
            )["StackSet"]
        except Exception as error:  # botocore's modelled StackSetNotFoundException
            if error_code(error) == "StackSetNotFoundException":
                return None
            raise
        return None if found.get("Status") == "DELETED" else found

    def follow(self, operation_id: str, what: str) -> str:
        """Poll the operation, printing each account and region as it changes."""
        while True:
            operation = self.cfn.describe_stack_set_operation(
                StackSetName=self.name, OperationId=operation_id, CallAs=self.call_as
            )["StackSetOperation"]
            self._progress(operation_id)
            status = operation["Status"]
            if status in OPERATION_DONE:
                reason = operation.get("StatusReason", "")
                self.result.setdefault("Operations", []).append(
                    {"Operation": what, "Status": status, "Reason": reason}
                )
                self.say(f"{what}: {status}" + (f" ({reason})" if reason else ""))
                return status
            time.sleep(self.poll_seconds)

    def _progress(self, operation_id: str) -> None:
        pages = self.cfn.get_paginator("list_stack_set_operation_results").paginate(
            StackSetName=self.name, OperationId=operation_id, CallAs=self.call_as
        )
        for page in pages:
            for item in page.get("Summaries", []):
                key = (item["Account"], item["Region"])
                status = item.get("Status", "?")
                if self.seen.get(key) != status:
                    self.seen[key] = status
                    reason = item.get("StatusReason", "")
                    self.say(
                        f"  {mask(key[0])} {key[1]}: {status}"
                        + (f" ({reason})" if reason else "")
                    )

    def summary(self) -> list[Row]:
        """Print the instance table; return its rows."""
        rows = instance_rows(self.cfn, self.name, self.call_as)
        self.say(table(rows) if rows else "no stack instances")
        self.result["Instances"] = instances_json(rows)
        return rows


def operation_preferences(
    failure_tolerance: int, max_concurrent: int, regions: Sequence[str]
) -> dict[str, Any]:
    """StackSetOperationPreferences: counts per region, regions in parallel."""
    return {
        "RegionConcurrencyType": "PARALLEL",
        "RegionOrder": list(regions),
        "FailureToleranceCount": failure_tolerance,
        "MaxConcurrentCount": max_concurrent,
    }


@dataclass
class Rollout:
    """What `stackset deploy` creates or updates, all checked before AWS."""

    template: TemplateFile
    template_bucket: str
    ous: list[str]
    regions: list[str]
    values: dict[str, str]
    overrides: dict[str, dict[str, str]]
    tags: list[dict[str, str]] = field(default_factory=list)
    tags_when_stopped: bool = False
    failure_tolerance: int = 0
    max_concurrent: int = 1


def set_parameters(
    values: dict[str, str], existing: dict[str, Any] | None, template: dict[str, Any]
) -> list[dict[str, Any]]:
    """The Parameters of CreateStackSet or UpdateStackSet. A parameter not sent on
    an update goes back to the template's default, unless sent with
    UsePreviousValue ("Parameter", AWS CloudFormation API Reference): a re-run
    keeps every value it does not name. A new set gets RegionalIamNames true, and
    UniqueBucketName true: an instance recreated by automatic deployment (an
    account back in a target OU) or after `stackset destroy` then gets a new
    bucket instead of failing on the one its predecessor kept."""
    declared = template.get("Parameters", {})
    given = dict(values)
    if existing is None:
        given.setdefault(names.P.REGIONAL_IAM, "true")
        if not declared or names.P.UNIQUE_BUCKET_NAME in declared:
            given.setdefault(names.P.UNIQUE_BUCKET_NAME, "true")
    params: list[dict[str, Any]] = [
        {"ParameterKey": k, "ParameterValue": v} for k, v in given.items()
    ]
    for previous in (existing or {}).get("Parameters", []):
        key = previous["ParameterKey"]
        if key not in given and (not declared or key in declared):
            params.append({"ParameterKey": key, "UsePreviousValue": True})
    return params


def refuse_changes(existing: dict[str, Any], rollout: Rollout) -> None:
    """Refuse, before anything changes, what the change matrix refuses (the same
    checks the template's change guard makes in every account), and a tag change
    while the instances may have a started application: CloudFormation changes
    the application's tags through UpdateApplication, which EMR Serverless refuses
    while it is STARTED (cloudformation-coverage-roadmap issue 2370; aws-cdk issue
    35488), and this command cannot stop applications in other accounts."""
    from generator.template import changes
    from generator.template.intrinsics import Conditions, parameter_values

    body = rollout.template.body
    old = {
        p["ParameterKey"]: p.get("ParameterValue", "")
        for p in existing.get("Parameters", [])
    }
    checked = {"": rollout.values} | {
        f" (account {mask(account)})": rollout.values | values
        for account, values in rollout.overrides.items()
    }
    for who, values in checked.items():
        refused = changes.refusal(body, old, old | values)
        if refused is not None:
            raise CommandError(f"{refused}{who}", EXIT_USAGE)
    current = {(t["Key"], t["Value"]) for t in existing.get("Tags", [])}
    given = {(t["Key"], t["Value"]) for t in rollout.tags}
    if not rollout.tags or given == current or rollout.tags_when_stopped:
        return
    values = parameter_values(body, **(old | rollout.values))
    if names.C.CREATE_APPLICATION in body.get("Conditions", {}) and Conditions(
        body, values
    ).holds(names.C.CREATE_APPLICATION):
        raise CommandError(
            "changing the set's tags is refused: each stack's update would fail "
            "(and roll back) wherever a notebook keeps the EMR Serverless "
            "application started, since EMR Serverless changes a started "
            "application's tags only once it is stopped; stop the applications "
            "(EMR Studio, Applications, Stop; idle ones stop by themselves after "
            "IdleTimeoutMinutes), then run again with --tags-when-stopped",
            EXIT_USAGE,
        )


def pairs(values: dict[str, str]) -> str:
    """KEY=VALUE, comma-separated, or "none"."""
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "none"


def deploy(
    stack_set: StackSet,
    rollout: Rollout,
    confirm: Callable[[str], bool] | None = None,
) -> int:
    """Create or update the set, add the instances, apply overrides; summarise.
    With `confirm`, ask before anything changes, as deploy does."""
    for region in rollout.regions:
        check_region_types(region, rollout.template.body, "the template")
    cfn = stack_set.cfn
    existing = stack_set.describe()
    if existing is not None:
        refuse_changes(existing, rollout)
    overrides = [
        {"Account": mask(account), "Parameters": dict(values)}
        for account, values in rollout.overrides.items()
    ]
    stack_set.result.update(
        Action="UPDATE" if existing else "CREATE",
        Executed=False,
        OrganizationalUnits=list(rollout.ous),
        Regions=list(rollout.regions),
        Parameters=dict(rollout.values),
        Overrides=overrides,
    )
    params = set_parameters(rollout.values, existing, rollout.template.body)
    added = {
        p["ParameterKey"]: p["ParameterValue"]
        for p in params
        if "ParameterValue" in p and p["ParameterKey"] not in rollout.values
    }
    stack_set.say(
        f"{'Update' if existing else 'Create'} StackSet {stack_set.name}: every "
        f"account of {', '.join(rollout.ous)} (and accounts that join them) in "
        f"{', '.join(rollout.regions)}; parameters given: {pairs(rollout.values)}"
        + (
            f"; added for a new set: {pairs(added)} (IAM names carry the region, "
            "and each stack's bucket its own name)"
            if added
            else ""
        )
        + "".join(f"; for {o['Account']}: {pairs(o['Parameters'])}" for o in overrides)
    )
    try:
        agreed = confirm is None or confirm("Roll it out?")
    except (KeyboardInterrupt, EOFError):
        agreed = False
    if not agreed:
        stack_set.say("Nothing was changed.")
        return 1
    stack_set.result["Executed"] = True
    location = rollout.template.location(
        stack_set.aws.client("s3"), rollout.template_bucket
    )
    prefs = operation_preferences(
        rollout.failure_tolerance, rollout.max_concurrent, rollout.regions
    )
    targets = {"OrganizationalUnitIds": rollout.ous}
    common = {
        "StackSetName": stack_set.name,
        "CallAs": stack_set.call_as,
        **location,
        "Parameters": params,
        "Capabilities": CAPABILITIES,
        # Tags sent replace the set's and its stacks' tags, and an empty list
        # removes them all; tags not sent are kept ("UpdateStackSet", AWS
        # CloudFormation API Reference).
        **({"Tags": rollout.tags} if rollout.tags else {}),
        "PermissionModel": "SERVICE_MANAGED",
        # Accounts that join an OU get the stack; leaving removes it (the bucket
        # stays: DeletionPolicy Retain).
        "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
    }
    results = []
    if existing is None:
        cfn.create_stack_set(**common)
        stack_set.say(f"created StackSet {stack_set.name}")
    else:
        operation = cfn.update_stack_set(
            **common,
            DeploymentTargets=targets,
            Regions=rollout.regions,
            OperationPreferences=prefs,
        )["OperationId"]
        results.append(stack_set.follow(operation, "update of existing instances"))
    # Instances that exist already are left as they are (CreateStackInstances).
    operation = cfn.create_stack_instances(
        StackSetName=stack_set.name,
        CallAs=stack_set.call_as,
        DeploymentTargets=targets,
        Regions=rollout.regions,
        OperationPreferences=prefs,
    )["OperationId"]
    results.append(stack_set.follow(operation, "stack instances"))
    for account, values in rollout.overrides.items():
        operation = cfn.update_stack_instances(
            StackSetName=stack_set.name,
            CallAs=stack_set.call_as,
            DeploymentTargets={
                **targets,
                "Accounts": [account],
                "AccountFilterType": "INTERSECTION",
            },
            Regions=rollout.regions,
            ParameterOverrides=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in values.items()
            ],
            OperationPreferences=prefs,
        )["OperationId"]
        results.append(stack_set.follow(operation, f"overrides of {mask(account)}"))
    rows = stack_set.summary()
    bad = [r for r in rows if r.status not in ("SUCCEEDED", "CURRENT")]
    return 0 if all(s == "SUCCEEDED" for s in results) and not bad else 1


def status(stack_set: StackSet) -> int:
    """Print the set's state, auto-deployment and its instances."""
    found = stack_set.describe()
    if found is None:
        raise CommandError(f"no StackSet {stack_set.name} ({stack_set.aws.searched()})")
    auto = found.get("AutoDeployment", {})
    stack_set.result.update(
        Status=found.get("Status"),
        PermissionModel=found.get("PermissionModel"),
        AutomaticDeployment=bool(auto.get("Enabled")),
    )
    stack_set.say(
        f"StackSet {stack_set.name}: {found.get('Status', '?')}, "
        f"{found.get('PermissionModel', '?')} permissions, automatic deployment "
        f"{'on' if auto.get('Enabled') else 'off'}"
    )
    rows = stack_set.summary()
    return 0 if all(r.status in ("SUCCEEDED", "CURRENT") for r in rows) else 1


def retained_buckets(
    found: dict[str, Any], rows: Sequence[Row]
) -> list[dict[str, str]]:
    """The notebook bucket each deleted instance leaves, by the name the template
    gives it (the account as <account>: an ID is never printed)."""
    values = {
        p["ParameterKey"]: p.get("ParameterValue", "")
        for p in found.get("Parameters", [])
    }
    prefix = values.get(names.P.NAME_PREFIX, "")
    unique = values.get(names.P.UNIQUE_BUCKET_NAME) == "true"

    def bucket(row: Row) -> str:
        if values.get(names.P.BUCKET_NAME):
            return values[names.P.BUCKET_NAME]
        if not unique:
            return DEFAULT_BUCKET.format(
                prefix=prefix, account="<account>", region=row.region
            )
        # arn:...:stack/<name>/<uuid>: the template takes the UUID's first block.
        parts = row.stack_id.split("/")
        head = parts[2].split("-")[0] if len(parts) > 2 else "<stack ID>"
        return UNIQUE_BUCKET.format(
            prefix=prefix, account="<account>", region=row.region, head=head
        )

    return [
        {"Account": mask(r.account), "Region": r.region, "Bucket": bucket(r)}
        for r in rows
    ]


def destroy(stack_set: StackSet, confirm: Callable[[str], bool] | None = None) -> int:
    """Delete every stack instance, then the set; list the buckets that stay."""
    found = stack_set.describe()
    if found is None:  # as destroy says of a missing stack
        stack_set.say(
            f"StackSet {stack_set.name} does not exist ({stack_set.aws.searched()}); "
            "nothing to delete."
        )
        stack_set.result.update(Status=None, Deleted=False, Instances=[], Kept=[])
        return 0
    rows = instance_rows(stack_set.cfn, stack_set.name, stack_set.call_as)
    stack_set.result.update(
        Status=found.get("Status"),
        Deleted=False,
        Instances=instances_json(rows),
        Kept=[],
    )
    try:
        agreed = confirm is None or confirm(
            f"Delete StackSet {stack_set.name} and its {len(rows)} stack instances?"
        )
    except (KeyboardInterrupt, EOFError):
        agreed = False
    if not agreed:  # as destroy says it, and with its exit code
        stack_set.say("Nothing was deleted.")
        return 1
    if rows:
        ous = sorted({r.ou for r in rows if r.ou})
        regions = sorted({r.region for r in rows})
        operation = stack_set.cfn.delete_stack_instances(
            StackSetName=stack_set.name,
            CallAs=stack_set.call_as,
            DeploymentTargets={"OrganizationalUnitIds": ous},
            Regions=regions,
            RetainStacks=False,
            OperationPreferences=operation_preferences(0, 1, regions),
        )["OperationId"]
        if stack_set.follow(operation, "deletion of stack instances") != "SUCCEEDED":
            stack_set.summary()
            return 1
    stack_set.cfn.delete_stack_set(
        StackSetName=stack_set.name, CallAs=stack_set.call_as
    )
    stack_set.say(f"deleted StackSet {stack_set.name}")
    # StackSet.Status: ACTIVE | DELETED ("StackSet", AWS CloudFormation API
    # Reference); Kept names the account and region of each deleted instance.
    kept = retained_buckets(found, rows)
    stack_set.result.update(Status="DELETED", Deleted=True, Instances=[], Kept=kept)
    if kept:
        stack_set.say("Notebook buckets kept (DeletionPolicy Retain), per account:")
        for bucket in kept:
            stack_set.say(
                f"  {bucket['Account']} {bucket['Region']}: {bucket['Bucket']}"
            )
    return 0


def report(stack_set: StackSet, code: int) -> dict[str, Any]:
    """What --json prints after an action: what the action recorded (deploy:
    Action CREATE or UPDATE, Executed, targets, parameters, operations; status:
    the set's state; destroy: Deleted and the buckets kept) and the instances,
    account IDs shortened as in the table."""
    return {"StackSetName": stack_set.name, **stack_set.result, "Succeeded": code == 0}
