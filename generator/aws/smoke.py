"""`emrs-env verify --smoke`: one tiny PySpark job on the stack's application,
with the stack's runtime role, proving that a team can run Spark there.

The job reads the region's EMR sample data and writes one small object to the
notebook bucket, both through the private subnets' S3 gateway endpoint (a gateway
endpoint reaches only buckets of its own region, "Gateway endpoints for Amazon
S3", Amazon VPC User Guide: hence the stack's region in the sample's bucket name).
Everything it writes lives under `emrs-env-smoke/<run id>/` in the notebook bucket
and is removed afterwards; after a failure the job's logs stay, for reading.

Modelled on AWS documentation, not observed in an account:
- StartJobRun (EMR Serverless API Reference, "StartJobRun"): `applicationId`,
  `clientToken` (idempotency), `executionRoleArn`, `jobDriver.sparkSubmit`
  (`entryPoint`, `entryPointArguments`, `sparkSubmitParameters`),
  `configurationOverrides.monitoringConfiguration.s3MonitoringConfiguration.logUri`
  and `executionTimeoutMinutes` (moto refuses less than 5 minutes). The caller
  needs `iam:PassRole` on the runtime role; without it AWS answers
  AccessDeniedException.
- GetJobRun (EMR Serverless API Reference, "GetJobRun"): `jobRun.state`,
  `stateDetails`, `totalExecutionDurationSeconds`, `billedResourceUtilization`.
  botocore has no waiter for EMR Serverless, so the command polls.
- The states (EMR Serverless User Guide, "Job run states"): SUBMITTED, QUEUED,
  PENDING, SCHEDULED, RUNNING, then SUCCESS, FAILED, or CANCELLING and CANCELLED
  (CancelJobRun, or the execution timeout); StateDetails says why a run failed.
- The logs (EMR Serverless User Guide, "Logging", "Storing logs: Amazon S3"):
  `<logUri>/applications/<application-id>/jobs/<job-run-id>/SPARK_DRIVER/stdout.gz`
  (and stderr.gz), uploaded while and after the job runs; a log that arrives
  after the cleanup of a successful run stays under the run's prefix.
- The words of StateDetails for a quota, a network or a permission failure are
  not documented: the diagnosis matches the words AWS's pages and re:Post answers
  quote (quota / vCPU / capacity; timed out / unable to reach / connect; Access
  Denied / not authorized / 403), and says the generic line otherwise.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from generator.aws.destroy import delete_versions
from generator.aws.session import Aws, error_code, error_message
from generator.aws.stack import _elapsed as elapsed
from generator.errors import CommandError
from generator.template.names import P, R
from generator.words import Says, count

if TYPE_CHECKING:
    from generator.aws.verify import Result, Stack

PREFIX = "emrs-env-smoke"
STEP = "smoke job"
JOB_NAME = "emrs-env-smoke"
# The regional bucket of EMR's sample data (the EMR on EKS and EMR Serverless
# getting-started pages read it): a folder of small text files.
SAMPLE = "s3://{region}.elasticmapreduce/emr-containers/samples/wordcount/input"
# EMR Serverless ends the run itself after this ("StartJobRun",
# executionTimeoutMinutes); moto, like AWS's console, refuses less than 5.
TIMEOUT_MINUTES = 10
# How long the command waits: the run's own limit plus the application's start
# (an auto-started application takes a few minutes to start).
WAIT_MINUTES = 20.0
POLL_SECONDS = 10.0
FINAL = ("SUCCESS", "FAILED", "CANCELLED")
# One driver and one executor of the smallest worker (1 vCPU; EMR Serverless
# rounds memory up to whole GB, "Worker configurations"): a job of about a minute
# is billed a few cents per vCPU-hour and GB-hour at most.
SPARK_PARAMETERS = (
    "--conf spark.driver.cores=1 --conf spark.driver.memory=2g "
    "--conf spark.executor.cores=1 --conf spark.executor.memory=2g "
    "--conf spark.executor.instances=1 --conf spark.dynamicAllocation.enabled=false"
)
# The job: count the sample's lines and words, write them as one JSON object.
SCRIPT = r'''"""emrs-env verify --smoke: count the words of the region's EMR sample
data and write the count to the notebook bucket. Safe to delete."""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

source, target = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.appName("emrs-env-smoke").getOrCreate()
lines = spark.read.text(source)
words = lines.select(F.explode(F.split("value", r"\s+")).alias("word"))
counts = [(lines.count(), words.where(F.col("word") != "").count())]
spark.createDataFrame(counts, ["lines", "words"]).coalesce(1).write.mode(
    "overwrite"
).json(target)
spark.stop()
'''

QUOTA = re.compile(r"quota|vcpu|capacity|limit exceeded", re.IGNORECASE)
NETWORK = re.compile(
    r"timed? ?out|timeout|unable to (?:reach|connect)|could not connect|"
    r"connect(?:ion)? (?:refused|reset)|unknownhost|unable to execute http request",
    re.IGNORECASE,
)
DENIED = re.compile(
    r"access ?denied|not authorized|forbidden|status code: 403", re.IGNORECASE
)
ARN = re.compile(r"arn:aws[\w-]*:[\w-]*:[\w-]*:(?:\d{12})?:([^\s,;'\"()]+)")
ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")


def scrub(text: str) -> str:
    """AWS's words without ARNs' account parts or account IDs: an ARN becomes its
    resource (role/NAME), as verify prints nothing that holds an account ID."""
    return ACCOUNT.sub("<account>", ARN.sub(r"\1", text))


def diagnose(state: str, details: str) -> str:
    """One line saying why a run that ended `state` failed, and what to do."""
    said = scrub(details.strip()) or "no details given"
    if state == "CANCELLED":
        return (
            f"the job was CANCELLED ({said}): it ran past its {TIMEOUT_MINUTES}-minute "
            "limit, or someone cancelled it"
        )
    if DENIED.search(details):
        return (
            f"the runtime role was denied ({said}): check its policy (verify's "
            "runtime-role rows) and the notebook bucket's policy"
        )
    if QUOTA.search(details):
        return (
            f"the application could not get capacity ({said}): raise the account's "
            "EMR Serverless quota 'Max concurrent vCPUs per account' in Service "
            f"Quotas, or the stack's {P.MAX_VCPU}"
        )
    if NETWORK.search(details):
        return (
            f"the job could not reach a service from the application's subnets "
            f"({said}): check that the private route tables use the S3 gateway "
            f"endpoint, and {P.NAT_GATEWAYS} (or interface endpoints) for other "
            "services"
        )
    return f"the job ended {state}: {said}"


def start_denied(error: Exception) -> str:
    """The line for StartJobRun refused for permissions (PassRole on the role)."""
    return (
        f"StartJobRun was denied ({error_code(error)}: {scrub(error_message(error))}):"
        " the caller needs emr-serverless:StartJobRun on the application and "
        "iam:PassRole on the runtime role"
    )


def new_run_id() -> str:
    """A run ID that sorts by time and does not collide: 20261128-101500-a1b2c3."""
    import secrets
    from datetime import UTC, datetime

    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


@dataclass
class Smoke(Says):
    """Runs the smoke job and returns verify's row for it."""

    aws: Aws
    out: TextIO | None = None
    run_id: str = ""  # new_run_id() when not given
    poll_seconds: float = POLL_SECONDS
    wait_minutes: float = WAIT_MINUTES
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    uploaded: str = field(default="", init=False)  # where the run's files are

    def __post_init__(self) -> None:
        self.run_id = self.run_id or new_run_id()

    def run(self, stack: Stack | None = None) -> Result:
        """Read the stack as verify does (unless given), run the job, clean up."""
        from botocore.exceptions import BotoCoreError, ClientError

        from generator.aws import verify

        if stack is None:
            try:
                stack = verify.read_stack(self.aws)
            except verify.NotThisEnvironment as exc:
                return self.result(False, f"not run: {exc}")
        application = stack.resources.get(R.APPLICATION, ("", ""))[1]
        if not application:
            return self.result(
                False,
                f"not run: the stack has no EMR Serverless application "
                f"({P.CREATE_APPLICATION} is false)",
            )
        try:
            return self._run(stack, application)
        except (ClientError, BotoCoreError) as error:
            line = scrub(str(self.aws.explain(error)))
            if self.uploaded:  # the job may still need (and write) them
                line += f"; the run's files stay under {self.uploaded}"
            self.say(f"Smoke job failed: {line}")
            return self.result(False, line)

    def result(self, ok: bool, detail: str) -> Result:
        from generator.aws.verify import Result

        return Result("stack", "", STEP, "ok", "ok" if ok else "failed", detail)

    def _run(self, stack: Stack, application: str) -> Result:
        from botocore.exceptions import ClientError

        s3 = self.aws.client("s3")
        emrs = self.aws.client("emr-serverless")
        bucket, region = stack.facts.bucket, stack.facts.region
        prefix = f"{PREFIX}/{self.run_id}/"
        where = f"s3://{bucket}/{prefix}"
        script_key, output_key = f"{prefix}smoke.py", f"{prefix}output/"
        log_uri = f"{where}logs/"
        self.say(
            f"Smoke job: running a small PySpark job on application {application} "
            f"with the runtime role (a few cents); its files go under {where}"
        )
        s3.put_object(
            Bucket=bucket,
            Key=script_key,
            Body=SCRIPT.encode("utf-8"),
            ContentType="text/x-python",
        )
        self.uploaded = where
        try:
            started = emrs.start_job_run(
                applicationId=application,
                clientToken=f"{PREFIX}-{self.run_id}",
                executionRoleArn=stack.facts.runtime_role,
                name=JOB_NAME,
                jobDriver={
                    "sparkSubmit": {
                        "entryPoint": f"s3://{bucket}/{script_key}",
                        "entryPointArguments": [
                            SAMPLE.format(region=region),
                            f"s3://{bucket}/{output_key}",
                        ],
                        "sparkSubmitParameters": SPARK_PARAMETERS,
                    }
                },
                configurationOverrides={
                    "monitoringConfiguration": {
                        "s3MonitoringConfiguration": {"logUri": log_uri}
                    }
                },
                executionTimeoutMinutes=TIMEOUT_MINUTES,
            )
        except ClientError as error:
            denied = "AccessDenied" in error_code(error) or DENIED.search(
                error_message(error)
            )
            line = (
                start_denied(error) if denied else scrub(str(self.aws.explain(error)))
            )
            self.say(f"Smoke job: not started: {line}")
            return self.result(False, line + self._cleanup(s3, bucket, prefix, ""))
        job = started["jobRunId"]
        logs = f"{log_uri}applications/{application}/jobs/{job}/SPARK_DRIVER/stdout.gz"
        self.aws.ongoing = (
            f"smoke job {job} goes on in AWS for at most {TIMEOUT_MINUTES} minutes; "
            f"its files stay under {where}"
        )
        try:
            run, waited, timed_out = self.wait(emrs, application, job)
        finally:
            self.aws.ongoing = ""
        state = run["state"]
        ran = run.get("totalExecutionDurationSeconds") or 0
        billed = (f", ran {elapsed(ran)}" if ran else "") + _billed(
            run.get("billedResourceUtilization", {})
        )
        ended = "is still" if timed_out else "ended"
        self.say(f"Smoke job {job}: {ended} {state} after {elapsed(waited)}{billed}")
        self.say(f"Smoke job logs: {logs}")
        if timed_out:
            line = (
                f"the job was still {state} after {elapsed(waited)}: "
                + self._cancel(emrs, application, job)
            )
        elif state != "SUCCESS":
            line = diagnose(state, run.get("stateDetails", ""))
        else:
            written = s3.list_objects_v2(Bucket=bucket, Prefix=output_key)
            objects = len(written.get("Contents", []))
            if not objects:
                line = (
                    f"the job ended SUCCESS but wrote nothing under "
                    f"s3://{bucket}/{output_key}"
                )
            else:
                self.say(
                    f"Smoke job output: {count(objects, 'object')} "
                    f"under s3://{bucket}/{output_key}"
                )
                done = self._cleanup(s3, bucket, prefix, "")
                return self.result(
                    True,
                    f"job {job} SUCCESS after {elapsed(waited)}: read the "
                    f"{region} sample data and wrote to the bucket{done}",
                )
        self.say(f"Smoke job failed: {line}")
        kept = self._cleanup(s3, bucket, prefix, f"{prefix}logs/")
        return self.result(False, f"job {job}: {line} (logs: {logs}){kept}")

    def wait(self, emrs: Any, application: str, job: str) -> tuple[dict, float, bool]:
        """Poll GetJobRun until the run ends or the wait times out; say each new
        state with the time since submission. Returns the last run, the time
        waited and whether the wait timed out."""
        start, last = self.clock(), ""
        while True:
            run = emrs.get_job_run(applicationId=application, jobRunId=job)["jobRun"]
            state, waited = run["state"], self.clock() - start
            if state != last:
                self.say(f"Smoke job {job}: {state} (+{elapsed(waited)})")
                last = state
            if state in FINAL:
                return run, waited, False
            if waited >= self.wait_minutes * 60:
                return run, waited, True
            self.sleep(self.poll_seconds)

    def _cancel(self, emrs: Any, application: str, job: str) -> str:
        """Cancel a run the command stopped waiting for; say what happened."""
        from botocore.exceptions import ClientError

        try:
            emrs.cancel_job_run(applicationId=application, jobRunId=job)
        except ClientError as error:
            return (
                f"cancelling it failed ({error_code(error)}: "
                f"{scrub(error_message(error))}); it ends by itself after "
                f"{TIMEOUT_MINUTES} minutes"
            )
        return (
            "cancelled it; a run this small ends in minutes, so the application "
            "is probably waiting for capacity (quota) or workers that cannot start "
            "in its subnets"
        )

    def _cleanup(self, s3: Any, bucket: str, prefix: str, keep: str) -> str:
        """Remove what the run wrote (but `keep`); '' or a note for the detail."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            removed = delete_versions(s3, bucket, prefix, keep)
        except (ClientError, BotoCoreError, CommandError) as error:
            line = (
                f"could not remove the run's files under s3://{bucket}/{prefix} "
                f"({scrub(str(error))}); remove them with `aws s3 rm --recursive "
                f"s3://{bucket}/{prefix}`"
            )
            self.say(f"Smoke job: {line}")
            return f"; {line}"
        kept = f"; kept the logs under s3://{bucket}/{keep}" if keep else ""
        self.say(
            f"Smoke job: removed {count(removed, 'object version')} under "
            f"s3://{bucket}/{prefix}{kept}"
        )
        return ""


def _billed(usage: dict[str, Any]) -> str:
    """', billed 0.031 vCPU-hours and 0.124 GB-hours' when GetJobRun says."""
    vcpu, memory = usage.get("vCPUHour"), usage.get("memoryGBHour")
    if not vcpu:
        return ""
    return f", billed {vcpu:.3f} vCPU-hours and {memory or 0:.3f} GB-hours"
