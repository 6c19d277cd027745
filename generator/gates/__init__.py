"""The security and validation gates, run side by side over every template.

Each tool runs once over all the templates it is given: cfn-lint in this process,
checkov and cfn-guard as their own processes, parliament and cloudsplaining on the
resolved identity policies. checkov and cloudsplaining also read each template's
condition variants (gates/variants.py), as AWS deploys them. `run()` starts them
together, so the wall time is about the slowest tool's on this two-core machine
(`make bench` reports it as a ratio to cfn-lint alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ScannerError(RuntimeError):
    """A scanner could not run or its output could not be read."""


@dataclass
class Report:
    """What one scanner found in one template; `noted` lists what it passed over
    with a recorded reason (checkov's skips, parliament's ignored findings)."""

    scanner: str
    path: Path
    findings: list[str] = field(default_factory=list)
    detail: str = ""
    noted: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the scanner found nothing."""
        return not self.findings


Scan = Callable[[Sequence[Path]], list[Report]]


def scanners() -> dict[str, Scan]:
    """Each tool's scan, by name, in the order reports are printed."""
    from generator.gates import cfn_lint, checkov, cloudsplaining, guard, parliament

    return {
        "cfn-lint": cfn_lint.scan,
        "checkov": checkov.scan,
        "cfn-guard": guard.scan,
        "parliament": parliament.scan,
        "cloudsplaining": cloudsplaining.scan,
    }


def run(paths: Sequence[Path]) -> list[Report]:
    """Every tool over every template, side by side; reports by template, then
    tool. A template that does not parse goes to cfn-lint alone, whose E0000
    report says why. Ctrl-C ends the wait at once and the scanners' processes with
    it: the tools run in daemon threads, which the interpreter does not wait for at
    exit (a thread pool's workers it does)."""
    import threading
    import time

    from generator.gates.tools import stop_processes

    parsable = [path for path in paths if _parses(path)]
    tools = scanners()
    done: dict[str, list[Report] | BaseException] = {}

    def work(name: str, scan: Scan) -> None:
        try:
            done[name] = scan(paths if name == "cfn-lint" else parsable)
        except BaseException as exc:  # noqa: BLE001 - raised again below
            done[name] = exc

    threads = [
        threading.Thread(target=work, args=item, daemon=True, name=item[0])
        for item in tools.items()
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.05)
    except KeyboardInterrupt:
        stop_processes()
        # the threads whose process was killed end at once, removing their
        # temporary folders before the interpreter's exit would
        until = time.monotonic() + 1.0
        for thread in threads:
            thread.join(max(until - time.monotonic(), 0.0))
        raise
    reports = []
    for name in tools:
        found = done[name]
        if isinstance(found, BaseException):
            raise found
        reports += found
    order = {name: i for i, name in enumerate(tools)}
    position = {path: i for i, path in enumerate(paths)}
    return sorted(reports, key=lambda r: (position[r.path], order[r.scanner]))


def _parses(path: Path) -> bool:
    try:
        load(path)
    except (ScannerError, OSError):
        return False
    return True


_PARSED: dict[tuple[str, int, int], str] = {}  # (path, mtime, size) -> its JSON


def load(path: Path) -> dict[str, Any]:
    """A template as a dict, a fresh copy on every call; a ScannerError when it is
    not one. Every gate reads every template: the text is parsed once."""
    import json

    from generator.template.render import TemplateSyntaxError, parse_template

    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        try:
            data = parse_template(path.read_text(encoding="utf-8"))
        except (TemplateSyntaxError, UnicodeDecodeError) as exc:
            said = f"{path} is not a CloudFormation template: {exc}"
            raise ScannerError(said) from exc
        if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
            raise ScannerError(
                f"{path} is not a CloudFormation template: it has no Resources section"
            )
        _PARSED[key] = json.dumps(data)
    return json.loads(_PARSED[key])
