"""`emrs-env verify`: every journey through IAM's policy simulator, and the
deployed state of the stack.

The journeys are generator/documents/journeys.py. Each request goes to
`SimulatePrincipalPolicy` (IAM API Reference, 'SimulatePrincipalPolicy': the
principal's identity policies, including group and managed policies, plus an
optional resource-based policy passed as `ResourcePolicy` with its
`ResourceOwner`; `ContextEntries` carry typed condition keys; results page with
`Marker`/`IsTruncated`), all actions of a request in one call. Throttling is
retried by the session's standard retry mode. Nothing printed holds an account
ID, an ARN or a secret value.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from generator.aws.session import Aws, error_code
from generator.aws.stack import existing_stack, stack_resources
from generator.documents import journeys
from generator.documents.journeys import Facts, Request
from generator.template.names import P, R
from generator.words import table as aligned_table

SECRET_KEYS = {"UserName", "Password", "ConsoleSignInUrl"}


@dataclass
class Result:
    """One step for one principal, or one check of the deployed state."""

    persona: str
    principal: str
    step: str
    expected: str
    result: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the result is what the table expects."""
        return self.result == self.expected


@dataclass
class Stack:
    """What verify reads from the stack once."""

    facts: Facts
    principals: dict[str, dict[str, str]]  # persona -> label -> ARN
    resources: dict[str, tuple[str, str]]  # logical ID -> (type, physical ID)
    parameters: dict[str, str]
    bucket_policy: str
    key_policy: str
    bucket_problem: str = ""  # why the bucket has no policy, for its failed check
    # Identity Center mode: label -> the session policy that narrows the user role
    session_policies: dict[str, str] = field(default_factory=dict)


def read_stack(aws: Aws) -> Stack:
    """The stack's resources and parameters as journey facts and principals."""
    stack = existing_stack(aws)
    params = {
        p["ParameterKey"]: p.get("ParameterValue", "")
        for p in stack.get("Parameters", [])
    }
    resources = {
        r.logical_id: (r.type, r.physical_id)
        for r in stack_resources(aws.client("cloudformation"), str(aws.stack))
    }
    caller = aws.client("sts").get_caller_identity()
    partition, account = caller["Arn"].split(":")[1], caller["Account"]
    iam = aws.client("iam")

    def physical(logical: str) -> str:
        return resources.get(logical, ("", ""))[1]

    def role_arn(name: str) -> str:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])

    principals: dict[str, dict[str, str]] = {p: {} for p in journeys.PERSONAS}
    secrets = {}
    for logical, (kind, phys) in resources.items():
        if kind == "AWS::IAM::User":
            persona = journeys.ADMIN if logical == R.ADMIN_USER else journeys.DEVELOPER
            principals[persona][phys] = iam.get_user(UserName=phys)["User"]["Arn"]
        if kind == "AWS::SecretsManager::Secret":
            secrets[logical] = phys
    for key, persona in (
        (P.ADMIN_ROLES, journeys.ADMIN),
        (P.DEV_ROLES, journeys.DEVELOPER),
    ):
        for name in filter(None, params.get(key, "").split(",")):
            principals[persona][name] = role_arn(name.strip())
    missing = [r for r in (R.RUNTIME_ROLE, R.STUDIO_ROLE, R.BUCKET) if not physical(r)]
    if missing:
        raise NotThisEnvironment(
            f"stack {aws.stack} has no {', '.join(missing)}: it is not an emrs-env "
            "environment (or it has not finished creating)"
        )
    session_policies = {}
    if physical(R.STUDIO_USER_ROLE):  # Identity Center mode
        user_role = role_arn(physical(R.STUDIO_USER_ROLE))
        for persona, policy in (
            (journeys.ADMIN, R.ADMIN_POLICY),
            (journeys.DEVELOPER, R.DEV_POLICY),
        ):
            label = f"Identity Center {persona}s"
            principals[persona][label] = user_role
            session_policies[label] = _policy_document(iam, physical(policy))
    principals[journeys.RUNTIME][R.RUNTIME_ROLE] = role_arn(physical(R.RUNTIME_ROLE))
    principals[journeys.STUDIO][R.STUDIO_ROLE] = role_arn(physical(R.STUDIO_ROLE))
    features = set()
    if secrets:
        features.add(journeys.USERS)
    if params.get(P.LIVY) == "true":
        features.add(journeys.LIVY)
    key_arn = ""
    if physical(R.KEY):
        features.add(journeys.CMK)
        key_arn = f"arn:{partition}:kms:{aws.region}:{account}:key/{physical(R.KEY)}"
    if physical(R.STUDIO):
        features.add(journeys.STUDIO_ON)
    if physical(R.APPLICATION):
        features.add(journeys.APPLICATION_ON)
    admin_secret = secrets.pop(f"{R.ADMIN_USER}Secret", "")
    facts = Facts(
        partition=partition,
        region=str(aws.region),
        account=account,
        bucket=physical(R.BUCKET),
        prefix=params.get(P.NAME_PREFIX, ""),
        stack=str(stack["StackName"]),
        stack_id=str(stack["StackId"]),
        runtime_role=principals[journeys.RUNTIME][R.RUNTIME_ROLE],
        studio_role=principals[journeys.STUDIO][R.STUDIO_ROLE],
        admin_secret=admin_secret,
        developer_secret=next(iter(sorted(secrets.values())), ""),
        application_id=physical(R.APPLICATION) or Facts.application_id,
        studio_id=physical(R.STUDIO) or Facts.studio_id,
        key_arn=key_arn,
        features=frozenset(features),
    )
    bucket_policy, bucket_problem = _bucket_policy(aws, facts.bucket)
    key_policy = ""
    if key_arn:
        key_policy = aws.client("kms").get_key_policy(
            KeyId=physical(R.KEY), PolicyName="default"
        )["Policy"]
    return Stack(
        facts,
        principals,
        resources,
        params,
        bucket_policy,
        key_policy,
        bucket_problem,
        session_policies,
    )


