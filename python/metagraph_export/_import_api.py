"""The public ``import_meta_graph``: a snapshot, or a live ``tf.Graph`` captured first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._importer import ImportDiagnostic, ImportResult
from ._importer import import_meta_graph as _import
from .snapshot.v1.snapshot_pb2 import GraphSnapshot

__all__ = ["ImportDiagnostic", "ImportResult", "import_meta_graph"]


def import_meta_graph(
    meta_graph_or_file: object,
    clear_devices: bool = False,
    import_scope: str | None = None,
    *,
    graph: Any = None,
    input_map: Mapping[str, str] | None = None,
    unbound_inputs_col_name: str | None = "unbound_inputs",
    restore_collections_predicate: Sequence[str] | None = None,
    return_elements: Sequence[str] | None = None,
) -> ImportResult:
    """What TensorFlow 2.21's ``tf.compat.v1.train.import_meta_graph`` leaves in a graph
    (spec/import.md).

    ``meta_graph_or_file`` is a ``MetaGraphDef`` (this package's or TensorFlow's)
    or the path of a binary or text file. ``graph`` is the target: a
    :class:`GraphSnapshot`, a ``tf.Graph`` where TensorFlow is installed
    (captured, never changed), or None for a fresh graph. ``input_map`` maps
    tensor names of the meta graph to tensor names of the target;
    ``restore_collections_predicate`` lists the collection keys to restore.
    Nothing passed in is modified; a failure raises an ``ExportError`` subclass.
    """
    if graph is not None and not isinstance(graph, GraphSnapshot) and _is_tf_graph(graph):
        from ._tf_adapter import snapshot_from_graph

        graph = snapshot_from_graph(graph)
    return _import(
        meta_graph_or_file,
        clear_devices,
        import_scope,
        graph=graph,
        input_map=input_map,
        unbound_inputs_col_name=unbound_inputs_col_name,
        restore_collections_predicate=restore_collections_predicate,
        return_elements=return_elements,
    )


def _is_tf_graph(value: object) -> bool:
    return any(
        cls.__module__ == "tensorflow.python.framework.ops" and cls.__name__ == "Graph"
        for cls in type(value).__mro__
    )
