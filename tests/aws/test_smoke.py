"""`emrs-env verify --smoke`: the happy path against moto (its StartJobRun and
GetJobRun, where a run is SUCCESS at once, and S3), the states moto lacks with
real botocore clients answering from scripts (tests/scripted.py).

Answers follow the EMR Serverless API Reference, "StartJobRun" and "GetJobRun"
(jobRun with applicationId, jobRunId, arn, createdBy, createdAt, updatedAt,
executionRole, state, stateDetails, releaseLabel, jobDriver), and the EMR
Serverless User Guide, "Job run states". No test sleeps: the wait takes its
sleep and clock from the test.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from generator.aws import smoke, verify
from generator.aws.session import Aws
from generator.aws.stack import Resource
from generator.cli import main
from generator.documents.journeys import Facts
from generator.template.names import R
from tests.aws.test_verify import ROLES_AND_BUCKET
from tests.scripted import error, scripted

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/emr-serverless-runtime-role"
BUCKET = "notes"
RUN = "20261128-101500-a1b2c3"
PREFIX = f"emrs-env-smoke/{RUN}/"
APP = "00fabcdef1234567"
JOB = "00fjob0123456789"
LOGS = (
    f"s3://{BUCKET}/{PREFIX}logs/applications/{APP}/jobs/{JOB}/SPARK_DRIVER/stdout.gz"
)


class Clock:
    """A clock that moves only when the code sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def stack(application: str = APP, region: str = "us-east-1") -> verify.Stack:
    """What verify.read_stack gives for a stack with the application."""
    facts = Facts(
        partition="aws",
        region=region,
        account=ACCOUNT,
        bucket=BUCKET,
        prefix="",
        runtime_role=ROLE,
        studio_role=f"arn:aws:iam::{ACCOUNT}:role/emr-studio-service-role",
        application_id=application,
    )
    resources = {R.APPLICATION: ("AWS::EMRServerless::Application", application)}
    return verify.Stack(facts, {}, resources, {}, "{}", "")


def bucket() -> Any:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(
        Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
    )
    return s3


def keys(s3: Any, prefix: str = "emrs-env-smoke/") -> list[str]:
    """Every version and delete marker left under the prefix."""
    found = s3.list_object_versions(Bucket=BUCKET, Prefix=prefix)
    return sorted(
        item["Key"]
        for item in found.get("Versions", []) + found.get("DeleteMarkers", [])
    )


def runner(aws: Aws, clock: Clock | None = None, **extra: Any) -> smoke.Smoke:
    lines: list[str] = []
    clock = clock or Clock()
    made = smoke.Smoke(aws, run_id=RUN, sleep=clock.sleep, clock=clock, **extra)
    made.say = lines.append  # type: ignore[method-assign]
    made.lines = lines  # type: ignore[attr-defined]
    return made


# --- the happy path, against moto --------------------------------------------------


def test_a_run_uploads_the_script_starts_the_job_checks_and_cleans_up(
    mocked_aws,
) -> None:
    s3 = bucket()
    emrs = boto3.client("emr-serverless", region_name="us-east-1")
    app = emrs.create_application(name="emrs", releaseLabel="emr-7.5.0", type="SPARK")[
        "applicationId"
    ]
    # What the job writes (moto runs no Spark): its output and a driver log.
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}output/part-00000.json", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}logs/x/stdout.gz", Body=b"")
    aws = Aws("us-east-1", None, "emrs")
    sent: dict[str, dict] = {}
    for operation in ("s3.PutObject", "emr-serverless.StartJobRun"):
        aws.client(operation.split(".")[0]).meta.events.register(
            f"provide-client-params.{operation}",
            lambda params, model, **_: sent.__setitem__(model.name, dict(params)),
        )
    run = runner(aws)
    result = run.run(stack(app))

    assert (result.step, result.result, result.ok) == ("smoke job", "ok", True)
    put = sent["PutObject"]
    assert put["Key"] == f"{PREFIX}smoke.py" and put["Bucket"] == BUCKET
    assert put["Body"].decode() == smoke.SCRIPT
    ast.parse(smoke.SCRIPT)  # the script the job runs is Python
    start = sent["StartJobRun"]
    assert start["applicationId"] == app and start["executionRoleArn"] == ROLE
    assert start["clientToken"] == f"emrs-env-smoke-{RUN}"
    assert 5 <= start["executionTimeoutMinutes"] <= 15
    spark = start["jobDriver"]["sparkSubmit"]
    assert spark["entryPoint"] == f"s3://{BUCKET}/{PREFIX}smoke.py"
    assert spark["entryPointArguments"] == [
        "s3://us-east-1.elasticmapreduce/emr-containers/samples/wordcount/input",
        f"s3://{BUCKET}/{PREFIX}output/",
    ]
    log_uri = start["configurationOverrides"]["monitoringConfiguration"][
        "s3MonitoringConfiguration"
    ]["logUri"]
    assert log_uri == f"s3://{BUCKET}/{PREFIX}logs/"
    # moto kept the run as it was asked for
    (job,) = emrs.list_job_runs(applicationId=app)["jobRuns"]
    kept = emrs.get_job_run(applicationId=app, jobRunId=job["id"])["jobRun"]
    assert kept["jobDriver"]["sparkSubmit"]["entryPoint"] == spark["entryPoint"]
    # every version of script, output and logs is gone after a success
    assert keys(s3) == []
    logs = (
        f"s3://{BUCKET}/{PREFIX}logs/applications/{app}/jobs/{job['id']}/"
        "SPARK_DRIVER/stdout.gz"
    )
    assert run.lines == [  # type: ignore[attr-defined]
        f"Smoke job: running a small PySpark job on application {app} with the "
        f"runtime role (a few cents); its files go under s3://{BUCKET}/{PREFIX}",
        f"Smoke job {job['id']}: SUCCESS (+0m00s)",
        f"Smoke job {job['id']}: ended SUCCESS after 0m00s",
        f"Smoke job logs: {logs}",
        f"Smoke job output: 1 object under s3://{BUCKET}/{PREFIX}output/",
        f"Smoke job: removed 3 object versions under s3://{BUCKET}/{PREFIX}",
    ]
    assert result.detail == (
        f"job {job['id']} SUCCESS after 0m00s: read the us-east-1 sample data and "
        "wrote to the bucket"
    )
    assert aws.ongoing == ""


