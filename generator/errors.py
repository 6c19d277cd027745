"""The command error and the exit codes every command uses.

Exit codes: 0 when the command did what it was asked, 1 when AWS or the stack failed
it, 2 when the command line or the machine's AWS settings are wrong or missing (no
region, profile, credentials or SSO session): what a script needs to tell "fix your
setup" from "it failed".
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A failure to report as one line, with the exit code to use."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code
