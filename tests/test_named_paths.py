"""Every file of the repository that code, comments or docs name exists: a moved
file leaves no comment pointing at its old place."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMED = re.compile(
    r"(?<![\w/.-])((?:generator|tests|custom_resources|bench|docs)/[\w./-]+"
    r"\.(?:py|md|json|yaml|toml))"
)
READ = ["generator", "tests", "custom_resources", "bench", "docs"]
FILES = ["README.md", "CONTRIBUTING.md", "Makefile", "setup.cfg"]


def named_paths() -> dict[str, set[str]]:
    """Each named path, with the files that name it."""
    sources = [p for d in READ for p in (ROOT / d).rglob("*") if p.suffix in
               (".py", ".md")] + [ROOT / f for f in FILES]  # fmt: skip
    found: dict[str, set[str]] = {}
    for source in sources:
        for path in NAMED.findall(source.read_text(encoding="utf-8")):
            found.setdefault(path, set()).add(str(source.relative_to(ROOT)))
    return found


def test_every_named_file_exists() -> None:
    named = named_paths()
    assert len(named) > 20
    missing = {p: sorted(by) for p, by in named.items() if not (ROOT / p).exists()}
    assert missing == {}


def test_a_stale_name_is_found() -> None:
    gone, odd = "generator/" + "credentials.py", "tests/" + "x_y.py"
    assert NAMED.findall(f"timeout ({gone}) and {odd}.") == [gone, odd]
