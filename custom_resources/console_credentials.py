"""Custom::ConsoleCredentials: console password (and access key) into Secrets Manager.

The same function also answers Custom::DefaultSecurityGroup, which removes every
rule from the new VPC's default security group. Standard library and boto3 only;
the generator inlines this file into the template.
Every event gets exactly one answer, SUCCESS or FAILED with a reason, before the
Lambda's deadline. No password or secret key is ever logged or answered.
"""

import json
import logging
import re
import secrets
import string
import threading
import time
import urllib.request

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

USER_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException"}
GUARD_SECONDS = 5.0
ATTEMPTS = 6
KEPT = ("Password", "AccessKeyId", "SecretAccessKey")
SIGN_IN = {
    "aws": "signin.aws.amazon.com",
    "aws-cn": "signin.amazonaws.cn",
    "aws-us-gov": "signin.amazonaws-us-gov.com",
}


class Failure(Exception):
    """A failure whose message is the reason CloudFormation shows."""


def log(event, **fields):
    """One structured log line; callers never pass secrets."""
    LOG.info(json.dumps(dict(event=event, **fields), default=str))


def code_of(error):
    return error.response.get("Error", {}).get("Code", "Unknown")


def call(fn, retry_codes=(), sleep=time.sleep, **kwargs):
    """Call an AWS API, retrying throttling (and retry_codes) with backoff."""
    for attempt in range(ATTEMPTS):
        try:
            return fn(**kwargs)
        except ClientError as error:
            code = code_of(error)
            if attempt + 1 == ATTEMPTS or (
                code not in THROTTLED and code not in retry_codes
            ):
                raise
            sleep(min(0.25 * 2**attempt, 4.0))
    raise AssertionError("unreachable")


def parse_bool(props, key):
    value = str(props.get(key, "false")).strip().lower()
    if value not in ("true", "false"):
        raise Failure(f"{key} must be 'true' or 'false', not {value!r}")
    return value == "true"


def parse(props):
    """Validate the resource properties; they arrive as strings."""
    user = props.get("UserName")
    if not isinstance(user, str) or not user:
        raise Failure("UserName is required")
    if not USER_RE.match(user):
        raise Failure("UserName is not a valid IAM user name")
    secret = props.get("SecretId")
    if not isinstance(secret, str) or not secret:
        raise Failure("SecretId is required")
    return {
        "user": user,
        "secret": secret,
        "key": parse_bool(props, "CreateAccessKey"),
        "token": str(props.get("RotationToken", "")),
    }


def physical_id(user):
    return f"console-credentials-{user}"


def sign_in_url(arn, iam):
    """Partition-correct console sign-in URL, by account alias when one is set."""
    parts = arn.split(":")
    domain = SIGN_IN.get(parts[1], SIGN_IN["aws"])
    try:
        aliases = call(iam.list_account_aliases).get("AccountAliases", [])
    except ClientError:
        aliases = []
    return f"https://{aliases[0] if aliases else parts[4]}.{domain}/console"


