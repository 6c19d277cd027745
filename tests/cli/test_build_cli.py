"""`emrs-env build`: config validation, atomic writes, clear errors, the snapshot."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import cli
from generator.documents.diagram import ARCHITECTURE_SVG
from generator.template.config import ConfigError, Options, from_mapping

ROOT = Path(__file__).resolve().parents[2]


def run_build(
    tmp_path: Path, config_text: str | bytes | None, capsys
) -> tuple[int, str]:
    args = ["build", "--out", str(tmp_path / "out")]
    if config_text is not None:
        cfg = tmp_path / "env.toml"
        if isinstance(config_text, bytes):
            cfg.write_bytes(config_text)
        else:
            cfg.write_text(config_text)
        args += ["--config", str(cfg)]
    code = cli.main(args)
    return code, capsys.readouterr().err


def test_committed_build_equals_a_fresh_build(tmp_path: Path) -> None:
    """Built over the committed picture, as `make template` does: the SVG is kept
    when its source has not changed (Graphviz's layout follows the machine's
    fonts), redrawn, and so different, when it has."""
    shutil.copy(ROOT / "build" / ARCHITECTURE_SVG, tmp_path / ARCHITECTURE_SVG)
    assert cli.main(["build", "--out", str(tmp_path)]) == 0
    committed = sorted(p.name for p in (ROOT / "build").iterdir() if p.is_file())
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert committed == fresh
    match, mismatch, errors = filecmp.cmpfiles(
        ROOT / "build", tmp_path, fresh, shallow=False
    )
    assert mismatch == [] and errors == [], "run `make template` and commit build/"


def test_config_adds_developers(tmp_path: Path, capsys) -> None:
    code, err = run_build(
        tmp_path, 'admin_user = "boss"\ndevelopers = ["ana", "raj"]\n', capsys
    )
    assert code == 0, err
    text = (tmp_path / "out" / "emr-serverless-interactive.yaml").read_text()
    for name in ("boss", "ana", "raj"):
        assert f"${{NamePrefix}}{name}'" in text
    assert "emrs-interactive-app-dev-user" not in text


@pytest.mark.parametrize(
    ("config_text", "field", "hint"),
    [
        ('admin = "x"\n', "admin", "allowed keys are admin_user, developers"),
        ('developers = ["ok", "bad name"]\n', "developers[1]", "valid IAM user name"),
        ("developers = []\n", "developers", "non-empty list"),
        ('developers = "ana"\n', "developers", "non-empty list"),
        (
            'developers = ["a-b", "a.b"]\n',
            "developers[1]",
            "differ only in punctuation",
        ),
        ('admin_user = "ana"\ndevelopers = ["ANA"]\n', "developers[0]", "already used"),
        (f'admin_user = "{"x" * 46}"\n', "admin_user", "1-45 characters"),
        ("developers = [\n", "--config", "not valid TOML"),
        (b"\xff\xfedevelopers = []\n", "--config", "is not UTF-8 text"),
    ],
)
def test_bad_config_exits_2_and_writes_nothing(
    tmp_path: Path, capsys, config_text: str | bytes, field: str, hint: str
) -> None:
    code, err = run_build(tmp_path, config_text, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    named = f"{field}: " if field.startswith("--") else f"config field '{field}': "
    assert len(lines) == 1 and named in lines[0] and hint in lines[0], err
    assert not (tmp_path / "out").exists()


def test_unreadable_config(tmp_path: Path, capsys) -> None:
    code = cli.main(["build", "--config", str(tmp_path / "missing.toml")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot read" in err and "Traceback" not in err


def test_options_validate_directly() -> None:
    with pytest.raises(ConfigError, match="developers"):
        Options(developers=())
    assert from_mapping({}).developers == ("emrs-interactive-app-dev-user",)


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    from generator.template import render

    target = tmp_path / "f.txt"
    target.write_text("old")

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(render.os, "replace", boom)
    with pytest.raises(OSError):
        render.write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_python_dash_m_and_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0 and "build" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--nope"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert bad.returncode == 2 and "unrecognized arguments" in bad.stderr


def test_largest_stack_builds_and_one_more_developer_is_refused(
    tmp_path: Path, capsys
) -> None:
    from generator.template.composer import max_developers

    ceiling = max_developers()
    assert 130 < ceiling < 200
    names = ", ".join(f'"dev{i}"' for i in range(ceiling))
    code, err = run_build(tmp_path, f"developers = [{names}]\n", capsys)
    assert code == 0, err
    shutil.rmtree(tmp_path / "out")
    names += f', "dev{ceiling}"'
    code, err = run_build(tmp_path, f"developers = [{names}]\n", capsys)
    assert code == 2
    assert f"at most {ceiling} developers" in err and "DeveloperRoleNames" in err
    assert f"{ceiling + 1} developers are too many: more than 500 resources, " in err
    assert not (tmp_path / "out").exists()


def test_start_up_imports_no_heavy_library() -> None:
    probe = (
        "import sys; from generator import cli; cli.parser().format_help(); "
        "print(sorted(m for m in ('boto3', 'botocore', 'cfnlint', 'troposphere', "
        "'moto') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_handler_uses_only_the_standard_library_and_boto3() -> None:
    import ast

    source = (ROOT / "custom_resources" / "stack_function.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported - {"boto3", "botocore"} <= sys.stdlib_module_names
    assert "boto3" in imported


def test_make_help_lists_every_documented_target() -> None:
    makefile = (ROOT / "Makefile").read_text()
    documented = re.findall(r"^([\w.-]+):[^\n]*## ", makefile, re.MULTILINE)
    shown = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "help"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    listed = re.findall(r"^  make (\S+)", shown, re.MULTILINE)
    assert "e2e" in documented and listed == documented


def test_a_stale_action_table_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    from generator.template import portfolio as service_catalog

    monkeypatch.setattr(service_catalog, "_recorded", lambda: {})
    assert cli.main(["build", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert "has no actions for AWS::" in err and "run 'make actions'" in err
    assert "\n" not in err and not (tmp_path / "out").exists()


def test_a_build_with_standard_error_closed_still_draws(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        f'"{sys.executable}" -m generator build --out "{out}" 2>&-',
        shell=True, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert (out / "ARCHITECTURE.svg").read_text().startswith("<?xml")
