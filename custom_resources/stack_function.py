"""The stack's custom-resource function: one Lambda, several resource types.

Custom::ConsoleCredentials puts a user's console password (and, if asked, an access
key) into Secrets Manager. Custom::DefaultSecurityGroup removes every rule from the
new VPC's default security group. Custom::StopApplicationBeforeUpdate and
Custom::StopApplicationBeforeDelete stop the EMR Serverless application (ending its
sessions) before CloudFormation changes or deletes it. Custom::NetworkCleanup
deletes the network interfaces EMR left in the stack's security groups when the
stack is deleted. Standard library and boto3 only; the generator inlines this file
into the template.

Guarantees, for every event of every type:
- exactly one answer, SUCCESS or FAILED with a reason, before the Lambda's deadline,
  whatever the event holds; a FAILED reason names the first failure, not a cleanup's;
- no password, secret key or account ID in a log line or an answer (its Data holds
  only what the template reads: nothing; StackId is CloudFormation's own echo);
- a request run again after it finished changes nothing (the secret records it);
- after any Create, Update or Delete of credentials, IAM holds exactly the access
  keys (none or one) and the login password the secret's current version records,
  whatever failed in between (unless the cleanup's own AWS calls fail too);
- that holds when runs for the same user overlap (Lambda may deliver an event
  twice): every write of the secret is a compare-and-swap on the version the run
  read, the others adopt what the last writer stored, and a run deletes only keys
  it made or that a current version marks retired, never a key the secret records.
"""

import hashlib
import json
import logging
import random
import re
import secrets
import string
import threading
import time
import traceback
import urllib.request
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

GUARD_SECONDS = 5.0
ATTEMPTS = 6
# Only botocore retries throttling and transient errors: standard mode, jittered
# backoff and a retry quota. max_attempts counts retries: 5, so 6 attempts, whose 5
# waits on throttling take at most 1+2+4+8+16 = 31 s, far inside the timeout: enough
# for the bursts of the few runs at once without hiding a lasting failure.
RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})
ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
# Passes of the credentials' settle loop, and the first of its random waits, which
# double up to 2 s: together at most 17.1 s, room for five copies of one event.
PASSES = 12
BACKOFF_SECONDS = 0.1
# Longest wait for an application to stop or interfaces to detach in one run; the
# function's timeout (generator/template/function.py) leaves room for it.
MAX_WAIT_SECONDS = 540.0


class Failure(Exception):
    """A failure whose message is the reason CloudFormation shows."""


class Clock:
    """When the deadline guard answers for the running event (monotonic seconds)."""

    guard_at = None


def seconds_left():
    """Seconds until the deadline guard answers; infinite outside a Lambda run."""
    return float("inf") if Clock.guard_at is None else Clock.guard_at - time.monotonic()


# --- shared: logging, AWS calls, answering CloudFormation --------------------------


def redact(text):
    """The text without account IDs (AWS error messages carry ARNs)."""
    return ACCOUNT_ID.sub("<account>", str(text))


def log(event, **fields):
    """One structured log line; callers never pass secrets."""
    LOG.info(json.dumps(dict(event=event, **fields), default=str))


def code_of(error):
    return error.response.get("Error", {}).get("Code", "Unknown")


def describe(error):
    """'Operation failed: Code: message', without account IDs."""
    operation = getattr(error, "operation_name", None) or "AWS call"
    message = error.response.get("Error", {}).get("Message", "")
    reason = f"{operation} failed: {code_of(error)}"
    return redact(f"{reason}: {message}" if message else reason)


# Network failures (time-outs, lost connections) that botocore gave up retrying:
# the call may or may not have happened at AWS.
NETWORK = (HTTPClientError, ConnectionError)


def reason_of(error):
    """What a failure says, without secrets or account IDs."""
    if isinstance(error, ClientError):
        return describe(error)
    if isinstance(error, NETWORK):
        return redact(f"AWS call failed: {error}")
    if isinstance(error, Failure):
        return redact(error)
    return f"Unexpected {type(error).__name__}"


def client(name):
    """A client of the service that retries as RETRIES says."""
    return boto3.client(name, config=RETRIES)


def call(fn, retry_codes=(), sleep=time.sleep, **kwargs):
    """Call an AWS API, retrying retry_codes (eventual consistency) with backoff;
    the client's botocore retries throttling, so it is not retried again here."""
    for attempt in range(ATTEMPTS):
        try:
            return fn(**kwargs)
        except ClientError as error:
            if attempt + 1 == ATTEMPTS or code_of(error) not in retry_codes:
                raise
            sleep(min(0.25 * 2**attempt, 4.0))
    raise AssertionError("unreachable")


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
            "Reason": redact(reason)[:1000] or status,
            "PhysicalResourceId": physical,
            "StackId": self.event.get("StackId"),
            "RequestId": self.event.get("RequestId"),
            "LogicalResourceId": self.event.get("LogicalResourceId"),
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


def properties(event, key="ResourceProperties"):
    """The event's properties ({} when absent); a Failure when not an object."""
    found = event.get(key, {})
    if not isinstance(found, dict):
        raise Failure(f"{key} must be an object")
    return found


def parse_bool(props, key):
    value = str(props.get(key, "false")).strip().lower()
    if value not in ("true", "false"):
        raise Failure(f"{key} must be 'true' or 'false', not {value!r}")
    return value == "true"


# --- Custom::ConsoleCredentials ----------------------------------------------------
# Runs for one user may overlap: Lambda may deliver an event more than once
# (Lambda Developer Guide, "Invoking a Lambda function asynchronously"), and the
# RequestId in the secret is read only at the start. The secret's current version
# decides, and a run writes only on top of the version it read (a compare-and-swap
# on the AWSCURRENT label: `store`). So a run
# - writes a new password into the secret, with a Claim, before IAM gets it, and
#   gives IAM only passwords read from the secret's current version;
# - treats a Claim it finds (a run, running or dead, may have changed IAM's
#   password) and a write refused because another run wrote first as "IAM's
#   password is unknown", and gives IAM the stored one;
# - answers after a pass in which IAM held exactly the access key and password the
#   current version records and no run wrote the secret. The others adopt what
#   it stored; keys it does not record are retired (below) before they are deleted.