def _policy_document(iam: Any, arn: str) -> str:
    """A managed policy's default version, as JSON."""
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)
    return json.dumps(document["PolicyVersion"]["Document"])


class NotThisEnvironment(Exception):
    """The stack lacks the environment's resources; the message says which."""


def _bucket_policy(aws: Aws, bucket: str) -> tuple[str, str]:
    """The bucket's policy and '', or '' and why there is none (a failed check
    says so): GetBucketPolicy answers NoSuchBucketPolicy for a bucket without a
    policy and NoSuchBucket for a bucket deleted outside the stack ("GetBucketPolicy"
    and "Error responses", Amazon S3 API Reference)."""
    from botocore.exceptions import ClientError

    try:
        return str(aws.client("s3").get_bucket_policy(Bucket=bucket)["Policy"]), ""
    except ClientError as error:
        if error_code(error) == "NoSuchBucketPolicy":
            return "", (
                f"bucket {bucket} has no bucket policy; update the stack to restore it"
            )
        if error_code(error) == "NoSuchBucket":
            return "", (
                f"bucket {bucket} does not exist; it was deleted outside the stack"
            )
        raise


def context_entries(request: Request) -> list[dict[str, Any]]:
    """The request context as the simulator's typed ContextEntries."""
    entries = []
    for key, value in sorted(request.context.items()):
        values = list(value) if isinstance(value, tuple) else [value]
        kind = "boolean" if key in journeys.BOOLEAN_KEYS else "string"
        if len(values) > 1:
            kind += "List"
        entries.append(
            {"ContextKeyName": key, "ContextKeyValues": values, "ContextKeyType": kind}
        )
    return entries


def simulate(
    iam: Any, principal: str, request: Request, stack: Stack, session_policy: str = ""
) -> dict[str, tuple[str, str]]:
    """Each action's decision and, for a deny, what the simulator names.

    An Identity Center user's session is the user role narrowed by the session
    policy of their mapping: what both allow ("Create an EMR Studio user role with
    session policies", EMR Management Guide). The simulator takes no session
    policy, so it gets it as the permissions boundary, which narrows a role the
    same way for the role's own policies ("Policy evaluation logic", IAM User
    Guide); modelled, not observed."""
    kwargs: dict[str, Any] = {
        "PolicySourceArn": principal,
        "ActionNames": list(request.actions),
        "ResourceArns": [request.resource],
        "ContextEntries": context_entries(request),
    }
    if session_policy:
        kwargs["PermissionsBoundaryPolicyInputList"] = [session_policy]
    facts = stack.facts
    policy = ""
    if request.resource.startswith(f"arn:{facts.partition}:s3:::{facts.bucket}"):
        policy = stack.bucket_policy
    elif facts.key_arn and request.resource == facts.key_arn:
        policy = stack.key_policy
    if policy:
        kwargs["ResourcePolicy"] = policy
        kwargs["ResourceOwner"] = f"arn:{facts.partition}:iam::{facts.account}:root"
    decisions: dict[str, tuple[str, str]] = {}
    for page in iam.get_paginator("simulate_principal_policy").paginate(**kwargs):
        for result in page["EvaluationResults"]:
            decision = result["EvalDecision"]
            decisions[result["EvalActionName"]] = (decision, explain(result))
    return decisions


