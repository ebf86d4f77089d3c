"""``conformance report``: run backends or read their results, write the site.

    report [--backend B ...] [--results FILE ...] -o DIR

Exit status 0 when the site is written and no case failed, 1 when a case
failed (the site is written all the same), 2 for a wrong command line, an
unusable backend or an unreadable results file (nothing written).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import FAILURE_LISTS, UNTESTABLE_FILE
from .backends import BackendError, make_backend
from .failures import FailureListError, load_failure_list
from .report import ReportError, Run, build_report, read_results, write_site
from .runner import FAILED, Options, run_cases
from .spec import SpecError
from .suite import SuiteError, load_suite

__all__ = ["register"]


def register(commands: Any, suite_options: Callable[[argparse.ArgumentParser], None]) -> None:
    report = commands.add_parser(
        "report",
        help="run several implementations, or read their results, and write an HTML report",
        description="Write a static site (index.html, report.json, the benchmark plot) with "
        "the results of several implementations side by side.",
    )
    report.add_argument(
        "--backend",
        action="append",
        default=[],
        metavar="B",
        help="run this backend (repeatable): python | tensorflow | exec:PROGRAM | grpc://HOST:PORT",
    )
    report.add_argument(
        "--results",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="results written by 'run --json-results' (repeatable)",
    )
    report.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")
    report.add_argument(
        "--case", action="append", default=[], metavar="PATTERN", help="only these cases (glob)"
    )
    report.add_argument("--slow", action="store_true", help="also run cases tagged slow")
    report.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS")
    report.add_argument(
        "--no-benchmarks", action="store_true", help="leave the benchmark results out"
    )
    suite_options(report)
    report.set_defaults(command=_report)


def _report(arguments: argparse.Namespace) -> int:
    prog = "metagraph-export conformance report"
    if not arguments.backend and not arguments.results:
        print(f"{prog}: error: give at least one --backend or --results", file=sys.stderr)
        return 2
    if "tensorflow" in arguments.backend and os.environ.get("PYTHONHASHSEED") != "0":
        # As for run: TensorFlow's graphs are reproducible only with fixed str hashing.
        os.environ["PYTHONHASHSEED"] = "0"
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        sys.stdout.flush()
        command = sys.argv[sys.argv.index("report") :]
        os.execv(sys.executable, [sys.executable, "-m", "metagraph_export_conformance", *command])
    try:
        # Results files first: a bad one fails before any backend runs.
        runs = [read_results(path) for path in arguments.results]
        cases = load_suite(arguments.suite)
        options = Options(patterns=arguments.case, include_slow=arguments.slow)
        for name in arguments.backend:
            runs.append(_run(name, cases, options, arguments.timeout))
        untestable = load_failure_list(UNTESTABLE_FILE).entries if UNTESTABLE_FILE.exists() else {}
        report = build_report(
            runs,
            cases,
            arguments.spec,
            untestable,
            sorted(FAILURE_LISTS.glob("*.txt")),
            None if arguments.no_benchmarks else _benchmarks(),
        )
        written = write_site(report, arguments.output)
    except (ReportError, SuiteError, SpecError, FailureListError, BackendError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    for implementation in report["implementations"]:
        counts = implementation["counts"]
        print(
            f"{implementation['name']}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped, {counts['expected failure']} expected failures"
        )
    print(f"wrote {', '.join(str(arguments.output / path.name) for path in written)}")
    failed = any(item["counts"][FAILED] for item in report["implementations"])
    return 1 if failed else 0


def _run(name: str, cases: Any, options: Options, timeout: float) -> Run:
    """Runs one backend, with the suite's failure list of the same name if any."""
    listed = FAILURE_LISTS / f"{name}.txt"
    failure_list = load_failure_list(listed if listed.is_file() else None)
    backend = make_backend(name, timeout)
    try:
        description = backend.start()
        print(f"running {name} ({description})", file=sys.stderr, flush=True)
        results = run_cases(cases, backend, failure_list, options)
    finally:
        backend.close()
    return Run(name, description, tuple(results))


def _benchmarks() -> Path:
    from .report import BENCHMARKS_DIR

    return BENCHMARKS_DIR