USER_RE = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"):
# passwords never start with it, so a credentials CSV opens safely.
FORMULA_START = "=+-@"
# What the secret's JSON may hold; anything else (the placeholder's "Pending") goes.
KEPT = ("UserName", "ConsoleSignInUrl", "Password", "RequestId", "Claim", "Retired")
KEY_FIELDS = ("AccessKeyId", "SecretAccessKey")
SIGN_IN = {
    "aws": "signin.aws.amazon.com",
    "aws-cn": "signin.amazonaws.cn",
    "aws-us-gov": "signin.amazonaws-us-gov.com",
}


def parse(props):
    """Validate the resource properties; they arrive as strings."""
    user = props.get("UserName")
    if not isinstance(user, str) or not user:
        raise Failure("UserName is required")
    if not USER_RE.fullmatch(user):
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
    if chars[0] in FORMULA_START:  # a letter first, so no spreadsheet runs it
        first = next(i for i, c in enumerate(chars) if c.isalpha())
        chars[0], chars[first] = chars[first], chars[0]
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
    """(credentials the secret's current version holds, its version ID); ({}, None)
    for a missing secret.

    Only "not found" or the template's placeholder mean "nothing stored": any other
    read failure fails the event, so no key is made or lost unrecorded.
    """
    try:
        answer = call(sm.get_secret_value, SecretId=secret, VersionStage="AWSCURRENT")
    except ClientError as error:
        if code_of(error) == "ResourceNotFoundException":
            return {}, None
        raise Failure(
            f"cannot read the stored credentials: {describe(error)}"
        ) from error
    try:
        value = json.loads(answer.get("SecretString") or "{}")
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise Failure("the secret does not hold credentials JSON")
    kept = {k: v for k, v in value.items() if k in KEPT + KEY_FIELDS}
    return kept, answer.get("VersionId")


def version_of(sm, secret, stage):
    """ID of the secret's version that carries the staging label, or None."""
    try:
        answer = call(sm.get_secret_value, SecretId=secret, VersionStage=stage)
    except ClientError as error:
        if code_of(error) == "ResourceNotFoundException":
            return None
        raise
    return answer.get("VersionId")


# The label a run's proposed version carries until it becomes current. A version
# is written first under this label, which leaves AWSCURRENT where it is (Secrets
# Manager API Reference, PutSecretValue: "VersionStages"), and then made current
# with UpdateSecretVersionStage, which fails when AWSCURRENT is no longer on the
# version named in RemoveFromVersionId (API Reference, UpdateSecretVersionStage):
# a compare-and-swap, so a run never writes over a version it has not read.
PROPOSED = "emrs-env-proposed"


def again_if_lost(fn, **kwargs):
    """Call an API whose repeat with the same arguments is harmless, once more when
    its answer was lost on the network."""
    try:
        return call(fn, **kwargs)
    except NETWORK:
        return call(fn, **kwargs)


def store(sm, secret, value, base):
    """Make value the secret's current version if version `base` still is; True if
    it did, False when another run wrote first (nothing of this run is current).

    Both calls may be repeated: PutSecretValue with the same ClientRequestToken
    and value makes no second version, and a repeated move finds AWSCURRENT on
    this run's version (API Reference, PutSecretValue: "ClientRequestToken")."""
    mine = str(uuid.uuid4())
    again_if_lost(
        sm.put_secret_value,
        SecretId=secret,
        SecretString=json.dumps(value),
        ClientRequestToken=mine,
        VersionStages=[PROPOSED],
    )
    try:
        again_if_lost(
            sm.update_secret_version_stage,
            SecretId=secret,
            VersionStage="AWSCURRENT",
            MoveToVersionId=mine,
            RemoveFromVersionId=base,
        )
    except ClientError:
        current = version_of(sm, secret, "AWSCURRENT")
        if current == base:
            raise  # refused for another reason than another run's write
        return current == mine
    return True


def access_keys(iam, user):
    """The user's access key IDs, as IAM holds them (the source of truth)."""
    try:
        listed = call(iam.list_access_keys, UserName=user)
    except ClientError as error:
        if code_of(error) == "NoSuchEntity":
            return []
        raise
    return [k["AccessKeyId"] for k in listed.get("AccessKeyMetadata", [])]


def drop_keys(iam, user, key_ids):
    for key_id in key_ids:
        quietly(iam.delete_access_key, UserName=user, AccessKeyId=key_id)
        log("access-key-deleted", user=user)


class Run:
    """What one run knows: whether IAM's password may differ from the stored one
    (sync), the password this run last gave IAM (given), the access keys it made
    (made), and whether a CreateAccessKey of its own lost its answer (creating)."""

    def __init__(self):
        self.sync, self.given = False, None
        self.made, self.creating = set(), False


# Access keys IAM holds that the record does not are deleted in one of two ways.
# A key this run made is deleted at once: only the run that makes a key ever
# records it. Any other key is first marked Retired in a version this run writes
# (a compare-and-swap), and deleted once a current version marks it: no run records
# a key that the version it writes on marks, so a key another run is about to
# record is never deleted under it (its write fails, and it looks again).


def align(iam, sm, props, run, cleanup=False):
    """Bring IAM in line with the secret's current version: give IAM its password
    when run.sync, and delete the keys it does not record that this run made or
    that the version marks Retired. A cleanup (after a failure) deletes them even
    when setting the password fails.

    Returns (value, version, the keys IAM now holds, the other keys it holds that
    the version does not record: to retire)."""
    user, secret = props["user"], props["secret"]
    value, version = stored(sm, secret)
    password = value.get("Password")

    def drop_unrecorded():
        held = access_keys(iam, user)
        strays = [k for k in held if k != value.get("AccessKeyId")]
        done = [k for k in strays if k in run.made or k in value.get("Retired", [])]
        drop_keys(iam, user, done)
        held = [k for k in held if k not in done]
        return held, [k for k in strays if k not in done]

    try:
        if run.sync and password and password != run.given:
            created = set_password(iam, user, password)
            run.given = password
            log("password-set", user=user, created=created)
    except Exception:
        if cleanup:
            drop_unrecorded()
        raise
    return value, version, *drop_unrecorded()


