"""Where a module's resources belong. Each module that adds resources declares
the boxes of the architecture picture its resources are drawn in (`DRAWN`) and,
for the resource types it brings, how the change matrix names them when an update
replaces them (`REPLACED`). The picture and the change matrix read both from the
modules in `composer.MODULES`; a resource that no module draws fails the build."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drawn:
    """One box: its key ("{i}" stands for the AZ's number), the group it is drawn
    in (a key of diagram.GROUPS), its label, and the logical IDs it stands for."""

    key: str
    group: str
    label: str
    members: tuple[str, ...]
