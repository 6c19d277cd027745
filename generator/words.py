"""Words every layer prints the same way: counts, aligned tables, and lines said
to an output stream."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO


class Says:
    """say(): one line to the object's `out` stream (standard output when None),
    flushed, so progress shows as it happens."""

    out: TextIO | None

    def say(self, text: str) -> None:
        """Print one line to the output stream."""
        print(text, file=self.out or sys.stdout, flush=True)


def count(number: int, noun: str, plural: str = "") -> str:
    """'1 resource', '2 resources', '1,024 object versions'."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Lines of columns padded to their widest cell (the last one not padded)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            str(cell).ljust(widths[i]) if i < len(header) - 1 else str(cell)
            for i, cell in enumerate(row)
        ).rstrip()
        for row in [header, *rows]
    ]
