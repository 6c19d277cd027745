"""README is the front door: short, and every page of the guide is linked from it;
every relative link of the guide leads to a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_readme_is_a_front_door() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 300
    for heading in ("## The two commands", "## Layout", "## Where to read next"):
        assert heading in readme
    assert "make template" in readme and "make test" in readme
    linked = set(LINK.findall(readme))
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in linked, f"{page.name} is not linked from README"
    assert "CONTRIBUTING.md" in linked


def test_every_relative_link_of_the_guide_exists() -> None:
    pages = [ROOT / "README.md", ROOT / "CONTRIBUTING.md",
             *sorted((ROOT / "docs").glob("*.md"))]  # fmt: skip
    for page in pages:
        for target in LINK.findall(page.read_text()):
            if target.startswith(("http://", "https://")) or target == "LINK":
                continue
            assert (page.parent / target).exists(), f"{page.name}: {target}"