def explain(result: dict[str, Any]) -> str:
    """The denying statement, or what no statement allows, in the simulator's
    words (policy names only: a policy ID can hold an ARN)."""
    decision = result["EvalDecision"]
    if decision == "explicitDeny":
        names = sorted(
            {m.get("SourcePolicyId", "") for m in result.get("MatchedStatements", [])}
            - {""}
        )
        return "denied by " + (", ".join(names) or "an explicit deny")
    if decision == "implicitDeny":
        missing = result.get("MissingContextValues", [])
        return "no statement allows it" + (
            f" (missing context: {', '.join(missing)})" if missing else ""
        )
    return ""


def run_journeys(aws: Aws, stack: Stack) -> list[Result]:
    """Every applicable step for every principal of its persona."""
    iam = aws.client("iam")
    results = []
    for step in journeys.applicable(stack.facts):
        for label, arn in sorted(stack.principals[step.persona].items()):
            got, detail = journeys.ALLOWED, ""
            for request in step.requests:
                resolved = journeys.resolve(request, stack.facts)
                for action, (decision, why) in simulate(
                    iam, arn, resolved, stack, stack.session_policies.get(label, "")
                ).items():
                    allowed = decision == "allowed"
                    if step.expect == journeys.ALLOWED and not allowed:
                        got, detail = journeys.DENIED, f"{action}: {why}"
                    if step.expect == journeys.DENIED and allowed:
                        got, detail = journeys.ALLOWED, f"{action} is allowed"
                if step.expect == journeys.DENIED and not detail:
                    got = journeys.DENIED
            results.append(
                Result(step.persona, label, step.name, step.expect, got, detail)
            )
    return results


def _check(name: str, ok: bool, detail: str = "") -> Result:
    return Result("stack", "", name, "ok", "ok" if ok else "failed", detail)


def check_state(aws: Aws, stack: Stack) -> list[Result]:
    """The deployed resources match the parameters (no value of a secret shown)."""
    checks = []
    params, physical = stack.parameters, {k: v[1] for k, v in stack.resources.items()}
    if physical.get(R.APPLICATION):
        app = aws.client("emr-serverless").get_application(
            applicationId=physical[R.APPLICATION]
        )["application"]
        interactive = app.get("interactiveConfiguration", {})
        checks += [
            _check(
                "application exists",
                app["state"] not in ("TERMINATED",),
                f"state {app['state']}",
            ),
            _check(
                "application release label",
                app["releaseLabel"] == params.get(P.RELEASE_LABEL),
                app["releaseLabel"],
            ),
            _check(
                "application Studio sessions on", bool(interactive.get("studioEnabled"))
            ),
            _check(
                "application Livy endpoint as asked",
                bool(interactive.get("livyEndpointEnabled"))
                == (params.get(P.LIVY) == "true"),
            ),
            _check(
                "application in the VPC",
                bool(app.get("networkConfiguration", {}).get("subnetIds")),
            ),
        ]
    if physical.get(R.STUDIO):
        studio = aws.client("emr").describe_studio(StudioId=physical[R.STUDIO])[
            "Studio"
        ]
        checks += _identity_center_checks(aws, stack, studio)
        checks += [
            _check("Studio has a URL", bool(studio.get("Url"))),
            _check(
                "Studio subnets",
                2 <= len(studio.get("SubnetIds", [])) <= 5,
                f"{len(studio.get('SubnetIds', []))} subnets",
            ),
        ]
    secrets = aws.client("secretsmanager")
    for logical, (kind, arn) in sorted(stack.resources.items()):
        if kind == "AWS::SecretsManager::Secret":
            text = secrets.get_secret_value(SecretId=arn).get("SecretString", "")
            try:
                keys = set(json.loads(text))
            except (ValueError, TypeError):
                keys = set()
            missing = sorted(SECRET_KEYS - keys)
            checks.append(
                _check(
                    f"secret of {logical[: -len('Secret')]} has its keys",
                    not missing,
                    "missing " + ", ".join(missing) if missing else "",
                )
            )
    checks += _network_checks(aws, stack)
    return checks


