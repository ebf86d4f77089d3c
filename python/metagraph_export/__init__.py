"""TensorFlow 2.21's ``export_meta_graph``, specified and reimplemented without TensorFlow.

>>> import metagraph_export
>>> meta_graph_def = metagraph_export.export_meta_graph(
...     "model.meta", graph=snapshot, clear_devices=True)

The specification (spec/ in the source repository) is normative; this package
is its reference implementation.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    ArgumentTypeError,
    DecodeError,
    ExportError,
    GraphTooLargeError,
    InvalidArgumentError,
    WriteError,
)

if TYPE_CHECKING:
    from ._api import ExportResult, export, export_meta_graph
    from ._exporter import Diagnostic
    from ._import_api import ImportResult, import_meta_graph
    from ._registry import OpRegistry, default_registry
    from ._toolkit.canonical import canonical_bytes, content_hash
    from ._toolkit.diff import GraphDiff, diff
    from ._toolkit.prune import prune
    from ._toolkit.saved_model import SavedModelInfo, read_saved_model
    from ._toolkit.summarize import Summary, summarize
    from .snapshot.v1.snapshot_pb2 import GraphSnapshot

__version__ = "0.1.0"

# Loaded on first use: the command line's --version and --help, and a program
# that only catches this package's errors, load no protobuf code.
_LAZY = {
    "ExportResult": "._api",
    "export": "._api",
    "export_meta_graph": "._api",
    "Diagnostic": "._exporter",
    "ImportResult": "._import_api",
    "import_meta_graph": "._import_api",
    "OpRegistry": "._registry",
    "default_registry": "._registry",
    "GraphSnapshot": ".snapshot.v1.snapshot_pb2",
    # From the modules that define them, not through the toolkit package:
    # once its submodule ``diff`` (``prune``, ``summarize``) is imported, the
    # package's attribute of that name is the submodule, not the function.
    "GraphDiff": "._toolkit.diff",
    "diff": "._toolkit.diff",
    "SavedModelInfo": "._toolkit.saved_model",
    "read_saved_model": "._toolkit.saved_model",
    "Summary": "._toolkit.summarize",
    "summarize": "._toolkit.summarize",
    "canonical_bytes": "._toolkit.canonical",
    "content_hash": "._toolkit.canonical",
    "prune": "._toolkit.prune",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ArgumentTypeError",
    "DecodeError",
    "Diagnostic",
    "ExportError",
    "ExportResult",
    "GraphDiff",
    "GraphSnapshot",
    "GraphTooLargeError",
    "ImportResult",
    "InvalidArgumentError",
    "OpRegistry",
    "SavedModelInfo",
    "Summary",
    "WriteError",
    "__version__",
    "canonical_bytes",
    "content_hash",
    "default_registry",
    "diff",
    "export",
    "export_meta_graph",
    "import_meta_graph",
    "prune",
    "read_saved_model",
    "summarize",
]