def with_retired(wanted, held):
    """wanted, marking Retired every key IAM holds that it does not record (none:
    no field)."""
    marked = sorted(k for k in held if k != wanted.get("AccessKeyId"))
    wanted = {k: v for k, v in wanted.items() if k != "Retired"}
    return wanted | ({"Retired": marked} if marked else {})


def pause(attempt):
    """Wait a random, growing while after finding another run writing, so two
    copies of one event do not keep undoing each other in step."""
    time.sleep(random.uniform(0, min(BACKOFF_SECONDS * 2**attempt, 2.0)))


def settle(iam, sm, props, fields, run):
    """Make the secret hold `fields` and the access key props ask for, and IAM what
    the secret records; end after a pass in which nothing changed and no run wrote."""
    user, secret = props["user"], props["secret"]
    for attempt in range(PASSES):
        value, version, held, _ = align(iam, sm, props, run)
        wanted = {k: v for k, v in value.items() if k != "Claim"} | fields
        if not props["key"] or value.get("AccessKeyId") not in held:
            for field in KEY_FIELDS:
                wanted.pop(field, None)
        if props["key"] and "AccessKeyId" not in wanted:
            try:
                run.creating = True  # until its answer arrives
                key = call(iam.create_access_key, UserName=user)["AccessKey"]
                run.creating = False
            except ClientError as error:
                run.creating = False  # IAM answered: no key was made
                # IAM keeps two access keys per user (IAM User Guide, "IAM and
                # AWS STS quotas"): other runs hold both slots, so they are
                # writing. The next pass retires what the secret does not record.
                if code_of(error) != "LimitExceeded":
                    raise
                log("access-key-slots-full", user=user)
                pause(attempt)
                continue
            run.made.add(key["AccessKeyId"])
            wanted.update({field: key[field] for field in KEY_FIELDS})
            log("access-key-created", user=user)
        wanted = with_retired(wanted, held)
        if wanted == value:
            if version_of(sm, secret, "AWSCURRENT") == version:
                return
        elif store(sm, secret, wanted, version):
            continue  # nobody wrote in between: the next pass checks it at once
        else:
            run.sync, run.given = True, None  # IAM may hold the other run's password
        pause(attempt)
    raise Failure(f"other runs kept changing the credentials of {user}; retry")


def provision(iam, sm, props, url, request, previous=None):
    """Create (no previous properties) or update credentials, and settle them.

    After a failure, IAM is brought in line with whatever the secret then holds, and
    the failure, not a failed cleanup, is raised."""
    user, secret = props["user"], props["secret"]
    value, version = stored(sm, secret)
    run = Run()
    run.sync = "Claim" in value
    rotate = not previous or previous["token"] != props["token"]
    fields = {"UserName": user, "ConsoleSignInUrl": url}
    token = claimed = None
    try:
        for attempt in range(PASSES):
            if value.get("RequestId") == request and "Claim" not in value:
                log("already-done", user=user)  # a copy of this event finished
                break
            if not rotate and "Password" in value:
                break
            claim = {"Password": new_password(iam), "Claim": secrets.token_hex(8)}
            token, claimed = claim["Claim"], claim["Password"]
            run.sync = True  # before the write: one whose answers were lost may count
            if store(sm, secret, value | fields | claim, version):
                log("password-claimed", user=user)
                break
            pause(attempt)  # another run wrote first: look again at what it wrote
            value, version = stored(sm, secret)
            run.sync, token, claimed = "Claim" in value, None, None
        else:
            raise Failure(f"other runs kept changing the credentials of {user}")
        settle(iam, sm, props, fields | {"RequestId": request}, run)
    except Exception:
        try:
            # Again while another run wrote during the pass: a password given to
            # IAM from a version read before that write would be stale. A key
            # whose CreateAccessKey answer was lost is retired like another's.
            for _ in range(PASSES):
                value, version, held, others = align(iam, sm, props, run, cleanup=True)
                if others and run.creating:
                    retired = with_retired(value, held)
                    if store(sm, secret, retired, version):
                        continue
                elif version_of(sm, secret, "AWSCURRENT") == version:
                    break
        except Exception as error:  # noqa: BLE001 - the first failure is the answer
            log("cleanup-failed", user=user, reason=reason_of(error))
            if run.given != claimed:  # IAM never took this run's password
                withdraw(sm, secret, token)
        raise


def withdraw(sm, secret, token):
    """After IAM refused this run's password, put back the version before its
    claim, if the claim is still the secret's current version: that version is what
    IAM holds, since nobody wrote after this run. The write is a compare-and-swap
    on the claim, so a version another run wrote since is never undone."""
    if token is None:
        return
    try:
        claim, version = stored(sm, secret)
        if claim.get("Claim") != token:
            return  # another run wrote since: it brings IAM in line
        answer = call(sm.get_secret_value, SecretId=secret, VersionStage="AWSPREVIOUS")
        before = json.loads(answer["SecretString"])
        if store(sm, secret, before, version):
            log("claim-withdrawn", user=claim.get("UserName", ""))
    except Exception as error:  # noqa: BLE001 - the first failure is the answer
        log("withdraw-failed", reason=reason_of(error))


def remove(iam, props):
    """Delete the user's login profile and every access key IAM lists for it."""
    user = props["user"]
    drop_keys(iam, user, access_keys(iam, user))
    quietly(iam.delete_login_profile, UserName=user)
    log("credentials-removed", user=user)


