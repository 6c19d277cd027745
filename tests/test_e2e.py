"""`make e2e` without credentials, and the taskcat file against the template."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helpers import template_dict

ROOT = Path(__file__).resolve().parents[1]


def test_without_credentials_it_says_so_and_exits_0(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") or k == "AWS_EC2_METADATA_DISABLED"
    }
    # No config files, and any endpoint points nowhere: an AWS call would fail.
    env |= {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [sys.executable, "e2e/run.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "make e2e: no AWS credentials configured; nothing deployed (skipped)"
    )


def test_taskcat_variants_use_the_template_parameters_and_allowed_values() -> None:
    config = yaml.safe_load((ROOT / ".taskcat.yml").read_text())
    assert config["project"]["template"] == "build/emr-serverless-interactive.yaml"
    params = template_dict()["Parameters"]
    prefixes = set()
    assert len(config["tests"]) >= 3
    for name, test in config["tests"].items():
        for key, value in test["parameters"].items():
            assert key in params, (name, key)
            allowed = params[key].get("AllowedValues")
            assert allowed is None or value in allowed, (name, key, value)
            pattern = params[key].get("AllowedPattern")
            assert pattern is None or re.match(pattern, value), (name, key, value)
        prefixes.add(test["parameters"]["NamePrefix"])
    # Variants run side by side: named resources must not collide.
    assert len(prefixes) == len(config["tests"])


def test_each_variant_is_verified_with_the_smoke_job(monkeypatch, capsys) -> None:
    """The command lines `make e2e` runs, recorded instead of run: verify of each
    variant carries --smoke (no AWS call, no subprocess)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("e2e_run", ROOT / "e2e" / "run.py")
    assert spec and spec.loader
    e2e = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(e2e)
    ran: list[tuple[str, ...]] = []
    monkeypatch.setattr(e2e, "missing_credentials", lambda: None)
    monkeypatch.setattr(e2e, "run", lambda *args: ran.append(args))
    monkeypatch.setattr(
        e2e.subprocess, "run", lambda args, **_: ran.append(tuple(args))
    )
    monkeypatch.setattr(e2e.shutil, "which", lambda *_a, **_k: None)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("TEMPLATE_BUCKET", "templates")
    assert e2e.main() == 0
    verifies = [args[1:] for args in ran if args[1:2] == ("verify",)]
    assert [args[args.index("--stack-name") + 1] for args in verifies] == [
        f"emrs-e2e-{name}" for name in e2e.variants()
    ]
    assert all("--smoke" in args for args in verifies)
    assert "make e2e: all passed" in capsys.readouterr().out


def test_identity_center_variant_runs_only_with_an_instance_and_a_group() -> None:
    sys.path.insert(0, str(ROOT / "e2e"))
    try:
        import run as e2e  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    assert "identity-center" not in e2e.variants({})
    only_one = {"E2E_IDENTITY_CENTER_INSTANCE_ARN": "arn:aws:sso:::instance/x"}
    assert "identity-center" not in e2e.variants(only_one)
    instance = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
    found = e2e.variants(
        only_one
        | {
            "E2E_IDENTITY_CENTER_INSTANCE_ARN": instance,
            "E2E_IDENTITY_CENTER_GROUP": "Data Engineers",
        }
    )["identity-center"]
    params = template_dict()["Parameters"]
    for key, value in found.items():
        pattern = params[key].get("AllowedPattern")
        assert pattern is None or re.match(pattern, value), (key, value)
    assert found["CreateIamUsers"] == "false"
    other = {p["NamePrefix"] for name, p in e2e.variants({}).items()}
    assert found["NamePrefix"] not in other


def test_the_taskcat_file_is_generated_from_the_scenario_table() -> None:
    """`.taskcat.yml` is the table's e2e scenarios: regenerate it with
    `python -m generator.scenarios > .taskcat.yml`."""
    from generator.scenarios import taskcat_yaml

    assert (ROOT / ".taskcat.yml").read_text() == taskcat_yaml()
