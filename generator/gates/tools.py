"""Where the gates find the programs they run."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from generator.gates import ScannerError


def tool(name: str) -> str:
    """The program installed beside this Python, or on PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise ScannerError(f"{name} is not installed; run 'make install'")
    return found
