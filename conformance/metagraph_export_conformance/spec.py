"""The requirement IDs of the specification, read from ``spec/*.md``.

A requirement is introduced by its ID in bold, e.g. ``**EXP-SCOPE-2.**``; the
same ID elsewhere (not bold) is a reference to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# EXP-<AREA>-<n>, IMP-<AREA>-<n>, SNAP-<n>, REG-<n>; areas may contain digits
# after a letter.
ID_TEXT = r"(?:(?:EXP|IMP)-[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*|SNAP|REG)-[0-9]+"
ID_PATTERN = re.compile(rf"^{ID_TEXT}$")
# "**EXP-SCOPE-2.**" (the spec's form) or "**EXP-SCOPE-2**".
_DEFINITION = re.compile(rf"\*\*({ID_TEXT})\.?\*\*")


class SpecError(Exception):
    pass


@dataclass(frozen=True)
class Requirement:
    id: str
    file: str
    line: int
    text: str
    """The line that introduces it, for reports."""


def load_requirements(spec_dir: Path) -> dict[str, Requirement]:
    """Every requirement of the specification, in document order."""
    files = sorted(spec_dir.glob("*.md")) if spec_dir.is_dir() else []
    if not files:
        raise SpecError(f"{spec_dir}: no specification (*.md) found")
    requirements: dict[str, Requirement] = {}
    duplicates: list[str] = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in _DEFINITION.finditer(line):
                requirement_id = match.group(1)
                if requirement_id in requirements:
                    first = requirements[requirement_id]
                    duplicates.append(
                        f"{requirement_id}: {path.name}:{number} and {first.file}:{first.line}"
                    )
                    continue
                requirements[requirement_id] = Requirement(
                    requirement_id, path.name, number, line.strip()
                )
    if duplicates:
        raise SpecError("requirements introduced twice: " + "; ".join(duplicates))
    return requirements