def stack_user_path(stack_id):
    """The IAM path of the stack's users, /emrs-env/<region>/<stack name>/, from
    the stack's ID (arn:<partition>:cloudformation:<region>:<account>:stack/<name>/
    <uuid>); the template gives its users this path (generator names.USER_PATH)."""
    parts = str(stack_id).split(":")
    resource = parts[5].split("/") if len(parts) == 6 else []
    if len(resource) != 3 or resource[0] != "stack" or not parts[3]:
        raise Failure("StackId is not a CloudFormation stack ARN")
    return f"/emrs-env/{parts[3]}/{resource[1]}/"


def users_path(iam, user):
    """The IAM path of the user, or None when there is no such user. A user the
    stack just made may not be visible yet (IAM is eventually consistent)."""
    try:
        found = call(iam.get_user, retry_codes=("NoSuchEntity",), UserName=user)
    except ClientError as error:
        if code_of(error) == "NoSuchEntity":
            return None
        raise
    return found["User"].get("Path", "/")


def check_stack_user(iam, user, stack_id):
    """Refuse a user outside the stack's IAM path: the function acts only on its
    own stack's users, whatever an event names."""
    path = users_path(iam, user)
    if path is None:
        raise Failure(f"IAM user {user} does not exist")
    if path != stack_user_path(stack_id):
        raise Failure(
            f"IAM user {user} is not one of this stack's users (they have the path "
            f"{stack_user_path(stack_id)}); nothing was changed"
        )


def credentials_create(event, clients):
    """Create or Update; the answer carries no data (no template output reads it)."""
    props = parse(properties(event))
    iam = clients("iam")
    check_stack_user(iam, props["user"], event["StackId"])
    url = sign_in_url(event["StackId"], iam)
    previous = None
    if event["RequestType"] == "Update":
        try:
            previous = parse(properties(event, "OldResourceProperties"))
        except Failure:
            previous = None
        if previous and previous["user"] != props["user"]:
            previous = None  # a new user: CloudFormation deletes the old resource
    provision(iam, clients("secretsmanager"), props, url, event["RequestId"], previous)
    return physical_id(props["user"]), {}


def credentials_delete(event, clients):
    physical = event.get("PhysicalResourceId", "none")
    try:
        props = parse(properties(event))
    except Failure:
        return physical, {}
    if physical == physical_id(props["user"]):
        iam = clients("iam")
        path = users_path(iam, props["user"])
        if path is not None and path != stack_user_path(event["StackId"]):
            log("not-this-stacks-user", user=props["user"])  # nothing to remove
        elif path is not None:
            remove(iam, props)
    return physical, {}


def credentials_failed_id(event):
    try:
        return physical_id(parse(properties(event))["user"])
    except Failure:
        return None


# --- Custom::DefaultSecurityGroup --------------------------------------------------

GROUP_RE = re.compile(r"sg-[0-9a-f]{8,17}")


def group_of(event):
    group = str(properties(event).get("GroupId", ""))
    if not GROUP_RE.fullmatch(group):
        raise Failure("GroupId must be a security group ID such as sg-0123abcd")
    return group


def close_default_group(event, clients):
    """Remove every rule of the VPC's default security group."""
    group = group_of(event)
    ec2 = clients("ec2")
    found = call(ec2.describe_security_groups, GroupIds=[group])["SecurityGroups"][0]
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


def keep_default_group(event, clients):
    """Delete leaves the group as it is (EC2 deletes it with the VPC)."""
    return event.get("PhysicalResourceId", "none"), {}


# --- Custom::StopApplicationBeforeUpdate / Custom::StopApplicationBeforeDelete -----
# EMR Serverless updates and deletes an application only in state CREATED or STOPPED
# (UpdateApplication / DeleteApplication, EMR Serverless API Reference), and
# StopApplication needs every scheduled and running job run completed or cancelled
# first (StopApplication, EMR Serverless API Reference). States: "Application
# states", EMR Serverless User Guide.

