"""AWS's contract, judged statically: every AWS call the commands and the function
make, with its parameter names, against botocore's service models.

A hand-written fake client once accepted a parameter AWS rejects; this test reads
the code itself, so no call escapes it, whatever the other tests exercise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.aws_calls import (
    AwsCall,
    Models,
    calls_in_source,
    judge,
    operation_references,
    project_calls,
)

ROOT = Path(__file__).resolve().parents[2]
CODE = [ROOT / "generator", ROOT / "custom_resources"]
FUNCTION = "custom_resources/stack_function.py"
# The Lambda runtime's SDK: AWS names no version for python3.14 ("Runtime-included
# SDK versions", AWS Lambda Developer Guide: print boto3.__version__ in the target
# Region), so the function's calls are judged against botocore 1.34.0 (December
# 2023, before the python3.12 runtime shipped), which no python3.12+ runtime
# predates. APIs only grow, so a call that 1.34.0 accepts the runtime accepts.
# `make install` puts that botocore's models in .venv/lambda-sdk (modelled from the
# documentation, not read off a Lambda).
LAMBDA_SDK = Path(os.environ.get("EMRS_LAMBDA_SDK", ROOT / ".venv" / "lambda-sdk"))


@pytest.fixture(scope="module")
def calls() -> list[AwsCall]:
    return project_calls(CODE, ROOT)


@pytest.fixture(scope="module")
def models() -> Models:
    return Models()


def test_every_aws_call_names_a_real_operation_and_real_parameters(
    calls: list[AwsCall], models: Models
) -> None:
    problems = [problem for call in calls for problem in judge(call, models)]
    assert problems == []


def test_the_reader_finds_every_call_of_every_client(
    calls: list[AwsCall], models: Models
) -> None:
    services = {call.service for call in calls}
    # every service the code makes a client of, each with at least one call
    assert services >= {
        "cloudformation", "s3", "iam", "ec2", "emr-serverless", "emr",
        "secretsmanager", "sts", "kms", "servicecatalog",
    }  # fmt: skip
    assert len(calls) >= 75
    assert sum(call.path == FUNCTION for call in calls) >= 20
    operations = set().union(*(models.operations(s) for s in services))
    judged = {(call.path, call.line, call.method) for call in calls}
    missed = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for root in CODE
        for path in sorted(root.rglob("*.py"))
        for line, name in operation_references(path.read_text(encoding="utf-8"))
        if name in operations
        and (str(path.relative_to(ROOT)), line, name) not in judged
    ]
    assert missed == [], "calls on a client the reader does not recognise"


def test_the_functions_calls_exist_in_the_lambda_runtimes_sdk(
    calls: list[AwsCall],
) -> None:
    if not (LAMBDA_SDK / "botocore" / "data" / "iam").is_dir():
        pytest.fail("botocore 1.34.0's models are missing: run `make install`")
    old = Models(LAMBDA_SDK / "botocore" / "data")
    problems = [p for c in calls if c.path == FUNCTION for p in judge(c, old)]
    assert problems == []


def judged(source: str) -> list[str]:
    models = Models()
    return [p for call in calls_in_source(source, "x.py") for p in judge(call, models)]


def test_a_parameter_of_another_operation_is_caught() -> None:
    source = (
        "def plan(aws, values):\n"
        "    extra = {'Tags': []}\n"
        "    if values:\n"
        "        extra['IncludePropertyValues'] = True\n"
        "    cfn = aws.client('cloudformation')\n"
        "    cfn.create_change_set(StackName='s', ChangeSetName='c', **extra)\n"
    )
    assert judged(source) == [
        "x.py:6: cloudformation.create_change_set: CreateChangeSet has no "
        "parameter 'IncludePropertyValues'"
    ]


def test_unknown_operations_missing_parameters_and_unknown_spreads_are_caught() -> None:
    source = (
        "def run(iam, sm, emrs, kms, options):\n"
        "    call(iam.get_users, UserName='a', retry_codes=('X',))\n"
        "    sm.put_secret_value(SecretString='x')\n"
        "    emrs.get_paginator('list_applications').paginate(bogus=1)\n"
        "    kms.get_waiter('key_ready').wait(KeyId='k')\n"
        "    kms.describe_key(**options.values())\n"
    )
    assert judged(source) == [
        "x.py:2: iam.get_users: no operation 'get_users'",
        "x.py:3: secretsmanager.put_secret_value: PutSecretValue needs parameter "
        "'SecretId'",
        "x.py:4: emr-serverless.list_applications: ListApplications has no "
        "parameter 'bogus'",
        "x.py:5: kms.key_ready: no waiter 'key_ready'",
        "x.py:6: kms.describe_key: cannot resolve **options.values()",
    ]


def test_modules_dicts_and_wrappers_are_not_mistaken_for_clients() -> None:
    source = (
        "import secrets\n"
        "def run(aws):\n"
        "    secrets.choice('ab')\n"
        "    s3 = {'a': 1}\n"
        "    s3.pop('a')\n"
        "    cfn = aws.client('cloudformation')\n"
        "    cfn.describe_stacks(StackName='s')\n"
    )
    found = list(calls_in_source(source, "x.py"))
    assert [(c.service, c.method, c.names) for c in found] == [
        ("cloudformation", "describe_stacks", {"StackName"})
    ]
