"""Running cases against a backend and judging the outcomes."""

from __future__ import annotations

import fnmatch
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from metagraph_export.conformance.v1.case_pb2 import (
    Comparison,
    ErrorCategory,
    ExpectedExport,
    ExpectedImport,
    FileFormat,
)

from . import compare
from .backends import (
    FILESYSTEM,
    IMPORT,
    SYNTHESIZED,
    Backend,
    Broken,
    Call,
    Exported,
    Failed,
    Imported,
    Outcome,
)
from .failures import FailureList
from .suite import SLOW, Case, SuiteError, synthesized_arguments

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"
EXPECTED_FAILURE = "expected failure"


@dataclass(frozen=True)
class Result:
    case_id: str
    status: str
    message: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Options:
    patterns: Sequence[str] = ()
    """Glob patterns (fnmatch) a case id must match one of; empty: all."""
    include_slow: bool = False
    required_only: bool = False
    keep_sandboxes: bool = False


def selected(case: Case, options: Options) -> bool:
    if not options.patterns:
        return True
    return any(fnmatch.fnmatchcase(case.id, pattern) for pattern in options.patterns)


def _skip_reason(case: Case, backend: Backend, options: Options) -> str | None:
    if SLOW in case.tags and not options.include_slow:
        return "slow (run with --slow)"
    if options.required_only and case.id.startswith("Recommended."):
        return "RECOMMENDED (--required-only)"
    needs_filesystem = FILESYSTEM in case.tags or len(case.message.input.sandbox) > 0
    if needs_filesystem and FILESYSTEM not in backend.capabilities:
        return f"needs the runner's sandbox, which {backend.name} does not write into"
    if case.is_import and IMPORT not in backend.capabilities:
        return backend.import_skip_reason()
    if case.input_kind() == "synthesized" and SYNTHESIZED not in backend.capabilities:
        return f"the input is larger than one message, which {backend.name} cannot take"
    return backend.skip_reason(case.id)


def run_cases(
    cases: Iterable[Case],
    backend: Backend,
    failure_list: FailureList,
    options: Options,
    report: Callable[[Result], None] | None = None,
) -> list[Result]:
    results: list[Result] = []
    root = Path(tempfile.mkdtemp(prefix="metagraph-conformance-"))
    try:
        for case in cases:
            if not selected(case, options):
                continue
            result = _judge(case, backend, failure_list, options, root)
            results.append(result)
            if report is not None:
                report(result)
    finally:
        if not options.keep_sandboxes:
            shutil.rmtree(root, ignore_errors=True)
    return results


def _judge(
    case: Case, backend: Backend, failure_list: FailureList, options: Options, root: Path
) -> Result:
    reason = _skip_reason(case, backend, options)
    if reason is not None:
        return Result(case.id, SKIPPED, reason)
    started = time.monotonic()
    try:
        problem = run_case(case, backend, root)
    except SuiteError as error:
        problem = f"the case cannot be read: {error}"
    seconds = time.monotonic() - started
    listed = case.id in failure_list
    if problem is None:
        if listed:
            return Result(
                case.id,
                FAILED,
                "passed, but the failure list says it fails "
                f"({failure_list.reason(case.id)}); remove it from the list",
                seconds,
            )
        return Result(case.id, PASSED, "", seconds)
    if listed:
        return Result(case.id, EXPECTED_FAILURE, problem, seconds)
    return Result(case.id, FAILED, problem, seconds)


def run_case(case: Case, backend: Backend, root: Path) -> str | None:
    """Runs one case; returns what is wrong, or None when it passes."""
    sandbox = Path(tempfile.mkdtemp(prefix="case-", dir=root)).resolve()
    before = prepare_sandbox(case, sandbox)
    call = make_call(case, sandbox)
    outcome = backend.run(call)
    return judge_outcome(case, outcome, sandbox, before)


