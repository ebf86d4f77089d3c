"""The packages beside the reference use only its public names.

The gRPC service (``grpc_server/``), the conformance runner
(``conformance/metagraph_export_conformance/``) and the benchmarks import from
``metagraph_export`` only public modules and names, generated code, and the
one declared internal seam, ``metagraph_export._pipeline`` (the export's
stages). The conformance mutation tool patches private functions by name: that
is its job, and its only seam is the ``importlib`` call in ``mutants.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SISTERS = ("grpc_server/metagraph_export_grpc", "conformance/metagraph_export_conformance")
DECLARED_SEAM = "metagraph_export._pipeline"


def private_imports(source: str) -> list[str]:
    """Each ``metagraph_export`` private module or name a source imports,
    other than the declared seam."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] != "metagraph_export" or name.startswith(DECLARED_SEAM):
                continue
            if any(part.startswith("_") and not part.startswith("__") for part in parts[1:]):
                found.append(f"line {node.lineno}: {name}")
    return found


def _sources() -> list[Path]:
    return sorted(path for sister in SISTERS for path in (ROOT / sister).rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_sister_packages_import_only_public_names(path: Path) -> None:
    assert private_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from metagraph_export._exporter import build",
        "import metagraph_export._codec",
        "from metagraph_export import _debug_info",
        "from metagraph_export.testing import _oracles",
        "def f():\n    from metagraph_export._files import write_files",
    ],
)
def test_a_private_import_breaks_the_contract(source: str) -> None:
    assert private_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from metagraph_export._pipeline import Arguments, run",
        "from metagraph_export import _pipeline",
        "from metagraph_export.errors import ExportError",
        "from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef",
        "import metagraph_export",
        "from metagraph_export_grpc._status import ServiceError",
    ],
)
def test_public_names_and_the_seam_keep_it(source: str) -> None:
    assert private_imports(source) == []