def _identity_center_checks(
    aws: Aws, stack: Stack, studio: dict[str, Any]
) -> list[Result]:
    """The Studio's sign-in mode is the stack's, and in Identity Center mode every
    named group and user is mapped to the policy its list gives."""
    from generator.template.identity_center import MAPPED

    physical = {k: v[1] for k, v in stack.resources.items()}
    sso = bool(physical.get(R.STUDIO_USER_ROLE))
    mode = studio.get("AuthMode", "")
    checks = [_check("Studio sign-in mode", mode == ("SSO" if sso else "IAM"), mode)]
    if not sso:
        return checks
    checks.append(
        _check(
            "Studio assumes the user role",
            str(studio.get("UserRole", "")).endswith(
                "/" + physical[R.STUDIO_USER_ROLE]
            ),
        )
    )
    emr = aws.client("emr")
    mapped = {}
    for page in emr.get_paginator("list_studio_session_mappings").paginate(
        StudioId=physical[R.STUDIO]
    ):
        for m in page.get("SessionMappings", []):
            mapped[(m["IdentityType"], m.get("IdentityName", ""))] = m[
                "SessionPolicyArn"
            ]
    for entry in MAPPED:
        policy = physical[R.ADMIN_POLICY if entry.admin else R.DEV_POLICY]
        for name in stack.parameters.get(entry.parameter, "").split(","):
            if not name.strip():
                continue
            key = (entry.identity_type, name.strip())
            checks.append(
                _check(
                    f"{entry.identity_type.lower()} {name.strip()} mapped to the "
                    f"{'administrator' if entry.admin else 'developer'} policy",
                    mapped.get(key) == policy,
                    "not mapped" if key not in mapped else "",
                )
            )
    return checks


def _network_checks(aws: Aws, stack: Stack) -> list[Result]:
    """Private route tables reach S3 through the endpoint; NAT layout as asked."""
    tables = [
        phys
        for logical, (kind, phys) in sorted(stack.resources.items())
        if kind == "AWS::EC2::RouteTable" and logical != R.PUBLIC_ROUTE_TABLE
    ]
    if not tables:  # an existing VPC: its routes are the owner's
        return []
    ec2 = aws.client("ec2")
    checks = []
    found = ec2.describe_route_tables(RouteTableIds=tables)["RouteTables"]
    for table in found:
        has_endpoint = any(
            str(route.get("GatewayId", "")).startswith("vpce-")
            for route in table.get("Routes", [])
        )
        checks.append(
            _check(
                f"route table {table['RouteTableId']} reaches S3 "
                "through the gateway endpoint",
                has_endpoint,
            )
        )
    nats = [p for k, p in stack.resources.values() if k == "AWS::EC2::NatGateway"]
    layout = stack.parameters.get(P.NAT_GATEWAYS, "one-per-az")
    azs = int(stack.parameters.get(P.NUMBER_OF_AZS, "2") or 2)
    want = {"one-per-az": azs, "single": 1, "none": 0}.get(layout, azs)
    available = 0
    if nats:
        states = ec2.describe_nat_gateways(NatGatewayIds=nats)["NatGateways"]
        available = sum(1 for n in states if n["State"] == "available")
    checks.append(
        _check(
            f"NAT gateways match {layout}",
            available == want,
            f"{available} available, {want} expected",
        )
    )
    return checks


def verify(aws: Aws) -> list[Result]:
    """Journeys through the simulator, then the deployed-state checks; a stack
    that is not this environment, or a bucket without its policy, is a failed
    check, not an abort."""
    return verified(aws)[0]


def verified(aws: Aws) -> tuple[list[Result], Stack | None]:
    """verify()'s results and the stack it read (None when it is not this
    environment), for checks that run on the same reading (--smoke)."""
    try:
        stack = read_stack(aws)
    except NotThisEnvironment as exc:
        return [_check("stack is an emrs-env environment", False, str(exc))], None
    policy = [
        _check(
            "bucket has its TLS-only policy",
            bool(stack.bucket_policy),
            "" if stack.bucket_policy else stack.bucket_problem,
        )
    ]
    return policy + run_journeys(aws, stack) + check_state(aws, stack), stack


def render(results: list[Result], as_json: bool) -> str:
    """A table for people, or JSON for scripts."""
    if as_json:
        rows = [{**asdict(r), "ok": r.ok} for r in results]
        return json.dumps({"ok": all(r.ok for r in results), "results": rows}, indent=2)
    header = ("persona", "principal", "step", "expected", "result")
    rows = [(r.persona, r.principal, r.step, r.expected, r.result) for r in results]
    aligned = aligned_table(header, rows)
    lines = [aligned[0]]
    for result, line in zip(results, aligned[1:], strict=True):
        lines.append(line + ("" if result.ok else f"  <- {result.detail}"))
    failed = sum(1 for r in results if not r.ok)
    lines.append(
        f"{len(results) - failed} of {len(results)} as expected"
        + (f"; {failed} not" if failed else "")
    )
    return "\n".join(lines)
