"""Words every layer prints the same way: counts and aligned tables."""

from __future__ import annotations

from collections.abc import Sequence


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
