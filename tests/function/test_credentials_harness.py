"""Console credentials under duplicates and faults, many trials at random.

Each trial delivers one to five copies of one event for one user at once (Lambda
may deliver an event more than once, and the copies may overlap: Lambda Developer
Guide, "Invoking a Lambda function asynchronously"), and may give one copy one
fault: a call that succeeds at AWS but whose answer is lost (botocore's
ReadTimeoutError), or a call AWS refuses (a 5xx ServiceFailure after botocore's own
retries). IAM keeps at most two access keys per user (IAM User Guide, "IAM and AWS
STS quotas": access keys per user, 2); moto does not, so the harness adds the
quota to moto's user.

After every copy has answered, and after what CloudFormation sends next when none
succeeded (a Delete after a failed Create, the rollback Update after a failed
Update), two invariants must hold: IAM holds exactly the access key the secret
records (or none), and IAM's password is the one the secret records. Each copy
answers exactly once, and once one succeeds the record is settled: this event's
RequestId, no Claim, and an access key exactly when the event asks for one. Copies that
only met each other, with no fault, must all succeed. One exception is allowed,
and checked: a copy that IAM refuses DeleteAccessKey cannot remove a key it made
once another copy has recorded its own and finished; the next event for the user
(a rotation, or the Delete) must remove it.

`make test` runs the first 40 of the trials `make stress` runs (1,000, or
HARNESS_TRIALS; HARNESS_SEED draws others).
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from moto.iam.exceptions import LimitExceededException
from moto.iam.models import User

from custom_resources import stack_function as cc
from tests.function import test_credentials_races as races
from tests.function import test_stack_function as base
from tests.function.test_stack_function import Context, props, refuse

cfn, aws = base.cfn, base.aws  # the response server and moto, fixtures here too
atomic_secret_versions = races.atomic_secret_versions
SAMPLE = 40  # trials in make test
TRIALS = int(os.environ.get("HARNESS_TRIALS", "1000"))  # in make stress
SEED = int(os.environ.get("HARNESS_SEED", "20261206"))
KEYS_PER_USER = 2
# (service, operation) a fault may hit: every write the credentials make.
FAULTABLE = [
    ("iam", "CreateAccessKey"),
    ("iam", "DeleteAccessKey"),
    ("iam", "CreateLoginProfile"),
    ("iam", "UpdateLoginProfile"),
    ("secretsmanager", "PutSecretValue"),
    ("secretsmanager", "UpdateSecretVersionStage"),
]
KINDS = ["Create", "Rotate", "KeyOff", "KeyOn"]
CLIENT = boto3.client  # the real factory, restored after every trial


@dataclass(frozen=True)
class Trial:
    """One trial: the event, its copies, and the fault one copy meets (if any)."""

    number: int
    kind: str
    copies: int
    fault: tuple[str, str, str] | None  # (lost|refused, service, operation)

    @classmethod
    def drawn(cls, number: int, rng: random.Random) -> Trial:
        fault = None
        if rng.random() < 0.6:
            service, operation = rng.choice(FAULTABLE)
            fault = (rng.choice(["lost", "refused"]), service, operation)
        return cls(number, rng.choice(KINDS), rng.randint(1, 5), fault)


@pytest.fixture
def key_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    """IAM refuses a third access key of one user (LimitExceeded)."""
    lock = threading.Lock()
    real = User.create_access_key

    def limited(self: User, *args: Any, **kwargs: Any) -> Any:
        with lock:
            if len(self.access_keys) >= KEYS_PER_USER:
                raise LimitExceededException(
                    "Cannot exceed quota for AccessKeysPerUser: 2"
                )
            return real(self, *args, **kwargs)

    monkeypatch.setattr(User, "create_access_key", limited)


def lose_answer(client: Any, operation: str) -> None:
    """The first such call succeeds at AWS, and its answer never arrives."""
    service = client.meta.service_model.service_id.hyphenize()
    lost: list[bool] = []

    def lose(**_kwargs: Any) -> None:
        if not lost:
            lost.append(True)
            raise ReadTimeoutError(endpoint_url="https://aws.example/")

    client.meta.events.register(f"after-call.{service}.{operation}", lose)


def faulty_clients(trial: Trial, monkeypatch: pytest.MonkeyPatch) -> threading.local:
    """boto3.client for the function: copy 0's clients carry the trial's fault."""
    local = threading.local()
    real: Callable[..., Any] = CLIENT

    def client(name: str, **kwargs: Any) -> Any:
        made = real(name, **kwargs)
        if trial.fault and getattr(local, "copy", None) == 0:
            how, service, operation = trial.fault
            if name == service and how == "lost":
                lose_answer(made, operation)
            elif name == service:
                snake = "".join(
                    f"_{c.lower()}" if c.isupper() else c for c in operation
                ).lstrip("_")
                refuse(made, "ServiceFailure", snake)
        return made

    monkeypatch.setattr(cc.boto3, "client", client)
    return local


def properties(trial: Trial, user: str) -> tuple[str, dict, dict | None]:
    """The event's request type, new properties and old ones."""
    old = props(user, key="true", token="1")
    if trial.kind == "Create":
        return "Create", props(user, key="true"), None
    if trial.kind == "Rotate":
        return "Update", props(user, key="true", token="2"), old
    if trial.kind == "KeyOff":
        return "Update", props(user, key="false", token="1"), old
    return "Update", props(user, key="true", token="1"), props(user, key="false")


