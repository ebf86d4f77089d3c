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
# In a source checkout (an editable install too) the suite is read where it is
# kept; an installed wheel or sdist carries a copy of it in the package
# (setup.py puts it there).
_PACKAGED = PACKAGE_DIR / "_suite"
CONFORMANCE_DIR = _PACKAGED if (_PACKAGED / "cases").is_dir() else PACKAGE_DIR.parent
REPO_ROOT = PACKAGE_DIR.parent.parent
DEFAULT_SUITE = CONFORMANCE_DIR / "cases"
DEFAULT_SPEC = CONFORMANCE_DIR / "spec" if CONFORMANCE_DIR is _PACKAGED else REPO_ROOT / "spec"
FAILURE_LISTS = CONFORMANCE_DIR / "failure_lists"
UNTESTABLE_FILE = CONFORMANCE_DIR / "untestable.txt"
