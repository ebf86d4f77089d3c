"""Which requirements of the specification the cases check."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .failures import load_failure_list
from .spec import Requirement, load_requirements
from .suite import load_suite

MINIMUM_CASES = 250


@dataclass(frozen=True)
class Coverage:
    requirements: dict[str, Requirement]
    cases_by_requirement: dict[str, list[str]]
    untestable: dict[str, str]
    case_count: int

    @property
    def uncovered(self) -> list[str]:
        return [
            requirement
            for requirement in self.requirements
            if not self.cases_by_requirement.get(requirement) and requirement not in self.untestable
        ]

    @property
    def covered_but_listed_untestable(self) -> list[str]:
        return [
            requirement
            for requirement in self.untestable
            if self.cases_by_requirement.get(requirement)
        ]

    @property
    def unknown_untestable(self) -> list[str]:
        return [
            requirement for requirement in self.untestable if requirement not in self.requirements
        ]

    def problems(self, minimum_cases: int = MINIMUM_CASES) -> list[str]:
        problems = [f"{requirement}: no case checks it" for requirement in self.uncovered]
        problems += [
            f"{requirement}: listed as untestable, yet cases check it"
            for requirement in self.covered_but_listed_untestable
        ]
        problems += [
            f"{requirement}: listed as untestable, but not in the specification"
            for requirement in self.unknown_untestable
        ]
        if self.case_count < minimum_cases:
            problems.append(f"only {self.case_count} cases; the suite needs {minimum_cases}")
        return problems


def measure(suite: Path, spec_dir: Path, untestable_file: Path) -> Coverage:
    requirements = load_requirements(spec_dir)
    cases = load_suite(suite)
    by_requirement: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        for requirement in case.message.requirements:
            by_requirement[requirement].append(case.id)
    untestable = load_failure_list(untestable_file).entries if untestable_file.exists() else {}
    return Coverage(requirements, dict(by_requirement), untestable, len(cases))


def report(coverage: Coverage, verbose: bool) -> str:
    lines = []
    for requirement in coverage.requirements:
        cases = coverage.cases_by_requirement.get(requirement, [])
        if cases:
            status = f"{len(cases):4d} case(s)"
        elif requirement in coverage.untestable:
            status = f"untestable: {coverage.untestable[requirement]}"
        else:
            status = "   NOT COVERED"
        if verbose or not cases:
            lines.append(f"{requirement:<22} {status}")
            if verbose and cases:
                lines.extend(f"{'':<27}{case_id}" for case_id in cases)
    total = len(coverage.requirements)
    covered = sum(1 for r in coverage.requirements if coverage.cases_by_requirement.get(r))
    lines.append(
        f"{covered} of {total} requirements covered by {coverage.case_count} cases, "
        f"{len(coverage.untestable)} listed as untestable, {len(coverage.uncovered)} uncovered"
    )
    return "\n".join(lines)