def make_event(cfn: Any, trial: Trial, user: str, copy: int) -> dict:
    kind, new, old = properties(trial, user)
    found = {
        "RequestType": kind,
        "ResponseURL": f"{cfn.url}/t{trial.number}/{copy}",
        "StackId": base.STACK,
        "RequestId": f"t{trial.number}",
        "LogicalResourceId": "Credentials",
        "ResourceType": "Custom::ConsoleCredentials",
        "ResourceProperties": new,
    }
    if old is not None:
        found["OldResourceProperties"] = old
        found["PhysicalResourceId"] = f"console-credentials-{user}"
    return found


def prepare(iam: Any, sm: Any, trial: Trial, user: str) -> None:
    if trial.kind == "Create":
        iam.create_user(UserName=user, Path=base.USER_PATH)
        sm.create_secret(Name=f"emrs/{user}", SecretString='{"Pending": "x"}')
        return
    races.settled_user(iam, sm, user)
    if trial.kind == "KeyOn":  # a user whose key is off
        (key,) = races.keys(iam, user)
        iam.delete_access_key(UserName=user, AccessKeyId=key)
        value = races.recorded(sm, user)
        for field in ("AccessKeyId", "SecretAccessKey"):
            value.pop(field)
        sm.put_secret_value(SecretId=f"emrs/{user}", SecretString=json.dumps(value))


