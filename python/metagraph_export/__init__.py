"""TensorFlow 2.21's ``export_meta_graph``, specified and reimplemented without TensorFlow.

>>> import metagraph_export
>>> meta_graph_def = metagraph_export.export_meta_graph(
...     "model.meta", graph=snapshot, clear_devices=True)

The specification (spec/ in the source repository) is normative; this package
is its reference implementation.
"""

from __future__ import annotations

from ._api import ExportResult, export, export_meta_graph
from ._exporter import Diagnostic
from ._import_api import ImportResult, import_meta_graph
from ._registry import OpRegistry, default_registry
from .errors import (
    ArgumentTypeError,
    DecodeError,
    ExportError,
    GraphTooLargeError,
    InvalidArgumentError,
    WriteError,
)
from .snapshot.v1.snapshot_pb2 import GraphSnapshot

__version__ = "0.1.0"

__all__ = [
    "ArgumentTypeError",
    "DecodeError",
    "Diagnostic",
    "ExportError",
    "ExportResult",
    "GraphSnapshot",
    "GraphTooLargeError",
    "ImportResult",
    "InvalidArgumentError",
    "OpRegistry",
    "WriteError",
    "__version__",
    "default_registry",
    "export",
    "export_meta_graph",
    "import_meta_graph",
]
