"""Where the gates find the programs they run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from generator.gates import ScannerError


def tool(name: str) -> str:
    """The program installed beside this Python, or on PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise ScannerError(f"{name} is not installed; run 'make install'")
    return found


_RUNNING: set[subprocess.Popen] = set()
_LOCK = threading.Lock()
_STOPPING = threading.Event()


def run_process(args: Sequence[str]) -> subprocess.CompletedProcess:
    """subprocess.run(args, capture_output=True, text=True), with the process
    known to stop_processes() while it runs; none starts once it was called."""
    with _LOCK:
        if _STOPPING.is_set():
            raise ScannerError("interrupted")
        process = subprocess.Popen(
            list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        _RUNNING.add(process)
    with process:
        try:
            out, err = process.communicate()
        finally:
            with _LOCK:
                _RUNNING.discard(process)
    return subprocess.CompletedProcess(list(args), process.returncode, out, err)


def stop_processes() -> None:
    """Kill every scanner process still running, and start no other (Ctrl-C on
    lint)."""
    with _LOCK:
        _STOPPING.set()
        running = list(_RUNNING)
    for process in running:
        process.kill()