def run_copies(events: list[dict], local: threading.local) -> None:
    gate = threading.Barrier(len(events))

    def run(copy: int, event: dict) -> None:
        local.copy = copy
        gate.wait()
        cc.handler(event, Context())

    threads = [threading.Thread(target=run, args=(n, e)) for n, e in enumerate(events)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


STRAY_KEY = "IAM's access keys differ from the secret's"
REFUSED_DELETE = ("refused", "iam", "DeleteAccessKey")


def violations(iam: Any, sm: Any, user: str) -> list[str]:
    """The invariants that do not hold for the user now."""
    value = races.recorded(sm, user)
    found = []
    recorded_keys = [value["AccessKeyId"]] if "AccessKeyId" in value else []
    if races.keys(iam, user) != recorded_keys:
        found.append(STRAY_KEY)
    if races.password_in_iam(user) != value.get("Password"):
        found.append("IAM's password differs from the secret's")
    return found


def play(trial: Trial, iam: Any, sm: Any, cfn: Any, monkeypatch: Any) -> list[str]:
    """Run one trial; return what went wrong."""
    user = f"h{trial.number}"
    prepare(iam, sm, trial, user)
    local = faulty_clients(trial, monkeypatch)
    events = [make_event(cfn, trial, user, copy) for copy in range(trial.copies)]
    run_copies(events, local)
    monkeypatch.setattr(cc.boto3, "client", CLIENT)
    answers = [b for b in cfn.bodies if b["RequestId"] == f"t{trial.number}"]
    problems = []
    if len(answers) != trial.copies:
        problems.append(f"{len(answers)} answers to {trial.copies} copies")
    statuses = {a["Status"] for a in answers}
    if trial.fault is None and statuses != {"SUCCESS"}:
        reasons = {a.get("Reason") for a in answers if a["Status"] == "FAILED"}
        problems.append(f"a copy failed with no fault: {reasons}")
    if "SUCCESS" in statuses:
        value = races.recorded(sm, user)
        wants_key = properties(trial, user)[1]["CreateAccessKey"] == "true"
        if "Claim" in value or value.get("RequestId") != f"t{trial.number}":
            problems.append("a copy succeeded before the record was settled")
        if ("AccessKeyId" in value) != wants_key:
            problems.append("the record's access key is not what was asked")
    else:
        # What CloudFormation sends next: a Delete after a failed Create, the
        # rollback Update (properties swapped) after a failed Update.
        kind, new, old = properties(trial, user)
        physical = f"console-credentials-{user}"
        if kind == "Create":
            base.send(cfn, "Delete", new, physical=physical)
            if races.keys(iam, user) or races.password_in_iam(user) is not None:
                problems.append("credentials left after the Delete")
            return problems
        answer = base.send(cfn, "Update", old, old=new, physical=physical)
        if answer["Status"] != "SUCCESS":
            problems.append(f"the rollback failed: {answer.get('Reason')}")
    found = violations(iam, sm, user)
    if found == [STRAY_KEY] and trial.fault == REFUSED_DELETE:
        # A copy IAM refuses to delete keys for cannot remove the one it made
        # after another copy recorded its own and finished: that key stays until
        # the next event for the user, which must remove it.
        kind, new, _ = properties(trial, user)
        if kind == "Update":
            base.send(cfn, "Update", {**new, "RotationToken": "9"}, old=new,
                      physical=f"console-credentials-{user}")  # fmt: skip
            found = [f"{v} after the next rotation" for v in violations(iam, sm, user)]
        else:
            base.send(cfn, "Delete", new, physical=f"console-credentials-{user}")
            found = (
                ["credentials left after the Delete"] if races.keys(iam, user) else []
            )
    return problems + found


def run_trials(count: int, seed: int, iam, sm, cfn, monkeypatch) -> dict[int, list]:
    rng = random.Random(seed)
    failed = {}
    for number in range(count):
        trial = Trial.drawn(number, rng)
        problems = play(trial, iam, sm, cfn, monkeypatch)
        if problems:
            failed[number] = [trial, *problems]
    return failed


def test_a_sample_of_trials_holds(
    aws, cfn, atomic_secret_versions, key_quota, monkeypatch
) -> None:
    """The first SAMPLE trials of the stress run: duplicates with and without
    faults. Three or more copies that each create a key find IAM's two slots full,
    wait as for another writer, and succeed."""
    iam, sm = aws
    # moto answers in about 1 ms, not AWS's tens: the random waits shrink with it.
    monkeypatch.setattr(cc, "BACKOFF_SECONDS", 0.005)
    failed = run_trials(SAMPLE, SEED, iam, sm, cfn, monkeypatch)
    assert failed == {}, f"{len(failed)} of {SAMPLE} trials: {failed}"


@pytest.mark.stress
def test_credentials_hold_under_duplicates_and_faults(
    aws, cfn, atomic_secret_versions, key_quota, monkeypatch
) -> None:
    iam, sm = aws
    monkeypatch.setattr(cc, "BACKOFF_SECONDS", 0.005)
    failed = run_trials(TRIALS, SEED, iam, sm, cfn, monkeypatch)
    assert failed == {}, f"{len(failed)} of {TRIALS} trials: {failed}"


def test_the_key_quota_is_modelled(aws, key_quota) -> None:
    """A third key is refused, as IAM refuses it; the harness relies on it."""
    iam, _ = aws
    iam.create_user(UserName="q", Path=base.USER_PATH)
    for _ in range(KEYS_PER_USER):
        iam.create_access_key(UserName="q")
    with pytest.raises(iam.exceptions.LimitExceededException):
        iam.create_access_key(UserName="q")
