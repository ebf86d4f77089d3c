"""``metagraph-export conformance``: run, lint and measure the conformance suite.

    run --backend B [--case PATTERN] [--failure-list FILE] [--junit FILE]
    lint
    coverage
    mutants
    generate [--check]      (in the TensorFlow environment)

Exit status 0 only when everything is clean; 1 when a case, a check or a
mutant says otherwise; 2 for a wrong command line or an unusable backend.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import DEFAULT_SPEC, DEFAULT_SUITE, UNTESTABLE_FILE, __version__
from .backends import BackendError, make_backend
from .failures import FailureListError, load_failure_list
from .report import ReportError
from .runner import (
    EXPECTED_FAILURE,
    FAILED,
    Options,
    Result,
    run_cases,
    selected,
    stale_entries,
    summary_line,
    write_junit,
)
from .spec import SpecError
from .suite import SuiteError, load_suite


def main(argv: Sequence[str] | None = None, prog: str = "metagraph-export conformance") -> int:
    parser = _parser(prog)
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["generate"]:
        # The generator has options of its own: hand them over untouched.
        from .generate import main as generate_main

        return generate_main(args[1:])
    arguments = parser.parse_args(args)
    if getattr(arguments, "backend", None) == "tensorflow" and (
        os.environ.get("PYTHONHASHSEED") != "0"
    ):
        # TensorFlow adds variables to collections in set order: graphs are
        # only reproducible with fixed str hashing.
        os.environ["PYTHONHASHSEED"] = "0"
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-m", "metagraph_export_conformance", *args])
    try:
        status: int = arguments.command(arguments)
        return status
    except (SuiteError, SpecError, FailureListError, ReportError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    except BackendError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="The conformance suite of export_meta_graph (TensorFlow 2.21)."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def suite_options(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--suite", type=Path, default=DEFAULT_SUITE, help="the cases directory"
        )
        command.add_argument(
            "--spec", type=Path, default=DEFAULT_SPEC, help="the specification directory"
        )

    run = commands.add_parser("run", help="run the cases against an implementation")
    run.add_argument(
        "--backend",
        required=True,
        metavar="B",
        help="python | tensorflow | exec:PROGRAM | grpc://HOST:PORT",
    )
    run.add_argument(
        "--case",
        action="append",
        default=[],
        metavar="PATTERN",
        help="run only cases whose id matches this glob (repeatable), e.g. 'Required.Scope.*'",
    )
    run.add_argument("--failure-list", type=Path, metavar="FILE", help="the known failures")
    run.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    run.add_argument(
        "--json-results", type=Path, metavar="FILE", help="also write the results as JSON (report)"
    )
    run.add_argument("--slow", action="store_true", help="also run cases tagged slow")
    run.add_argument("--required-only", action="store_true", help="skip RECOMMENDED cases")
    run.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="per case, for exec: and grpc:// backends (default 60)",
    )
    run.add_argument("--keep-sandboxes", action="store_true", help="keep the case directories")
    run.add_argument("-v", "--verbose", action="store_true", help="print every case")
    suite_options(run)
    run.set_defaults(command=_run)

    lint = commands.add_parser("lint", help="check the cases and failure lists")
    suite_options(lint)
    lint.add_argument(
        "--failure-list",
        type=Path,
        action="append",
        metavar="FILE",
        help="failure lists to check (default: conformance/failure_lists/*.txt)",
    )
    lint.set_defaults(command=_lint)

    coverage = commands.add_parser(
        "coverage", help="report which requirements the cases check; fail if any is uncovered"
    )
    suite_options(coverage)
    coverage.add_argument(
        "--untestable",
        type=Path,
        default=UNTESTABLE_FILE,
        metavar="FILE",
        help="requirements no export can test, with reasons",
    )
    coverage.add_argument("-v", "--verbose", action="store_true", help="list the cases too")
    coverage.set_defaults(command=_coverage)

    mutants = commands.add_parser(
        "mutants", help="check that the suite catches deliberately wrong variants of the reference"
    )
    suite_options(mutants)
    mutants.add_argument("--list", action="store_true", help="list the mutants and stop")
    mutants.add_argument(
        "--mutant", action="append", default=[], metavar="NAME", help="only these mutants"
    )
    mutants.add_argument(
        "--jobs", type=int, default=0, metavar="N", help="processes (default: CPU count)"
    )
    mutants.set_defaults(command=_mutants)

    from .report_cli import register

    register(commands, suite_options)

    commands.add_parser(
        "generate",
        help="regenerate the cases from TensorFlow (TensorFlow environment only; "
        "--check compares instead)",
        add_help=False,
    )
    return parser


def _run(arguments: argparse.Namespace) -> int:
    cases = load_suite(arguments.suite)
    failure_list = load_failure_list(arguments.failure_list)
    options = Options(
        patterns=arguments.case,
        include_slow=arguments.slow,
        required_only=arguments.required_only,
        keep_sandboxes=arguments.keep_sandboxes,
    )
    stale = stale_entries(failure_list, (case.id for case in cases))
    if stale:
        for case_id in stale:
            print(f"failure list: {case_id} is not a case of the suite", file=sys.stderr)
        return 1
    if not any(selected(case, options) for case in cases):
        print("no case matches", file=sys.stderr)
        return 1
    backend = make_backend(arguments.backend, arguments.timeout)
    verbose: bool = arguments.verbose

    def report(result: Result) -> None:
        if result.status == FAILED:
            print(f"FAIL {result.case_id}\n  {_indent(result.message)}", flush=True)
        elif verbose:
            label = {EXPECTED_FAILURE: "XFAIL"}.get(result.status, result.status.upper())
            line = f"{label:<8} {result.case_id}"
            if result.message and result.status != "passed":
                line += f"  ({result.message.splitlines()[0][:160]})"
            print(line, flush=True)

    started = time.monotonic()
    try:
        description = backend.start()
        print(f"backend: {arguments.backend} ({description})", flush=True)
        results = run_cases(cases, backend, failure_list, options, report)
    finally:
        backend.close()
    if arguments.junit is not None:
        write_junit(results, arguments.junit, f"metagraph-export conformance ({arguments.backend})")
    if arguments.json_results is not None:
        from .report import Run, write_results

        write_results(arguments.json_results, Run(arguments.backend, description, tuple(results)))
    print(f"{len(results)} cases in {time.monotonic() - started:.1f} s")
    print(summary_line(results))
    return 1 if any(result.status == FAILED for result in results) else 0


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _lint(arguments: argparse.Namespace) -> int:
    from .lint import default_failure_lists, lint, lint_untestable

    failure_lists = arguments.failure_list or default_failure_lists()
    problems = lint(arguments.suite, arguments.spec, failure_lists)
    problems += lint_untestable(UNTESTABLE_FILE, arguments.spec)
    for problem in problems:
        print(problem)
    count = len(load_suite(arguments.suite)) if arguments.suite.is_dir() else 0  # cached
    if problems:
        print(f"lint: {len(problems)} problem(s) in {count} cases")
        return 1
    print(f"lint: {count} cases, {len(failure_lists)} failure list(s): no problems")
    return 0


def _coverage(arguments: argparse.Namespace) -> int:
    from .coverage import measure, report

    coverage = measure(arguments.suite, arguments.spec, arguments.untestable)
    print(report(coverage, arguments.verbose))
    problems = coverage.problems()
    for problem in problems:
        print(f"coverage: {problem}")
    return 1 if problems else 0


def _mutants(arguments: argparse.Namespace) -> int:
    from .mutants import MUTANTS, run_mutants

    if arguments.list:
        for mutant in MUTANTS:
            print(f"{mutant.name:<40} {mutant.description}")
        return 0
    return run_mutants(arguments.suite, arguments.mutant, arguments.jobs)
