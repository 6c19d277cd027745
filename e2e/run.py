"""`make e2e`: deploy each .taskcat.yml variant, verify it (with `--smoke`: a
small Spark job on the application), check the template with IAM Access Analyzer
(cfn-policy-validator) and destroy it.

Without AWS credentials it says so and exits 0 without any AWS call: the
credential lookup runs with the instance metadata service disabled, so it reads
only the environment and the local AWS config files. An empty AWS_PROFILE
(`AWS_PROFILE= make e2e`) counts as unset; a profile missing from the config
files is one line and exit 2.

Each variant keeps its stack name from run to run, and deploys with
--adopt-retained: destroy keeps the notebook bucket (and the key of the key
variant), so the next run takes them over instead of failing on a bucket that
exists. A name per run would leave one more bucket and key behind each run, and
deleting them would delete data without asking; adoption keeps at most one of
each per variant, deletes nothing, and refuses a bucket that is not this
environment's or that a stack still owns (generator/aws/adopt.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
SKIPPED = "nothing deployed (skipped)"


def missing_credentials() -> str | None:
    """What is missing for AWS credentials, None when some are configured
    locally (no network call). An empty profile variable is removed, for the
    commands this script runs too, as botocore would look for a profile ''.
    A profile that the config files lack raises botocore's ProfileNotFound."""
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    emptied = [
        v for v in PROFILE_VARIABLES if v in os.environ and not os.environ[v].strip()
    ]
    for variable in emptied:
        del os.environ[variable]
    import botocore.session

    if botocore.session.get_session().get_credentials() is not None:
        return None
    empty = f" ({' and '.join(emptied)} set but empty)" if emptied else ""
    return f"no AWS credentials configured{empty}"


# IAM Identity Center mode needs an instance and a group of the test account, which
# no file can name for everyone: the variant runs when both variables are set.
IDENTITY_CENTER = ("E2E_IDENTITY_CENTER_INSTANCE_ARN", "E2E_IDENTITY_CENTER_GROUP")


def variants(environ: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """The taskcat tests, and Identity Center mode when the environment names an
    instance and a group: name -> parameters."""
    environ = dict(os.environ) if environ is None else environ
    config = yaml.safe_load((ROOT / ".taskcat.yml").read_text())
    found = {k: v.get("parameters", {}) for k, v in config["tests"].items()}
    instance, group = (environ.get(v, "").strip() for v in IDENTITY_CENTER)
    if instance and group:
        found["identity-center"] = {
            "NamePrefix": "tci-",
            "CreateIamUsers": "false",
            "IdentityCenterInstanceArn": instance,
            "IdentityCenterDeveloperGroups": group,
        }
    return found


def run(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT)


def main() -> int:
    from botocore.exceptions import ProfileNotFound

    try:
        missing = missing_credentials()
    except ProfileNotFound as exc:
        print(
            f"make e2e: AWS profile {exc.kwargs.get('profile')!r} is not in the AWS "
            "config files; name one that is, or unset the variable"
        )
        return 2
    if missing:
        print(f"make e2e: {missing}; {SKIPPED}")
        return 0
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    bucket = os.environ.get("TEMPLATE_BUCKET")
    if not region or not bucket:
        print("make e2e: set AWS_REGION and TEMPLATE_BUCKET (an S3 bucket there)")
        return 2
    # IAM Access Analyzer's checks of the template's policies (calls AWS).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "cfn-policy-validator~=0.0.37",
        ],
        check=True,
    )
    template = str(ROOT / "build" / "emr-serverless-interactive.yaml")
    validator = shutil.which("cfn-policy-validator", path=str(BIN))
    emrs = str(BIN / "emrs-env")
    failed = []
    if not all(os.environ.get(v, "").strip() for v in IDENTITY_CENTER):
        needed = " and ".join(IDENTITY_CENTER)
        print(f"make e2e: Identity Center mode skipped; set {needed}")
    for name, params in variants().items():
        stack = f"emrs-e2e-{name}"
        values = [f"--parameter={k}={v}" for k, v in params.items()]
        try:
            if validator:
                run(
                    validator,
                    "validate",
                    "--template-path",
                    template,
                    "--region",
                    region,
                )
            run(
                emrs,
                "deploy",
                "--stack-name",
                stack,
                "--region",
                region,
                "--template-bucket",
                bucket,
                "--yes",
                "--adopt-retained",  # what the previous run's destroy kept
                *values,
            )
            # --smoke: a small Spark job on the application (a few cents).
            run(emrs, "verify", "--stack-name", stack, "--region", region, "--smoke")
        except subprocess.CalledProcessError:
            failed.append(name)
        finally:
            subprocess.run(
                [emrs, "destroy", "--stack-name", stack, "--region", region, "--yes"],
                cwd=ROOT,
            )
    print("make e2e: " + (f"failed: {', '.join(failed)}" if failed else "all passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