def prepare_sandbox(case: Case, sandbox: Path) -> dict[str, bytes]:
    """Creates the case's sandbox entries; returns the files it holds."""
    for entry in case.message.input.sandbox:
        target = sandbox.joinpath(*entry.path.split("/"))
        if entry.WhichOneof("kind") == "directory":
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(entry.file_content)
    return read_sandbox(sandbox)


def make_call(case: Case, sandbox: Path) -> Call:
    kind = case.input_kind()
    if kind == "import":
        return Call(case.id, sandbox, None, import_arguments=case.import_arguments())
    if kind == "raw_import":
        return Call(
            case.id, sandbox, None, raw_import_arguments=case.message.input.raw_import_arguments
        )
    if kind == "raw":
        return Call(case.id, sandbox, None, raw_arguments=case.message.input.raw_arguments)
    if kind == "synthesized":
        arguments = synthesized_arguments(case)
        return Call(case.id, sandbox, arguments, too_large_to_serialize=True)
    return Call(case.id, sandbox, case.arguments())


def read_sandbox(sandbox: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for directory, _, names in os.walk(sandbox):
        for name in names:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                files[path.relative_to(sandbox).as_posix()] = path.read_bytes()
    return dict(sorted(files.items()))


def judge_outcome(
    case: Case, outcome: Outcome, sandbox: Path, before: dict[str, bytes]
) -> str | None:
    expected = case.message.expected
    if isinstance(outcome, Broken):
        return outcome.reason
    # A backend that writes elsewhere reports the whole sandbox as it left it.
    reported = None if isinstance(outcome, Imported) else outcome.files
    files = read_sandbox(sandbox) if reported is None else reported
    which = expected.WhichOneof("outcome")
    if which == "error":
        wanted = ErrorCategory.Name(expected.error.category)
        if isinstance(outcome, Exported | Imported):
            call = "import" if isinstance(outcome, Imported) else "export"
            return f"expected an error {wanted}, but the {call} succeeded"
        if outcome.category != wanted:
            return f"expected an error {wanted}, got {outcome.category}: {outcome.message}"
        allowed = {file.path: case.read(file.content_file) for file in expected.error.may_leave}
        return _sandbox_unchanged(before, files, allowed)
    call = "an import" if which == "import" else "an export"
    if isinstance(outcome, Failed):
        return f"expected {call}, got an error {outcome.category}: {outcome.message}"
    if which == "import":
        if not isinstance(outcome, Imported):
            return "expected an import, but the backend answered with an export"
        difference = _judge_import(getattr(expected, "import"), outcome)
        if difference is None:
            # An import writes nothing (IMP-ARGS-6).
            difference = _sandbox_unchanged(before, files, {})
        return difference
    if not isinstance(outcome, Exported):
        return "expected an export, but the backend answered with an import"
    return _judge_export(case, expected.export, outcome, files)


def _judge_import(expected: ExpectedImport, outcome: Imported) -> str | None:
    difference = compare.snapshot_difference(expected.snapshot, outcome.snapshot)
    if difference is not None:
        return f"resulting snapshot: {difference}"
    wanted_saver = expected.saver_def if expected.HasField("saver_def") else None
    if (wanted_saver is None) != (outcome.saver_def is None):
        return (
            f"saver_def: expected {'none' if wanted_saver is None else 'one'}, "
            f"got {'none' if outcome.saver_def is None else 'one'}"
        )
    if wanted_saver is not None and outcome.saver_def is not None:
        difference = compare.first_difference(wanted_saver, outcome.saver_def)
        if difference is not None:
            return f"saver_def: {difference}"
    wanted_names = (
        tuple(expected.return_elements.names) if expected.HasField("return_elements") else None
    )
    if wanted_names != outcome.return_elements:
        return f"return_elements: expected {wanted_names}, got {outcome.return_elements}"
    return diagnostics_difference(
        [(d.code, d.subject) for d in expected.diagnostics], list(outcome.diagnostics)
    )


def _sandbox_unchanged(
    before: dict[str, bytes], after: dict[str, bytes], allowed: dict[str, bytes]
) -> str | None:
    """A failed export leaves no file behind and every existing one as it was
    (spec EXP-FILE-6), except the files it may leave, with their content."""
    for path in sorted(set(before) | set(after)):
        if path in allowed and (path not in after or after[path] == allowed[path]):
            continue
        if path not in after:
            return f"after the error, {path} is gone"
        if path not in before:
            return f"after the error, {path} was left behind"
        if before[path] != after[path]:
            return f"after the error, {path} was changed"
    return None


def _judge_export(
    case: Case, expected: ExpectedExport, outcome: Exported, files: dict[str, bytes]
) -> str | None:
    difference = compare.meta_graph_difference(expected.meta_graph_def, outcome.meta_graph_def)
    if difference is not None:
        return f"returned MetaGraphDef: {difference}"
    wanted_paths = [file.path for file in expected.files]
    for path in wanted_paths:
        if path not in files:
            present = ", ".join(sorted(files)) or "none"
            return f"file {path} was not written (files present: {present})"
    for path in files:
        if path not in wanted_paths:
            return f"file {path} was written, but no such file is expected"
    for file in expected.files:
        content = case.read(file.content_file)
        difference = compare.file_difference(
            content,
            files[file.path],
            FileFormat.Name(file.format),
            file.comparison == Comparison.Value("NORMALIZED_MESSAGE"),
            file.path,
        )
        if difference is not None:
            return difference
    if outcome.reports_diagnostics:
        difference = diagnostics_difference(
            [(d.code, d.subject) for d in expected.diagnostics], list(outcome.diagnostics)
        )
        if difference is not None:
            return difference
    return None


def diagnostics_difference(
    expected: list[tuple[str, str]], actual: list[tuple[str, str]]
) -> str | None:
    """Diagnostics are compared by code and subject, in the order emitted
    (spec EXP-DIAG-1); messages and severities are not compared."""
    if expected == actual:
        return None

    def show(items: list[tuple[str, str]]) -> str:
        return "[" + ", ".join(f"{code}({subject!r})" for code, subject in items) + "]"

    for index, (a, b) in enumerate(zip(expected, actual, strict=False)):
        if a != b:
            return (
                f"diagnostics[{index}]: expected {show([a])[1:-1]}, got {show([b])[1:-1]} "
                f"(expected {show(expected)}, got {show(actual)})"
            )
    return f"diagnostics: expected {show(expected)}, got {show(actual)}"


# Reporting.


def summary_line(results: Sequence[Result]) -> str:
    counts = Counter(result.status for result in results)
    return (
        f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[SKIPPED]} skipped, "
        f"{counts[EXPECTED_FAILURE]} expected failures"
    )


