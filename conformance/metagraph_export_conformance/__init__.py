"""The conformance suite of metagraph-export: cases, runner, linter, coverage,
mutation check and the golden generator's entry point.

The cases live in ``conformance/cases/`` as text-format ``TestCase`` messages
(``proto/metagraph_export/conformance/v1/case.proto``); this package reads
them and runs them against an implementation.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent
CONFORMANCE_DIR = PACKAGE_DIR.parent
REPO_ROOT = CONFORMANCE_DIR.parent
DEFAULT_SUITE = CONFORMANCE_DIR / "cases"
DEFAULT_SPEC = REPO_ROOT / "spec"
FAILURE_LISTS = CONFORMANCE_DIR / "failure_lists"
UNTESTABLE_FILE = CONFORMANCE_DIR / "untestable.txt"