def new_password(iam):
    """A random password that satisfies the account's password policy."""
    try:
        policy = call(iam.get_account_password_policy)["PasswordPolicy"]
    except ClientError as error:
        if code_of(error) != "NoSuchEntity":
            raise
        policy = {}
    length = min(max(24, int(policy.get("MinimumPasswordLength", 0))), 128)
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS]
    chars = [secrets.choice(c) for c in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def set_password(iam, user, password):
    """Create the login profile, or replace its password; True if created."""
    try:
        call(
            iam.create_login_profile,
            retry_codes=("NoSuchEntity",),
            UserName=user,
            Password=password,
            PasswordResetRequired=True,
        )
        return True
    except ClientError as error:
        if code_of(error) != "EntityAlreadyExists":
            raise
    call(
        iam.update_login_profile,
        UserName=user,
        Password=password,
        PasswordResetRequired=True,
    )
    return False


def quietly(fn, **kwargs):
    """Call a delete API; what is already gone counts as done."""
    try:
        call(fn, **kwargs)
    except ClientError as error:
        if code_of(error) != "NoSuchEntity":
            raise


def stored(sm, secret):
    """The credentials a secret holds now; empty when none are readable."""
    try:
        value = json.loads(call(sm.get_secret_value, SecretId=secret)["SecretString"])
    except (ClientError, KeyError, ValueError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if k in KEPT}


def store(sm, secret, value):
    return call(sm.put_secret_value, SecretId=secret, SecretString=json.dumps(value))[
        "ARN"
    ]


def provision(iam, sm, props, url, previous=None):
    """Create (no previous properties) or update credentials; return the secret ARN."""
    user, secret = props["user"], props["secret"]
    value = stored(sm, previous["secret"]) if previous else {}
    rotate = not previous or previous["token"] != props["token"]
    created_profile, created_key = False, None
    try:
        if rotate or "Password" not in value:
            value["Password"] = new_password(iam)
            created_profile = set_password(iam, user, value["Password"])
            log("password-set", user=user, created=created_profile)
        if props["key"] and "AccessKeyId" not in value:
            key = call(iam.create_access_key, UserName=user)["AccessKey"]
            created_key = key["AccessKeyId"]
            value["AccessKeyId"] = created_key
            value["SecretAccessKey"] = key["SecretAccessKey"]
            log("access-key-created", user=user)
        value.update(UserName=user, ConsoleSignInUrl=url)
        arn = store(sm, secret, value)
    except Exception:
        if created_key:
            quietly(iam.delete_access_key, UserName=user, AccessKeyId=created_key)
        if created_profile:
            quietly(iam.delete_login_profile, UserName=user)
        raise
    if not props["key"] and "AccessKeyId" in value:
        quietly(iam.delete_access_key, UserName=user, AccessKeyId=value["AccessKeyId"])
        value.pop("AccessKeyId")
        value.pop("SecretAccessKey", None)
        arn = store(sm, secret, value)
        log("access-key-deleted", user=user)
    return arn


def remove(iam, sm, props):
    """Delete the login profile and the access key this resource created."""
    user = props["user"]
    key_id = stored(sm, props["secret"]).get("AccessKeyId")
    if key_id:
        quietly(iam.delete_access_key, UserName=user, AccessKeyId=key_id)
    quietly(iam.delete_login_profile, UserName=user)
    log("credentials-removed", user=user)


def handle(event, iam, sm):
    """Do the work of one event; return (physical ID, data)."""
    kind = event["RequestType"]
    raw = event.get("ResourceProperties", {})
    if kind == "Delete":
        try:
            props = parse(raw)
        except Failure:
            return event.get("PhysicalResourceId", "none"), {}
        if event.get("PhysicalResourceId") == physical_id(props["user"]):
            remove(iam, sm, props)
        return event["PhysicalResourceId"], {}
    props = parse(raw)
    url = sign_in_url(event["StackId"], iam)
    previous = None
    if kind == "Update":
        try:
            previous = parse(event.get("OldResourceProperties", {}))
        except Failure:
            previous = None
        if previous and previous["user"] != props["user"]:
            previous = None  # a new user: CloudFormation deletes the old resource
    arn = provision(iam, sm, props, url, previous)
    data = {"SecretArn": arn, "UserName": props["user"], "ConsoleSignInUrl": url}
    return physical_id(props["user"]), data


def close_default_group(event, ec2):
    """Remove every rule of the VPC's default security group; Delete keeps it."""
    group = event.get("ResourceProperties", {}).get("GroupId", "")
    if not re.match(r"^sg-[0-9a-f]{8,17}$", str(group)):
        if event["RequestType"] == "Delete":
            return event.get("PhysicalResourceId", "none"), {}
        raise Failure("GroupId must be a security group ID such as sg-0123abcd")
    if event["RequestType"] != "Delete":
        described = call(ec2.describe_security_groups, GroupIds=[group])
        found = described["SecurityGroups"][0]
        if found.get("IpPermissions"):
            call(
                ec2.revoke_security_group_ingress,
                GroupId=group,
                IpPermissions=found["IpPermissions"],
            )
        if found.get("IpPermissionsEgress"):
            call(
                ec2.revoke_security_group_egress,
                GroupId=group,
                IpPermissions=found["IpPermissionsEgress"],
            )
        log("default-group-closed", group=group)
    return f"default-security-group-{group}", {}


def dispatch(event):
    """Route the event to the handler of its resource type."""
    if event.get("ResourceType") == "Custom::DefaultSecurityGroup":
        return close_default_group(event, boto3.client("ec2"))
    return handle(event, boto3.client("iam"), boto3.client("secretsmanager"))


class Responder:
    """Sends exactly one response to CloudFormation's pre-signed URL."""

    def __init__(self, event, sleep=time.sleep):
        self.event = event
        self.sleep = sleep
        self.lock = threading.Lock()
        self.sent = False

    def send(self, status, physical, reason="", data=None):
        with self.lock:
            if self.sent:
                return False
            self.sent = True
        body = {
            "Status": status,
            "Reason": reason[:1000] or status,
            "PhysicalResourceId": physical,
            "StackId": self.event["StackId"],
            "RequestId": self.event["RequestId"],
            "LogicalResourceId": self.event["LogicalResourceId"],
            "NoEcho": True,
            "Data": data or {},
        }
        payload = json.dumps(body).encode()
        for attempt in range(ATTEMPTS):
            request = urllib.request.Request(
                self.event["ResponseURL"],
                data=payload,
                method="PUT",
                headers={"Content-Type": "", "Content-Length": str(len(payload))},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    log("responded", status=status, http=answer.status)
                    return True
            except Exception as error:  # noqa: BLE001 - any failure is retried
                log("response-retry", attempt=attempt + 1, error=type(error).__name__)
                self.sleep(min(0.5 * 2**attempt, 4.0))
        log("response-failed", status=status)
        return False


def fallback_id(event):
    """Physical ID of a FAILED answer: a failed Create's Delete must clean up."""
    if event.get("PhysicalResourceId"):
        return event["PhysicalResourceId"]
    if event.get("ResourceType") == "Custom::DefaultSecurityGroup":
        return f"failed-{event.get('LogicalResourceId', 'resource')}"
    try:
        return physical_id(parse(event.get("ResourceProperties", {}))["user"])
    except Failure:
        return f"failed-{event.get('LogicalResourceId', 'resource')}"


def handler(event, context):
    """Lambda entry point."""
    responder = Responder(event)
    kind = event.get("RequestType")
    log("received", request=kind, logical=event.get("LogicalResourceId"))
    seconds = context.get_remaining_time_in_millis() / 1000.0 - GUARD_SECONDS
    timer = threading.Timer(
        max(seconds, 0.0),
        lambda: responder.send(
            "FAILED", fallback_id(event), "Timed out before the work finished"
        ),
    )
    timer.daemon = True
    timer.start()
    try:
        physical, data = dispatch(event)
        responder.send("SUCCESS", physical, data=data)
    except Failure as error:
        log("failed", reason=str(error))
        responder.send("FAILED", fallback_id(event), str(error))
    except ClientError as error:
        operation = getattr(error, "operation_name", "AWS call")
        reason = f"{operation} failed: {code_of(error)}"
        log("failed", reason=reason)
        responder.send("FAILED", fallback_id(event), reason)
    except Exception as error:  # noqa: BLE001 - every event must be answered
        log("failed", reason=type(error).__name__)
        responder.send(
            "FAILED", fallback_id(event), f"Unexpected {type(error).__name__}"
        )
    finally:
        timer.cancel()
