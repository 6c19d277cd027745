"""cfn-lint with informational checks on, through its Python API."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.gates import Report, ScannerError
from generator.words import count

REGIONS = ["us-east-1", "eu-west-1"]


def _text(path: Path) -> str | Report:
    """The template's text, or cfn-lint's kind of report when it is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScannerError(f"cannot read {path}: {exc.strerror}") from exc
    try:  # newlines read as open() in text mode reads them
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:  # reported as cfn-lint reports a parse error
        line = data[: exc.start].count(b"\n") + 1
        said = (
            f"E0000 not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded; "
            f"CloudFormation reads templates as UTF-8 (line {line})"
        )
        return Report("cfn-lint", path, [said], "not UTF-8 text")


def scan(paths: Sequence[Path]) -> list[Report]:
    """cfn-lint over each template."""
    from cfnlint.api import ManualArgs, lint

    reports = []
    for path in paths:
        text = _text(path)
        if isinstance(text, Report):
            reports.append(text)
            continue
        matches = lint(text, config=ManualArgs(include_checks=["I"], regions=REGIONS))
        findings = [
            f"{m.rule.id} {m.message[:200]} (line {m.linenumber})" for m in matches
        ]
        reports.append(
            Report("cfn-lint", path, findings, count(len(findings), "finding"))
        )
    return reports
