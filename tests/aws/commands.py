"""Running a command as a user would, and reading its one-line error."""

from __future__ import annotations

from typing import Any

from generator import cli


def run(*args: str) -> int:
    """`emrs-env ARGS...`'s exit code."""
    return cli.main(list(args))


def one_line_error(capsys: Any) -> str:
    """The command's error: exactly one line on standard error, no traceback."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]
