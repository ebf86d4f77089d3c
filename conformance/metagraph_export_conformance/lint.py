"""The suite's own checks: every case well-formed, every file accounted for."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from metagraph_export.conformance.v1.case_pb2 import (
    RECOMMENDED,
    REQUIRED,
    Comparison,
    ErrorCategory,
    FileFormat,
)

from . import FAILURE_LISTS, UNTESTABLE_FILE
from .failures import FailureListError, load_failure_list
from .spec import SpecError, load_requirements
from .suite import (
    CASE_SUFFIX,
    ID_PATTERN,
    KNOWN_TAGS,
    SHARED_DIR,
    Case,
    SuiteError,
    area_of,
    case_files,
    load_case,
)


def lint(suite: Path, spec_dir: Path, failure_lists: Sequence[Path] = ()) -> list[str]:
    """Every problem found; empty when the suite is clean."""
    problems: list[str] = []
    try:
        requirements = set(load_requirements(spec_dir))
    except SpecError as error:
        problems.append(str(error))
        requirements = set()
    if not suite.is_dir():
        return [*problems, f"{suite}: no such suite directory"]

    cases: list[Case] = []
    for path in case_files(suite):
        try:
            cases.append(load_case(path))
        except SuiteError as error:
            problems.append(str(error))
    referenced: set[Path] = set()
    seen: dict[str, Path] = {}
    for case in cases:
        problems.extend(_lint_case(case, suite, requirements, referenced))
        if case.id in seen:
            problems.append(f"{case.path}: id {case.id} is also used by {seen[case.id]}")
        seen[case.id] = case.path

    case_paths = {case.path.resolve() for case in cases}
    for path in sorted(suite.rglob("*")):
        if path.is_dir():
            continue
        resolved = path.resolve()
        if resolved in case_paths or resolved in referenced:
            continue
        relative = path.relative_to(suite)
        if len(relative.parts) == 1:
            problems.append(f"{path}: a file at the top of the suite; cases go in area directories")
        else:
            problems.append(f"{path}: a stray file: no case refers to it")
    for directory in sorted(path for path in suite.rglob("*") if path.is_dir()):
        if not any(directory.iterdir()):
            problems.append(f"{directory}: an empty directory")

    ids = set(seen)
    for failure_list in failure_lists:
        try:
            entries = load_failure_list(failure_list).entries
        except FailureListError as error:
            problems.append(str(error))
            continue
        for case_id in sorted(entries):
            if case_id not in ids:
                problems.append(f"{failure_list}: {case_id} is not a case of the suite")
    return problems


def default_failure_lists() -> list[Path]:
    """The failure lists of the repository: conformance/failure_lists/*.txt and
    the example testees' conformance/testees/*/failures.txt."""
    lists = sorted(FAILURE_LISTS.glob("*.txt")) if FAILURE_LISTS.is_dir() else []
    return lists + sorted((FAILURE_LISTS.parent / "testees").glob("*/failures.txt"))


def _lint_case(case: Case, suite: Path, requirements: set[str], referenced: set[Path]) -> list[str]:
    problems: list[str] = []
    message = case.message
    where = str(case.path)

    def problem(text: str) -> None:
        problems.append(f"{where}: {text}")

    if not ID_PATTERN.match(message.id):
        problem(
            f"id {message.id!r} is not Level.Area.Name[.More] with components [A-Z][A-Za-z0-9]*"
        )
        return problems
    if case.path.name != message.id + CASE_SUFFIX:
        problem(f"the file of case {message.id} must be named {message.id}{CASE_SUFFIX}")
    area = area_of(message.id)
    if case.path.parent.name != area.lower() or case.path.parent.parent != suite:
        problem(f"case {message.id} belongs in {suite / area.lower()}")
    level = {"Required": REQUIRED, "Recommended": RECOMMENDED}[message.id.split(".")[0]]
    if message.level != level:
        problem(f"level {message.level} does not agree with the id's {message.id.split('.')[0]}")
    if not message.requirements:
        problem("no requirement IDs")
    for requirement in message.requirements:
        if requirements and requirement not in requirements:
            problem(f"requirement {requirement} is not in the specification")
    if len(set(message.requirements)) != len(message.requirements):
        problem("a requirement is listed twice")
    if not message.description.strip():
        problem("no description")
    for tag in message.tags:
        if tag not in KNOWN_TAGS:
            problem(f"unknown tag {tag!r} (known: {', '.join(sorted(KNOWN_TAGS))})")

    given = message.input
    modes = [
        given.HasField("raw_arguments"),
        given.HasField("synthesized"),
        given.HasField("arguments") or len(given.arguments_files) > 0,
        given.HasField("import_arguments") or len(given.import_arguments_files) > 0,
        given.HasField("raw_import_arguments"),
    ]
    if sum(modes) != 1:
        problem(
            "the input needs exactly one of arguments(_files), raw_arguments, synthesized, "
            "import_arguments, raw_import_arguments"
        )
    is_import = modes[3] or modes[4]
    if modes[3]:
        try:
            import_arguments = case.import_arguments()
        except SuiteError as error:
            problems.append(str(error))
        else:
            source = import_arguments.WhichOneof("source")
            if source == "filename" and Path(import_arguments.filename).is_absolute():
                problem("the import's filename must be relative to the sandbox")
    for name in [*given.arguments_files, *given.import_arguments_files]:
        try:
            path = case.resolve(name)
        except SuiteError as error:
            problems.append(str(error))
            continue
        if not path.is_file():
            problem(f"arguments file {name} does not exist")
        elif path.parent.name != SHARED_DIR or path.parent.parent != suite.resolve():
            problem(f"arguments file {name} is not in {suite / SHARED_DIR}")
        referenced.add(path)
    if modes[2]:
        try:
            arguments = case.arguments()
        except SuiteError as error:
            problems.append(str(error))
        else:
            if arguments.HasField("filename") and Path(arguments.filename).is_absolute():
                problem("filename must be relative to the sandbox")
    for entry in given.sandbox:
        if not entry.path or entry.path.startswith("/") or ".." in entry.path.split("/"):
            problem(f"sandbox path {entry.path!r} must be relative and inside the sandbox")

    outcome = message.expected.WhichOneof("outcome")
    expected_files = []
    if outcome is None:
        problem("no expected outcome")
    elif (outcome == "import") != is_import and outcome != "error":
        problem("an import case expects an import or an error; an export case, no import")
    elif outcome == "error":
        if message.expected.error.category == ErrorCategory.Value("ERROR_CATEGORY_UNSPECIFIED"):
            problem("the expected error has no category")
        expected_files = list(message.expected.error.may_leave)
    elif outcome == "export":
        expected_files = list(message.expected.export.files)
    if expected_files:
        paths = [file.path for file in expected_files]
        if paths != sorted(paths) or len(set(paths)) != len(paths):
            problem("expected files must be sorted by path, each listed once")
        for file in expected_files:
            if file.format == FileFormat.Value("FILE_FORMAT_UNSPECIFIED"):
                problem(f"expected file {file.path} has no format")
            if file.comparison == Comparison.Value("COMPARISON_UNSPECIFIED"):
                problem(f"expected file {file.path} has no comparison")
            try:
                path = case.resolve(file.content_file)
            except SuiteError as error:
                problems.append(str(error))
                continue
            if not path.is_file():
                problem(f"content file {file.content_file} does not exist")
            expected_dir = case.path.parent / (message.id + ".files")
            if path.parent != expected_dir.resolve() and expected_dir.resolve() not in path.parents:
                problem(f"content file {file.content_file} is not in {expected_dir.name}/")
            referenced.add(path)
    return problems


def lint_untestable(path: Path, spec_dir: Path) -> list[str]:
    """The list of requirements no export can test: each must exist."""
    if not path.exists():
        return []
    try:
        entries = load_failure_list(path).entries
        requirements = load_requirements(spec_dir)
    except (FailureListError, SpecError) as error:
        return [str(error)]
    return [
        f"{path}: {requirement} is not in the specification"
        for requirement in sorted(entries)
        if requirement not in requirements
    ]


__all__ = ["UNTESTABLE_FILE", "default_failure_lists", "lint", "lint_untestable"]
