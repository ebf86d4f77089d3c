"""Failure lists: the cases an implementation is known to fail, and why.

One entry per line, ``CASE_ID  # reason``; blank lines and lines that start
with ``#`` are comments. Every entry needs a reason. The list is strict: a
listed case that passes fails the run, so the list never goes stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class FailureListError(Exception):
    pass


@dataclass(frozen=True)
class FailureList:
    entries: dict[str, str]
    """Case id -> reason."""
    source: str = ""

    def __contains__(self, case_id: object) -> bool:
        return case_id in self.entries

    def reason(self, case_id: str) -> str:
        return self.entries[case_id]


def parse_failure_list(text: str, source: str) -> FailureList:
    entries: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        case_id, hash_sign, reason = stripped.partition("#")
        case_id, reason = case_id.strip(), reason.strip()
        if not hash_sign or not reason:
            problems.append(f"{source}:{number}: {case_id!r} has no '# reason'")
            continue
        if " " in case_id or "\t" in case_id:
            problems.append(f"{source}:{number}: {case_id!r} is not one case id")
            continue
        if case_id in entries:
            problems.append(f"{source}:{number}: {case_id} is listed twice")
            continue
        entries[case_id] = reason
    if problems:
        raise FailureListError("\n".join(problems))
    return FailureList(entries, source)


def load_failure_list(path: Path | None) -> FailureList:
    if path is None:
        return FailureList({})
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FailureListError(f"{path}: {error.strerror}") from None
    return parse_failure_list(text, str(path))


def format_failure_list(entries: dict[str, str], header: str = "") -> str:
    """A failure list's text, entries sorted, reasons aligned."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    width = max((len(case_id) for case_id in entries), default=0)
    for case_id in sorted(entries):
        lines.append(f"{case_id.ljust(width)}  # {entries[case_id]}")
    return "\n".join(lines) + "\n"