APP_ID_RE = re.compile(r"[0-9a-z]{1,64}")
LOGICAL_RE = re.compile(r"[A-Za-z0-9]{1,255}")
SETTLED = ("CREATED", "STOPPED", "TERMINATED")
ACTIVE_RUNS = ["SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "QUEUED"]
POLL_SECONDS = 10.0
# The wait stops this long before the deadline guard, so the answer names the
# application's state instead of a bare time-out.
WAIT_MARGIN_SECONDS = 10.0
GONE = ("ResourceNotFoundException",)


def application_state(emrs, app_id):
    """The application's state, or None when it no longer exists."""
    try:
        found = call(emrs.get_application, applicationId=app_id)
    except ClientError as error:
        if code_of(error) in GONE:
            return None
        raise
    return found["application"]["state"]


def cancel_runs(emrs, app_id):
    """Cancel every job run that keeps the application started; return how many."""
    pages = emrs.get_paginator("list_job_runs").paginate(
        applicationId=app_id, states=ACTIVE_RUNS
    )
    try:
        runs = [run["id"] for page in pages for run in page.get("jobRuns", [])]
    except ClientError as error:  # gone since GetApplication: nothing runs
        if code_of(error) not in GONE:
            raise
        return 0
    cancelled = 0
    for run in runs:
        try:
            call(emrs.cancel_job_run, applicationId=app_id, jobRunId=run)
            cancelled += 1
        except ClientError as error:
            if code_of(error) not in GONE + ("ValidationException",):
                raise
    return cancelled


def stop_and_wait(
    emrs,
    app_id,
    operation,
    say=None,
    sleep=None,
    clock=None,
    poll=None,
    budget=None,
):
    """Stop the application, cancelling its job runs, and wait until it is stopped.

    The one routine for both sides: the stack's guards call it, and so does
    `emrs-env destroy` (generator/aws/destroy.py), which passes `say` for lines
    people read and its own time budget. Returns the settled state (None when the
    application is gone). Raises Failure before the deadline guard when the
    application does not stop in time.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    poll = POLL_SECONDS if poll is None else poll
    if budget is None:
        budget = min(seconds_left() - WAIT_MARGIN_SECONDS, MAX_WAIT_SECONDS)
    until = clock() + budget
    state = application_state(emrs, app_id)
    told = waited = False
    while state is not None and state not in SETTLED:
        waited = True
        if state == "STARTED":
            cancelled = cancel_runs(emrs, app_id)
            if say and not told:
                say(f"Stopping application {app_id} ({state}); running sessions end.")
                told = True
            try:
                call(emrs.stop_application, applicationId=app_id)
                log("application-stopping", application=app_id, cancelled=cancelled)
            except ClientError as error:  # runs still ending: try again next poll
                if code_of(error) != "ValidationException":
                    raise
                log(
                    "application-stop-refused",
                    application=app_id,
                    reason=describe(error),
                )
        if clock() + poll > until:
            raise Failure(
                f"application {app_id} is still {state} after waiting "
                f"{max(int(budget), 0)} s, so CloudFormation cannot {operation} it. "
                "Stop it in the EMR Studio console (Applications, Stop) or with "
                "'aws emr-serverless stop-application', wait until it is STOPPED, "
                "then retry"
            )
        sleep(poll)
        state = application_state(emrs, app_id)
    log("application-settled", application=app_id, state=state)
    if say and waited and state is not None:
        say(f"Application {app_id} is {state}.")
    return state


def stack_physical_id(cfn, stack, logical):
    """Physical ID of one of the stack's resources, or None before it exists."""
    try:
        found = call(
            cfn.describe_stack_resource, StackName=stack, LogicalResourceId=logical
        )
    except ClientError as error:
        # DescribeStackResource (CloudFormation API Reference) answers
        # ValidationError "Resource ... does not exist for stack" before it exists.
        if code_of(error) == "ValidationError":
            return None
        raise
    return found["StackResourceDetail"].get("PhysicalResourceId") or None


def update_guard_target(event):
    logical = str(properties(event).get("StackResource", ""))
    if not LOGICAL_RE.fullmatch(logical):
        raise Failure("StackResource must be the application's logical ID")
    return logical


def stack_status(cfn, stack):
    """The stack's status, or None when it cannot be read."""
    try:
        found = call(cfn.describe_stacks, StackName=stack)["Stacks"]
    except ClientError as error:
        log("stack-status-unknown", reason=describe(error))
        return None
    return found[0].get("StackStatus") if found else None


def rolling_back(cfn, stack):
    """Whether the stack is rolling an update back (DescribeStacks StackStatus
    UPDATE_ROLLBACK_IN_PROGRESS): CloudFormation then sends this resource another
    Update with the old and new properties swapped (aws-cdk issue 17040), and a
    FAILED answer would leave the stack in UPDATE_ROLLBACK_FAILED."""
    return (stack_status(cfn, stack) or "").startswith("UPDATE_ROLLBACK")


def _camel(key):
    return key[:1].lower() + key[1:]


def _normal(value):
    """A property value as GetApplication writes it: camelCase keys, Tags as a
    map, lists as sets, scalars as lower-case text without spaces."""
    if isinstance(value, dict):
        return {_camel(k): _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        if all(isinstance(v, dict) and set(v) == {"Key", "Value"} for v in value):
            return {v["Key"]: _normal(v["Value"]) for v in value}
        return sorted(str(_normal(v)) for v in value)
    return str(value).lower().replace(" ", "")


def _within(target, live):
    if isinstance(target, dict):
        return isinstance(live, dict) and all(
            k in live and _within(v, live[k]) for k, v in target.items()
        )
    return target == live


def already_applied(emrs, app_id, target):
    """Whether the live application already has every target property: then
    CloudFormation has nothing to change on it and nothing needs stopping. A
    property GetApplication does not show counts as different."""
    try:
        live = call(emrs.get_application, applicationId=app_id)["application"]
    except ClientError:
        return False
    return isinstance(target, dict) and _within(_normal(target), _normal(live))


def stop_before_update(event, clients):
    """Runs before CloudFormation updates (or replaces) the application. During a
    rollback it stops the application only when the live one differs from the
    properties rolled back to, and never answers FAILED."""
    logical = update_guard_target(event)
    physical = f"stop-before-update-{logical}"
    old = properties(event, "OldResourceProperties")
    target = properties(event).get("Application")
    changed = target != old.get("Application")
    if event["RequestType"] != "Update" or not changed:
        return physical, {}
    cfn = clients("cloudformation")
    app_id = stack_physical_id(cfn, event["StackId"], logical)
    if not app_id or not APP_ID_RE.fullmatch(app_id):
        return physical, {}
    emrs = clients("emr-serverless")
    if not rolling_back(cfn, event["StackId"]):
        stop_and_wait(emrs, app_id, "update")
        return physical, {}
    try:
        if already_applied(emrs, app_id, target):
            log("rollback-nothing-to-stop", application=app_id)
        else:
            stop_and_wait(emrs, app_id, "update")
    except (Failure, ClientError) as error:
        reason = str(error) if isinstance(error, Failure) else describe(error)
        log("rollback-stop-failed", application=app_id, reason=reason)
    return physical, {}


def nothing_before_delete(event, clients):
    """Delete: the delete guard, not this resource, stops the application."""
    return event.get("PhysicalResourceId", "none"), {}


def delete_guard_target(event):
    app_id = str(properties(event).get("ApplicationId", ""))
    if not APP_ID_RE.fullmatch(app_id):
        raise Failure("ApplicationId must be an EMR Serverless application ID")
    return app_id


def watch_application(event, clients):
    """Create/Update: only check the ID; the work happens on Delete."""
    return f"stop-before-delete-{delete_guard_target(event)}", {}


def stop_before_delete(event, clients):
    """Runs before CloudFormation deletes the application: stop it and wait."""
    physical = event.get("PhysicalResourceId", "none")
    try:
        app_id = delete_guard_target(event)
    except Failure:
        return physical, {}  # a failed Create: nothing was watched
    if physical == f"stop-before-delete-{app_id}":
        stop_and_wait(clients("emr-serverless"), app_id, "delete")
    return physical, {}


# --- Custom::NetworkCleanup ----------------------------------------------------------
# EC2 deletes a security group or subnet only when no network interface uses it
# (DeleteSecurityGroup / DeleteSubnet: DependencyViolation), and deletes a network
# interface only when it is detached, status "available" (DeleteNetworkInterface,
# EC2 API Reference). EMR Studio workspaces are not stack resources and EMR's API
# has no call to list or delete them, so only their interfaces are cleaned up.

CLEANUP_ID = "network-interface-cleanup"


def groups_of(event):
    groups = properties(event).get("SecurityGroupIds")
    if not isinstance(groups, list) or not groups:
        raise Failure("SecurityGroupIds must list the stack's security group IDs")
    for group in groups:
        if not isinstance(group, str) or not GROUP_RE.fullmatch(group):
            raise Failure("SecurityGroupIds must hold IDs such as sg-0123abcd")
    return sorted(set(groups))


def interfaces_in(ec2, groups):
    """(network interface ID, status) of every interface in these groups."""
    pages = ec2.get_paginator("describe_network_interfaces").paginate(
        Filters=[{"Name": "group-id", "Values": groups}]
    )
    return [
        (n["NetworkInterfaceId"], n.get("Status", ""))
        for page in pages
        for n in page.get("NetworkInterfaces", [])
    ]


def clear_interfaces(ec2, groups):
    """Delete detached interfaces in the groups; wait a bounded time for the rest."""
    budget = min(seconds_left() - WAIT_MARGIN_SECONDS, MAX_WAIT_SECONDS)
    until = time.monotonic() + budget
    while True:
        attached = []
        for eni, status in interfaces_in(ec2, groups):
            if status != "available":
                attached.append(eni)
                continue
            try:
                call(ec2.delete_network_interface, NetworkInterfaceId=eni)
                log("network-interface-deleted", eni=eni)
            except ClientError as error:
                if code_of(error) != "InvalidNetworkInterfaceID.NotFound":
                    raise
        if not attached:
            return
        if time.monotonic() + POLL_SECONDS > until:
            raise Failure(
                f"network interfaces {', '.join(sorted(attached))} in the stack's "
                f"security groups are still attached after {max(int(budget), 0)} s. "
                "EMR Studio workspaces or the application made them and are not "
                "stack resources: stop or delete those workspaces, or detach and "
                "delete the interfaces in the EC2 console (Network interfaces), "
                "then retry the stack delete"
            )
        time.sleep(POLL_SECONDS)


def cleanup_id(groups):
    """The physical ID names the groups, so an update that drops or replaces one
    (CreateStudio or CreateApplication to false, another ExistingVpcId) gives a
    new ID: an Update answered with a new physical ID is a replacement, and
    CloudFormation sends the old one a Delete after the update ("Custom resource
    request types: Update", CloudFormation User Guide), after the Studio that
    depends on it and before the old groups it names; that Delete clears what EMR
    left in them."""
    return "-".join([CLEANUP_ID, *(g.removeprefix("sg-") for g in groups)])


def groups_in(physical):
    """The groups a physical ID names (none for the ID before groups were named)."""
    if not physical.startswith(CLEANUP_ID + "-"):
        return set()
    return {"sg-" + g for g in physical[len(CLEANUP_ID) + 1 :].split("-") if g}


def check_groups(event, clients):
    """Create/Update: validate, and name the groups in the physical ID."""
    return cleanup_id(groups_of(event)), {}


def clean_network(event, clients):
    """Delete: remove what EMR left in the groups so they and the subnets can go.
    After an update that replaced this resource, only the groups the new one no
    longer names are cleared (the others are still in use)."""
    physical = event.get("PhysicalResourceId", "none")
    try:
        groups = groups_of(event)
    except Failure:
        return physical, {}
    if physical != CLEANUP_ID and not physical.startswith(CLEANUP_ID + "-"):
        return physical, {}  # a failed Create: nothing was cleaned up for
    current = stack_physical_id(
        clients("cloudformation"), event["StackId"], event["LogicalResourceId"]
    )
    if current and current != physical:
        groups = sorted(set(groups) - groups_in(current))
    if groups:
        clear_interfaces(clients("ec2"), groups)
    return physical, {}


# --- Custom::ChangeGuard ------------------------------------------------------------
# The template's change matrix (generator/template/changes.py) travels in this
# resource's properties: one check per refused transition, each a test, a scope, a
# value the template computes from the parameters, and the refusal in words. An
# update that changes a value changes the properties, so CloudFormation sends this
# resource an Update; answering FAILED rolls the whole stack update back, and
# resources replaced or removed by it are deleted only in the cleanup after success
# ("Update behaviors of stack resources", CloudFormation User Guide), so nothing is
# lost. The other resources that a refused change would reach depend on this one.
# On rollback CloudFormation sends another Update with old and new swapped (aws-cdk
# issue 17040): only an update in progress is judged, so a rollback always passes.

GUARD_ID = "change-guard"
TESTS = ("changed", "dropped", "shrinks", "moved", "fits")
CHECK_FIELDS = ("Test", "Scope", "Value", "Refusal", "Limit")
LIMIT_RE = re.compile(r"([0-9]{1,3})-([0-9]{1,3})")
JUDGED_STATUS = "UPDATE_IN_PROGRESS"


def checks_of(props):
    """The guard's checks by name, validated: each a Test, a Refusal and, as text
    that may be absent when empty, a Scope, a Value and (for "fits") a Limit."""
    checks = props.get("Checks")
    if not isinstance(checks, dict):
        raise Failure("Checks must be an object of named checks")
    found = {}
    for name, check in checks.items():
        if not isinstance(check, dict) or not set(check) <= set(CHECK_FIELDS):
            raise Failure(f"check {name[:64]!r} must hold {', '.join(CHECK_FIELDS)}")
        check = {"Scope": "", "Value": "", "Limit": ""} | check
        if not all(isinstance(check.get(f), str) for f in CHECK_FIELDS):
            raise Failure(f"check {name[:64]!r} must hold text values")
        if check["Test"] not in TESTS:
            raise Failure(f"check {name[:64]!r} has an unknown test")
        if (check["Test"] == "fits") != bool(LIMIT_RE.fullmatch(check["Limit"])):
            raise Failure(f"check {name[:64]!r} needs a Limit LOW-HIGH with fits")
        found[name] = check
    return found


def identities(value):
    """Each named identity (type, name) of a 'moved' value and its place: the
    value is the lists joined by '|', each 'TYPE:name,name' in a fixed order."""
    found = {}
    for index, segment in enumerate(value.split("|")):
        kind, _, names = segment.partition(":")
        for position, name in enumerate(n.strip() for n in names.split(",")):
            if name:
                found.setdefault((kind, name), (index, position))
    return found


def refuses(test, old, new):
    """Whether going from the old value to the new one is refused by the test."""
    if test == "dropped":
        return bool(old) and not new
    if not old or not new:
        return False
    if test == "changed":
        return old != new
    if test == "shrinks":
        return bool(set(old.split(",")) - set(new.split(",")))
    before, after = identities(old), identities(new)
    return any(before.get(k, place) != place for k, place in after.items())


def overflows(check):
    """Whether a "fits" check's list is used and holds fewer or more items than
    its Limit allows (CloudFormation Rules cannot count list items)."""
    items = [item for item in check["Value"].split(",") if item.strip()]
    low, high = (int(n) for n in LIMIT_RE.fullmatch(check["Limit"]).groups())
    return bool(items) and not low <= len(items) <= high


def judge(old_checks, new_checks):
    """The refusal of the first check whose transition is refused, or whose list
    does not fit, or None. A check the old properties lack, or whose scope
    changed (the resource it guards is replaced, so it is not updated), refuses
    no transition."""
    for name, check in new_checks.items():
        if check["Test"] == "fits":
            if overflows(check):
                return check["Refusal"]
            continue
        before = old_checks.get(name)
        if not isinstance(before, dict) or before.get("Scope") != check["Scope"]:
            continue
        if refuses(check["Test"], before.get("Value", ""), check["Value"]):
            return check["Refusal"]
    return None


def guard_change(event, clients):
    """Create/Update: validate the checks; on an update in progress, refuse the
    first transition a check refuses. Never during a rollback."""
    new = checks_of(properties(event))
    if event["RequestType"] != "Update":
        refusal = judge({}, new)  # a create: only the lists' sizes
        if refusal is not None:
            raise Failure(refusal)
        return GUARD_ID, {}
    try:
        old = checks_of(properties(event, "OldResourceProperties"))
    except Failure:
        old = {}  # an earlier version's properties: nothing to compare
    refusal = judge(old, new)
    if refusal is None:
        return GUARD_ID, {}
    status = stack_status(clients("cloudformation"), event["StackId"])
    if status != JUDGED_STATUS:
        log("guard-passed", status=status)  # a rollback, or a status unknown
        return GUARD_ID, {}
    log("guard-refused")
    raise Failure(refusal)


def guard_delete(event, clients):
    """Delete: never blocks a stack delete."""
    return event.get("PhysicalResourceId", GUARD_ID), {}


# --- Custom::CostBudget ------------------------------------------------------------
# A monthly AWS Budgets cost budget of the stack's resources, made through the
# Budgets API because AWS::Budgets::Budget is unknown to CloudFormation's registry
# in many regions EMR Serverless serves (cfn-lint's provider lists). Modelled on the
# AWS Budgets API Reference: CreateBudget with NotificationsWithSubscribers (an
# existing name answers DuplicateRecordException), DeleteBudget (NotFoundException
# when gone), CostFilters TagKeyValue "<key>$<value>". The budget's name carries a
# digest of its settings, so a change is a new budget (a new physical ID) and
# CloudFormation deletes the old one after the update, or the new one on rollback;
# Budgets recomputes the month's spend from billing data either way.

BUDGET_PREFIX = "emrs-env-"
BUDGET_ALERTS = (("ACTUAL", 80.0), ("ACTUAL", 100.0), ("FORECASTED", 100.0))
EMAIL_RE = re.compile(r"[^@\s,]{1,40}@[^@\s,]+\.[^@\s,]+")
STACK_ARN_RE = re.compile(
    r"arn:[\w-]+:cloudformation:[\w-]+:([0-9]{12}):stack/([\w-]{1,128})/([0-9a-f]{8})"
)


def budget_of(event):
    """(name, account, amount, e-mail, stack name) of the budget the event asks for."""
    props = properties(event)
    try:
        amount = float(str(props.get("MonthlyUsd", "")))
    except ValueError:
        raise Failure("MonthlyUsd must be a number of US dollars") from None
    if not 0 < amount <= 1_000_000:
        raise Failure("MonthlyUsd must be above 0 and at most 1,000,000")
    email = str(props.get("Email", ""))
    if len(email) > 50 or not EMAIL_RE.fullmatch(email):
        raise Failure("Email must be one e-mail address of at most 50 characters")
    found = STACK_ARN_RE.match(str(event.get("StackId", "")))
    if not found:
        raise Failure("StackId is not a CloudFormation stack ARN")
    account, stack, head = found.groups()
    digest = hashlib.sha256(f"{amount:.2f}|{email}".encode()).hexdigest()[:8]
    name = f"{BUDGET_PREFIX}{head}-{digest}-{stack}"[:100]
    return name, account, amount, email, stack


def budget_create(event, clients):
    """Create (or, after a change, create anew) the budget; its name is the ID."""
    name, account, amount, email, stack = budget_of(event)
    subscriber = {"SubscriptionType": "EMAIL", "Address": email}
    try:
        call(
            clients("budgets").create_budget,
            AccountId=account,
            Budget={
                "BudgetName": name,
                "BudgetLimit": {"Amount": f"{amount:.2f}", "Unit": "USD"},
                "CostFilters": {
                    "TagKeyValue": [f"aws:cloudformation:stack-name${stack}"]
                },
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
            },
            NotificationsWithSubscribers=[
                {
                    "Notification": {
                        "NotificationType": kind,
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": percent,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": [subscriber],
                }
                for kind, percent in BUDGET_ALERTS
            ],
        )
        log("budget-created")
    except ClientError as error:
        if code_of(error) != "DuplicateRecordException":
            raise  # a run again after it finished finds its budget made
    return name, {}


def budget_delete(event, clients):
    """Delete the budget the physical ID names; one already gone is done."""
    physical = event.get("PhysicalResourceId", "none")
    found = STACK_ARN_RE.match(str(event.get("StackId", "")))
    if not physical.startswith(BUDGET_PREFIX) or not found:
        return physical, {}  # a failed Create: nothing was made
    try:
        call(
            clients("budgets").delete_budget,
            AccountId=found.group(1),
            BudgetName=physical,
        )
        log("budget-deleted")
    except ClientError as error:
        if code_of(error) != "NotFoundException":
            raise
    return physical, {}


# --- the registry: resource type -> its operations ---------------------------------

HANDLERS = {
    "Custom::ConsoleCredentials": {
        "Create": credentials_create,
        "Update": credentials_create,
        "Delete": credentials_delete,
        "failed_id": credentials_failed_id,
    },
    "Custom::DefaultSecurityGroup": {
        "Create": close_default_group,
        "Update": close_default_group,
        "Delete": keep_default_group,
    },
    "Custom::StopApplicationBeforeUpdate": {
        "Create": stop_before_update,
        "Update": stop_before_update,
        "Delete": nothing_before_delete,
    },
    "Custom::StopApplicationBeforeDelete": {
        "Create": watch_application,
        "Update": watch_application,
        "Delete": stop_before_delete,
    },
    "Custom::CostBudget": {
        "Create": budget_create,
        "Update": budget_create,
        "Delete": budget_delete,
    },
    "Custom::ChangeGuard": {
        "Create": guard_change,
        "Update": guard_change,
        "Delete": guard_delete,
    },
    "Custom::NetworkCleanup": {
        "Create": check_groups,
        "Update": check_groups,
        "Delete": clean_network,
    },
}


def dispatch(event, clients=None):
    """Route the event to its resource type's operation; return (physical, data)."""
    clients = clients or client
    kind, resource_type = event.get("RequestType"), event.get("ResourceType")
    operations = HANDLERS.get(resource_type) if isinstance(resource_type, str) else None
    if operations is None:
        if kind == "Delete":  # never block a stack delete on an unknown type
            return event.get("PhysicalResourceId", "none"), {}
        raise Failure(f"unknown resource type {resource_type!r}")
    if kind not in ("Create", "Update", "Delete"):
        raise Failure(f"unknown request type {kind!r}")
    return operations[kind](event, clients)


def fallback_id(event):
    """Physical ID of a FAILED answer: a failed Create's Delete must clean up."""
    if event.get("PhysicalResourceId"):
        return event["PhysicalResourceId"]
    try:
        found = HANDLERS[event["ResourceType"]]["failed_id"](event)
    except Exception:  # noqa: BLE001 - no type, or an event it cannot read
        found = None
    return found or f"failed-{event.get('LogicalResourceId', 'resource')}"


# What an event must hold before any work: CloudFormation's pre-signed S3 URL
# (HTTPS, an amazonaws.com or amazonaws.com.cn host: "Custom resource request
# objects", ResponseURL, CloudFormation User Guide) and identifiers of the sizes it
# sends (a RequestId is a UUID; a logical ID has at most 255 characters). An event
# that fails gets no answer: it cannot be CloudFormation's.
RESPONSE_SCHEMES = ("https",)
RESPONSE_HOSTS = (".amazonaws.com", ".amazonaws.com.cn")
IDENTIFIERS = {"RequestId": 256, "LogicalResourceId": 255, "StackId": 2048}
LOGGED_CHARACTERS = 256  # of a value the event names, in a log line


def event_problem(event):
    """Why the event cannot be answered, or None."""
    import urllib.parse

    if not isinstance(event, dict):
        return "the event is not an object"
    url = event.get("ResponseURL")
    if not isinstance(url, str) or len(url) > 8192:
        return "ResponseURL is missing or too long"
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "ResponseURL is not a URL"
    if parts.scheme not in RESPONSE_SCHEMES or not host.endswith(RESPONSE_HOSTS):
        return "ResponseURL is not CloudFormation's HTTPS URL in S3"
    for key, limit in IDENTIFIERS.items():
        value = event.get(key)
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            return f"{key} is missing or longer than {limit} characters"
    return None


def handler(event, context):
    """Lambda entry point."""
    problem = event_problem(event)
    if problem is not None:
        log("event-refused", reason=problem)
        return
    responder = Responder(event)
    kind = event.get("RequestType")
    log(
        "received",
        request=str(kind)[:LOGGED_CHARACTERS],
        type=str(event.get("ResourceType"))[:LOGGED_CHARACTERS],
        logical=event.get("LogicalResourceId"),
    )
    seconds = context.get_remaining_time_in_millis() / 1000.0 - GUARD_SECONDS
    Clock.guard_at = time.monotonic() + max(seconds, 0.0)
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
    except Exception as error:  # noqa: BLE001 - every event must be answered
        reason = reason_of(error)[:1000]  # what the answer carries, and no more
        if isinstance(error, ClientError):
            log("failed", reason=reason, code=code_of(error))
        elif isinstance(error, (Failure, *NETWORK)):
            log("failed", reason=reason)
        else:
            trace = redact(traceback.format_exc())
            log("failed", reason=type(error).__name__, trace=trace)
        responder.send("FAILED", fallback_id(event), reason)
    finally:
        timer.cancel()
        Clock.guard_at = None  # the deadline belonged to this event only