def test_a_success_that_wrote_nothing_fails(mocked_aws) -> None:
    s3 = bucket()
    emrs = boto3.client("emr-serverless", region_name="us-east-1")
    app = emrs.create_application(name="emrs", releaseLabel="emr-7.5.0", type="SPARK")[
        "applicationId"
    ]
    result = runner(Aws("us-east-1", None, "emrs")).run(stack(app))
    assert not result.ok
    assert f"wrote nothing under s3://{BUCKET}/{PREFIX}output/" in result.detail
    assert keys(s3) == [], "the script is removed (there are no logs to keep)"


# ROLES_AND_BUCKET is the least stack read_stack takes for the environment.
# moto's CloudFormation skips AWS::EMRServerless::Application (FACTS.md), so the
# tests add the application moto's EMR Serverless made to the stack's resources.


def environment(monkeypatch: pytest.MonkeyPatch, application: bool = True) -> str:
    """A moto stack verify reads as this environment; the bucket's name."""
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(StackName="emrs", TemplateBody=ROLES_AND_BUCKET)
    name = cfn.describe_stack_resource(StackName="emrs", LogicalResourceId=R.BUCKET)[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    boto3.client("s3", region_name="us-east-1").put_bucket_policy(
        Bucket=name, Policy=json.dumps({"Statement": []})
    )
    if application:
        app = boto3.client("emr-serverless", region_name="us-east-1")
        made = app.create_application(
            name="emrs", releaseLabel="emr-7.5.0", type="SPARK"
        )["applicationId"]
        original = verify.stack_resources

        def with_application(cfn: Any, stack_name: str) -> list[Resource]:
            found = original(cfn, stack_name)
            return [
                *found,
                Resource(R.APPLICATION, "AWS::EMRServerless::Application", made),
            ]

        monkeypatch.setattr(verify, "stack_resources", with_application)
    monkeypatch.setattr(verify, "run_journeys", lambda _aws, _stack: [])
    monkeypatch.setattr(verify, "check_state", lambda _aws, _stack: [])
    monkeypatch.setattr(smoke, "new_run_id", lambda: RUN)
    return name


@pytest.mark.parametrize("wrote", [True, False])
def test_smoke_joins_verify_results_json_and_exit_code(
    mocked_aws, monkeypatch, capsys, wrote: bool
) -> None:
    name = environment(monkeypatch)
    if wrote:
        boto3.client("s3", region_name="us-east-1").put_object(
            Bucket=name, Key=f"{PREFIX}output/part-00000.json", Body=b"{}"
        )
    argv = ["verify", "--stack-name", "emrs", "--region", "us-east-1", "--json"]
    code = main([*argv, "--smoke"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)  # progress went to standard error
    rows = {row["step"]: row for row in report["results"]}
    assert set(rows) == {"bucket has its TLS-only policy", "smoke job"}
    assert rows["smoke job"]["ok"] is wrote and report["ok"] is wrote
    assert code == (0 if wrote else 1)
    assert "Smoke job logs: s3://" in captured.err
    assert "SUCCESS" in rows["smoke job"]["detail"]


def test_without_smoke_no_job_runs(mocked_aws, monkeypatch, capsys) -> None:
    environment(monkeypatch)
    code = main(["verify", "--stack-name", "emrs", "--region", "us-east-1"])
    out = capsys.readouterr().out
    assert code == 0 and "smoke" not in out.lower()


def test_a_stack_without_the_application_is_a_failed_smoke_row(
    mocked_aws, monkeypatch, capsys
) -> None:
    environment(monkeypatch, application=False)
    code = main(["verify", "--stack-name", "emrs", "--region", "us-east-1", "--smoke"])
    out = capsys.readouterr().out
    assert code == 1
    assert "smoke job" in out
    assert "not run: the stack has no EMR Serverless application" in out


# --- the states moto lacks, with scripted EMR Serverless answers ------------------


def job_run(state: str, details: str = "", **extra: Any) -> dict[str, Any]:
    """A complete GetJobRun answer, as the API Reference gives it."""
    when = datetime(2026, 11, 28, 10, 15, tzinfo=UTC)
    return {
        "jobRun": {
            "applicationId": APP,
            "jobRunId": JOB,
            "arn": f"arn:aws:emr-serverless:us-east-1:{ACCOUNT}:/applications/{APP}"
            f"/jobruns/{JOB}",
            "createdBy": f"arn:aws:iam::{ACCOUNT}:user/admin",
            "createdAt": when,
            "updatedAt": when,
            "executionRole": ROLE,
            "state": state,
            # required, at least one character (the model); AWS's wording for
            # the states before the end is not documented: a stand-in
            "stateDetails": details or f"Job run {state.lower()}",
            "releaseLabel": "emr-7.5.0",
            "jobDriver": {"sparkSubmit": {"entryPoint": "s3://notes/smoke.py"}},
            **extra,
        }
    }


STARTED = {
    "applicationId": APP,
    "jobRunId": JOB,
    "arn": f"arn:aws:emr-serverless:us-east-1:{ACCOUNT}:/applications/{APP}"
    f"/jobruns/{JOB}",
}


def scripted_aws(**scripts: list) -> Aws:
    aws = Aws("us-east-1", None, "emrs")
    aws._clients["emr-serverless"] = scripted("emr-serverless", **scripts)
    return aws


QUOTA = (
    "Job failed, the application was stopped: the account's Max concurrent vCPUs "
    "quota (16) is exceeded; requested 20 vCPU"
)
NETWORK = (
    "Job failed, please check the complete logs in configured logging destination. "
    "ExitCode: 1. Last few exceptions: Caused by: "
    "com.amazonaws.SdkClientException: Unable to execute HTTP request: Connect to "
    "notes.s3.amazonaws.com:443 failed: connect timed out"
)


@pytest.mark.parametrize(
    ("details", "says"),
    [
        (QUOTA, "the application could not get capacity"),
        (NETWORK, "the job could not reach a service from the application's subnets"),
        (
            "Job failed: Access Denied (Service: Amazon S3; Status Code: 403)",
            "the runtime role was denied",
        ),
        (
            "Job failed: ExitCode: 1. Last few exceptions: NameError",
            "the job ended FAILED",
        ),
    ],
)
def test_a_failed_run_says_why_in_one_line_and_keeps_its_logs(
    mocked_aws, details: str, says: str
) -> None:
    s3 = bucket()
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}logs/x/stderr.gz", Body=b"")
    clock = Clock()
    aws = scripted_aws(
        start_job_run=[STARTED],
        get_job_run=[
            job_run("SUBMITTED"),
            job_run("SUBMITTED"),
            job_run("SCHEDULED"),
            job_run("RUNNING"),
            job_run("FAILED", details, totalExecutionDurationSeconds=48),
        ],
    )
    run = runner(aws, clock)
    result = run.run(stack())

    assert not result.ok and result.result == "failed"
    assert result.detail.startswith(f"job {JOB}: {says}")
    assert result.detail.endswith(f"(logs: {LOGS})")
    assert "\n" not in result.detail and ACCOUNT not in result.detail
    assert clock.sleeps == [10.0] * 4
    assert run.lines[1:6] == [  # type: ignore[attr-defined]
        f"Smoke job {JOB}: SUBMITTED (+0m00s)",
        f"Smoke job {JOB}: SCHEDULED (+0m20s)",
        f"Smoke job {JOB}: RUNNING (+0m30s)",
        f"Smoke job {JOB}: FAILED (+0m40s)",
        f"Smoke job {JOB}: ended FAILED after 0m40s, ran 0m48s",
    ]
    assert f"Smoke job logs: {LOGS}" in run.lines  # type: ignore[attr-defined]
    # the script is gone, the logs stay for reading
    assert keys(s3) == [f"{PREFIX}logs/x/stderr.gz"]


def test_the_quota_line_names_the_quota_and_the_parameter() -> None:
    line = smoke.diagnose("FAILED", QUOTA)
    assert "'Max concurrent vCPUs per account'" in line and "MaximumVcpu" in line


def test_a_cancelled_run_is_not_read_as_a_network_timeout() -> None:
    line = smoke.diagnose("CANCELLED", "Job run timed out")
    assert line.startswith("the job was CANCELLED (Job run timed out)")


def test_access_denied_at_start_job_run_names_pass_role_and_no_account(
    mocked_aws,
) -> None:
    s3 = bucket()
    denied = error(
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:user/admin is not authorized to perform: "
        f"iam:PassRole on resource: {ROLE}",
        "StartJobRun",
    )
    aws = scripted_aws(start_job_run=[denied])
    run = runner(aws)
    result = run.run(stack())

    assert not result.ok
    assert result.detail == (
        "StartJobRun was denied (AccessDeniedException: User: user/admin is not "
        "authorized to perform: iam:PassRole on resource: "
        "role/emr-serverless-runtime-role): the caller needs "
        "emr-serverless:StartJobRun on the application and iam:PassRole on the "
        "runtime role"
    )
    assert aws._clients["emr-serverless"].script.names() == ["start_job_run"]
    assert keys(s3) == [], "the uploaded script is removed"


def test_another_refusal_at_start_is_one_aws_line(mocked_aws) -> None:
    bucket()
    refused = error(
        "ValidationException", "Application is in TERMINATED state", "StartJobRun"
    )
    result = runner(scripted_aws(start_job_run=[refused])).run(stack())
    assert not result.ok
    assert result.detail == (
        "StartJobRun failed in us-east-1 for stack emrs: ValidationException: "
        "Application is in TERMINATED state"
    )


def test_a_wait_that_times_out_cancels_the_run(mocked_aws) -> None:
    s3 = bucket()
    clock = Clock()
    aws = scripted_aws(
        start_job_run=[STARTED],
        get_job_run=[job_run("PENDING"), job_run("RUNNING")],
        cancel_job_run=[{"applicationId": APP, "jobRunId": JOB}],
    )
    run = runner(aws, clock)
    result = run.run(stack())

    script = aws._clients["emr-serverless"].script
    assert script.called("cancel_job_run") == [{"applicationId": APP, "jobRunId": JOB}]
    assert clock.now == smoke.WAIT_MINUTES * 60, "waited as long as allowed, no more"
    assert not result.ok
    assert result.detail.startswith(
        f"job {JOB}: the job was still RUNNING after 20m00s: cancelled it"
    )
    assert result.detail.endswith(f"(logs: {LOGS})")
    assert f"Smoke job {JOB}: is still RUNNING after 20m00s" in run.lines
    assert keys(s3) == []


def test_an_error_while_polling_is_a_failed_row_not_an_abort(mocked_aws) -> None:
    bucket()
    aws = scripted_aws(
        start_job_run=[STARTED],
        get_job_run=[
            error("ResourceNotFoundException", "Job run not found", "GetJobRun")
        ],
    )
    result = runner(aws).run(stack())
    assert not result.ok
    assert result.detail == (
        "GetJobRun failed in us-east-1 for stack emrs: ResourceNotFoundException: "
        f"Job run not found; the run's files stay under s3://{BUCKET}/{PREFIX}"
    )


def test_the_sample_data_is_the_stacks_region(mocked_aws) -> None:
    """An S3 gateway endpoint reaches only buckets of its own region."""
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    aws = Aws("eu-west-1", None, "emrs")
    aws._clients["emr-serverless"] = scripted(
        "emr-serverless",
        "eu-west-1",
        start_job_run=[STARTED],
        get_job_run=[job_run("FAILED", "boom")],
    )
    runner(aws).run(stack(region="eu-west-1"))
    (start,) = aws._clients["emr-serverless"].script.called("start_job_run")
    assert start["jobDriver"]["sparkSubmit"]["entryPointArguments"][0] == (
        "s3://eu-west-1.elasticmapreduce/emr-containers/samples/wordcount/input"
    )


def test_scrub_keeps_the_resource_and_drops_the_account() -> None:
    text = f"arn:aws-us-gov:iam::{ACCOUNT}:role/x and account {ACCOUNT}."
    assert smoke.scrub(text) == "role/x and account <account>."
