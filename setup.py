"""Copies data kept outside the packages into the packages that ship it.

Everything else about the build is in pyproject.toml. The op registry data
(spec/registry/) goes into metagraph_export/data/; the conformance cases, the
specification they cite, the failure lists and the untestable list, kept in
conformance/ and spec/ of the source tree, go into
metagraph_export_conformance/_suite/. A source checkout (an editable install
too) reads them where they are kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# (source, destination below the build directory)
PACKAGE_DATA = (("spec/registry/op_registry.binpb", "metagraph_export/data/op_registry.binpb"),)
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
        build = Path(self.build_lib)
        suite = build / "metagraph_export_conformance" / "_suite"
        copies = [(source, build / destination) for source, destination in PACKAGE_DATA]
        copies += [(source, suite / destination) for source, destination in SUITE_DATA]
        for source, copy in copies:
            origin = ROOT / source
            copy.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, copy, dirs_exist_ok=True)
            else:
                shutil.copy2(origin, copy)


setup(cmdclass={"build_py": BuildWithSuite})
