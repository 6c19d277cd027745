"""What a newcomer's review found: builds into a mounted folder, lint of a file that
is not UTF-8, developer names that collide with logical IDs, and `make e2e` run
twice or with an empty AWS_PROFILE."""

from __future__ import annotations

import errno
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from generator import cli
from generator.template import names, render
from tests.helpers import template_dict

ROOT = Path(__file__).resolve().parents[2]


# 1. `build --out DIR` / `diagram --out DIR` where DIR is a mounted volume.


def mount_point(
    monkeypatch: pytest.MonkeyPatch, mount: Path
) -> list[tuple[Path, Path]]:
    """Model the kernel's rule with `mount` as a mount point: rename(2) between
    a path on the mounted file system (mount and what is under it) and one off
    it fails with EXDEV. Returns the renames that were made."""
    real = os.replace
    mount = mount.resolve()
    moves: list[tuple[Path, Path]] = []

    def on_mount(path: Any) -> bool:
        where = Path(path).resolve()
        return where == mount or mount in where.parents

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if on_mount(src) != on_mount(dst):
            raise OSError(
                errno.EXDEV, os.strerror(errno.EXDEV), str(src), None, str(dst)
            )
        moves.append((Path(src), Path(dst)))
        real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return moves


@pytest.mark.parametrize("command", ["build", "diagram"])
def test_a_build_into_a_mounted_folder_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, command: str
) -> None:
    volume = tmp_path / "volume"
    volume.mkdir()
    (volume / "notes.txt").write_text("the user's own file\n")
    moves = mount_point(monkeypatch, volume)
    code = cli.main([command, "--out", str(volume)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "cross-device" not in err and "Traceback" not in err
    written = {line.split()[1] for line in out.splitlines() if " bytes)" in line}
    assert written and {Path(p).name for p in written} | {"notes.txt"} == {
        p.name for p in volume.iterdir()
    }, "only the output and the user's file; no staging folder stays"
    assert (volume / "notes.txt").read_text() == "the user's own file\n"
    for source, target in moves:
        assert target.parent == volume
        staging = source.parent
        assert staging.parent == volume and staging.name.startswith(".")


def test_a_failed_write_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.yaml").write_text("old a\n")
    (out / "b.yaml").write_text("old b\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_open = open

    def disk_full(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name == "b.yaml":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(render, "open", disk_full, raising=False)
    with pytest.raises(OSError) as raised:
        render.write_all(out, {"a.yaml": "new a\n", "b.yaml": "new b\n"})
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename == str(out / "b.yaml")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_staging_folder_a_killed_run_left_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stale = out / f"{render.STAGING_PREFIX}killed"
    stale.mkdir(parents=True)
    (stale / "emr-serverless-interactive.yaml").write_text("half")
    long_ago = time.time() - render.STALE_STAGING_SECONDS - 60
    os.utime(stale, (long_ago, long_ago))
    running = out / f"{render.STAGING_PREFIX}running"  # another build's, just made
    running.mkdir()
    render.write_all(out, {"x.yaml": "x\n"})
    assert sorted(p.name for p in out.iterdir()) == [running.name, "x.yaml"]


# 2. `emrs-env lint FILE` on a file that is not UTF-8.


def lines_naming(text: str, path: Path) -> list[str]:
    return [line for line in text.splitlines() if str(path) in line]


@pytest.mark.parametrize(
    ("content", "line"),
    [(b"\xff\xfe garbage", 1), (b"Resources:\n  A: caf\xe9\n", 2)],
    ids=["garbage", "latin-1"],
)
def test_lint_of_a_file_that_is_not_utf8_is_one_line(
    tmp_path: Path, capsys: Any, content: bytes, line: int
) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(content)
    code = cli.main(["lint", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == 1, "as a template that does not parse"
    (said,) = lines_naming(out + err, path)
    assert said.startswith("FAIL cfn-lint") and "not UTF-8 text" in said
    assert f"(line {line})" in out and "E0000 " in out
    assert "checkov" not in out, "the other scanners cannot read it either"


def test_lint_of_a_file_it_cannot_read_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text("Resources: {}\n")

    def denied(self: Path) -> bytes:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert cli.main(["lint", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (said,) = err.strip().splitlines()
    assert f"cannot read {path}: Permission denied" in said


def test_lint_reads_crlf_templates_as_before(tmp_path: Path) -> None:
    from generator.gates import cfn_lint

    text = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Bad:\n    Type: X\n"
    unix, dos = tmp_path / "unix.yaml", tmp_path / "dos.yaml"
    unix.write_bytes(text.encode())
    dos.write_bytes(text.replace("\n", "\r\n").encode())
    found = cfn_lint.scan([unix])[0].findings
    assert found and cfn_lint.scan([dos])[0].findings == found


# 3. Developer names whose logical IDs collide with another resource's.


def _forms() -> list[tuple[str, str, Callable[[str], str]]]:
    """(prefix, suffix, name -> logical ID) of each ID a developer brings,
    read off names.py's own functions."""
    probe = "Q"
    forms = []
    for index, made in enumerate(names.user_resource_ids(names.user_id(probe))):
        prefix, suffix = made.split(probe)
        forms.append(
            (
                prefix,
                suffix,
                lambda n, i=index: names.user_resource_ids(names.user_id(n))[i],
            )
        )
    return forms


def _colliding_names() -> list[str]:
    """Developer names that give an ID the default template already uses for a
    resource or parameter other than the default developer's (resources and
    parameters share one namespace), derived from the built template."""
    template = template_dict()
    own = set(names.user_resource_ids(names.user_id(names.DEV_USER)))
    taken = (set(template["Resources"]) | set(template["Parameters"])) - own
    found = set()
    for logical in taken:
        for prefix, suffix, make in _forms():
            if not (logical.startswith(prefix) and logical.endswith(suffix)):
                continue
            core = logical[len(prefix) : len(logical) - len(suffix)]
            name = core[:1].lower() + core[1:]
            if name.isalnum() and make(name) == logical:
                found.add(name)
    return sorted(found)


COLLIDING = _colliding_names()
SUFFIXES = [suffix for _prefix, suffix, _make in _forms() if suffix]


def test_the_colliding_names_include_the_reported_ones() -> None:
    assert {"policy", "group"} <= set(COLLIDING)
    assert len(SUFFIXES) >= 2  # the secret's and the credentials'


def build_with(tmp_path: Path, developers: list[str], capsys: Any) -> tuple[int, str]:
    config = tmp_path / "env.toml"
    config.write_text(f"developers = {developers!r}\n".replace("'", '"'))
    code = cli.main(["build", "--config", str(config), "--out", str(tmp_path / "o")])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "developers",
    [[name] for name in COLLIDING]
    + [["ana", name] for name in COLLIDING]
    + [["ana", f"ana-{s.lower()}"] for s in SUFFIXES]
    + [[f"ana-{s.lower()}", "ana"] for s in SUFFIXES]
    + [[".", SUFFIXES[0].lower()]],
    ids="+".join,
)
def test_a_developer_name_that_collides_is_one_line_exit_2(
    tmp_path: Path, capsys: Any, developers: list[str]
) -> None:
    code, err = build_with(tmp_path, developers, capsys)
    assert "Traceback" not in err
    assert code == 2, err
    (said,) = err.strip().splitlines()
    assert f"config field 'developers[{len(developers) - 1}]'" in said
    assert repr(developers[-1]) in said and "logical ID Developer" in said
    assert not (tmp_path / "o").exists()


def test_names_near_the_colliding_ones_still_build(tmp_path: Path, capsys: Any) -> None:
    near = [f"{name}-reader" for name in COLLIDING] + ["ana", "ana-secrets"]
    code, err = build_with(tmp_path, near, capsys)
    assert code == 0, err


# 4. `make e2e` twice in a row, and with AWS_PROFILE set but empty.


def offline_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment without AWS settings, and any endpoint pointing nowhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        **extra,
    }


def run_e2e(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "e2e/run.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "profiles",
    [{"AWS_PROFILE": ""}, {"AWS_PROFILE": " ", "AWS_DEFAULT_PROFILE": ""}],
    ids=["AWS_PROFILE", "both"],
)
def test_an_empty_profile_is_no_credentials(
    tmp_path: Path, profiles: dict[str, str]
) -> None:
    done = run_e2e(offline_env(tmp_path, **profiles))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    (said,) = done.stdout.strip().splitlines()
    assert said.startswith("make e2e: no AWS credentials configured (")
    assert all(f"{name}" in said for name in profiles)
    assert said.endswith("set but empty); nothing deployed (skipped)")


def test_a_profile_the_config_lacks_is_one_line(tmp_path: Path) -> None:
    done = run_e2e(offline_env(tmp_path, AWS_PROFILE="nope"))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    (said,) = done.stdout.strip().splitlines()
    assert "AWS profile 'nope' is not in the AWS config files" in said


def load_e2e() -> ModuleType:
    spec = importlib.util.spec_from_file_location("e2e_run", ROOT / "e2e" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("profile", [None, ""], ids=["no-profile", "empty-profile"])
def test_a_second_run_in_a_row_adopts_what_the_first_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, profile: str | None
) -> None:
    """The commands `make e2e` runs, parsed by emrs-env's own parser, with the
    effect the real ones have on the notebook bucket: destroy keeps it
    (DeletionPolicy Retain), and a first deploy over a kept bucket stops with
    exit 2 unless --adopt-retained (Deployment.adopt_if_retained)."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    if profile is not None:  # an empty one counts as unset, for the commands too
        monkeypatch.setenv("AWS_PROFILE", profile)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("TEMPLATE_BUCKET", "my-templates")
    kept: set[str] = set()  # stacks whose bucket a destroy kept
    profiles: list[str | None] = []

    def commands(args: list[str], check: bool = False, **_kw: Any) -> Any:
        code = 0
        if Path(args[0]).name == "emrs-env":
            parsed = cli.parser(only=args[1]).parse_args(args[1:])
            profiles.append(os.environ.get("AWS_PROFILE"))
            if parsed.command == "deploy" and parsed.stack_name in kept:
                if parsed.adopt_retained:
                    kept.discard(parsed.stack_name)
                else:
                    code = 2
            elif parsed.command == "destroy":
                kept.add(parsed.stack_name)
        if check and code:
            raise subprocess.CalledProcessError(code, args)
        return subprocess.CompletedProcess(args, code)

    e2e = load_e2e()
    monkeypatch.setattr(e2e.subprocess, "run", commands)
    monkeypatch.setattr(e2e.shutil, "which", lambda *_a, **_k: None)
    assert e2e.main() == 0
    assert kept, "the first run kept the buckets"
    assert e2e.main() == 0, capsys.readouterr().out
    assert capsys.readouterr().out.strip().endswith("make e2e: all passed")
    assert profiles and set(profiles) == {None}