def stale_entries(failure_list: FailureList, known_ids: Iterable[str]) -> list[str]:
    """Failure-list entries naming no case of the suite."""
    known = set(known_ids)
    return sorted(case_id for case_id in failure_list.entries if case_id not in known)


def write_junit(results: Sequence[Result], path: Path, suite_name: str) -> None:
    counts = Counter(result.status for result in results)
    suite = ElementTree.Element(
        "testsuite",
        name=suite_name,
        tests=str(len(results)),
        failures=str(counts[FAILED]),
        errors="0",
        skipped=str(counts[SKIPPED] + counts[EXPECTED_FAILURE]),
        time=f"{sum(result.seconds for result in results):.3f}",
    )
    for result in results:
        classname, _, name = result.case_id.rpartition(".")
        element = ElementTree.SubElement(
            suite, "testcase", classname=classname, name=name, time=f"{result.seconds:.3f}"
        )
        if result.status == FAILED:
            failure = ElementTree.SubElement(
                element, "failure", message=result.message.splitlines()[0][:200]
            )
            failure.text = result.message
        elif result.status == SKIPPED:
            ElementTree.SubElement(element, "skipped", message=result.message)
        elif result.status == EXPECTED_FAILURE:
            ElementTree.SubElement(
                element, "skipped", message=f"expected failure: {result.message}"[:500]
            )
    root = ElementTree.Element("testsuites")
    root.append(suite)
    tree = ElementTree.ElementTree(root)
    ElementTree.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
