"""Copies the conformance suite's data into the conformance package it ships in.

Everything else about the build is in pyproject.toml. The cases, the
specification they cite, the failure lists and the untestable list are kept
in conformance/ and spec/ of the source tree; an installed package reads them
from metagraph_export_conformance/_suite/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# (source, destination below _suite/)
SUITE_DATA = (
    ("conformance/cases", "cases"),
    ("conformance/failure_lists", "failure_lists"),
    ("conformance/testees/node/failures.txt", "testees/node/failures.txt"),
    ("conformance/untestable.txt", "untestable.txt"),
    ("spec", "spec"),
)


class BuildWithSuite(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "metagraph_export_conformance" / "_suite"
        for source, destination in SUITE_DATA:
            origin, copy = ROOT / source, target / destination
            copy.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, copy, dirs_exist_ok=True)
            else:
                shutil.copy2(origin, copy)


setup(cmdclass={"build_py": BuildWithSuite})
