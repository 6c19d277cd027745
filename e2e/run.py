"""`make e2e`: deploy each .taskcat.yml variant, verify it, check the template
with IAM Access Analyzer (cfn-policy-validator) and destroy it.

Without AWS credentials it says so and exits 0 without any AWS call: the
credential lookup runs with the instance metadata service disabled, so it reads
only the environment and the local AWS config files.
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


def have_credentials() -> bool:
    """Whether credentials are configured locally (no network call)."""
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    import botocore.session

    return botocore.session.get_session().get_credentials() is not None


def variants() -> dict[str, dict[str, str]]:
    """The taskcat tests: name -> parameters."""
    config = yaml.safe_load((ROOT / ".taskcat.yml").read_text())
    return {k: v.get("parameters", {}) for k, v in config["tests"].items()}


def run(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT)


def main() -> int:
    if not have_credentials():
        print("make e2e: no AWS credentials configured; nothing deployed (skipped)")
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
                *values,
            )
            run(emrs, "verify", "--stack-name", stack, "--region", region)
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
