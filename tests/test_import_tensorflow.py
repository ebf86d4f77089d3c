"""The reference import against TensorFlow 2.21's import_meta_graph (spec/import.md).

Each graph of the conformance generator is exported by TensorFlow, then
imported by TensorFlow into a tf.Graph and by the reference into the snapshot
of an equal graph, under many argument combinations. The graphs TensorFlow
leaves behind are captured with the snapshot producer and compared with ours:
graph_def (library as a map), output shapes, operation inputs, collections,
SaverDef, return elements, and, when TensorFlow fails, the error category.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

tf = pytest.importorskip(
    "tensorflow", reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import metagraph_export  # noqa: E402
from metagraph_export._tf_adapter import snapshot_from_graph  # noqa: E402
from metagraph_export.errors import ExportError  # noqa: E402
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot  # noqa: E402
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef  # noqa: E402
from metagraph_export.tf.saver_pb2 import SaverDef  # noqa: E402

from conformance.generator import graphs  # noqa: E402

pytestmark = pytest.mark.tensorflow

v1 = tf.compat.v1

# Graphs whose collections hold objects a snapshot cannot carry into an
# export that TensorFlow can import (deliberately broken savers and items).
_SKIPPED_GRAPHS = {"saver_junk", "typed_junk", "saver_deferred"}
_GRAPHS = [name for name in graphs.BUILDERS if name not in _SKIPPED_GRAPHS]

_EXPORTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "stripped": {"strip_default_attrs": True},
    "cleared": {"clear_devices": True},
}


_INFERENCE_ONLY = "_output_shapes attribute inconsistent with the GraphDef"


def _export(name: str, options: dict[str, Any]) -> MetaGraphDef:
    built = graphs.build(name)
    with built.graph.as_default():
        exported = v1.train.export_meta_graph(saver_def=built.saver_def, **options)
    result = MetaGraphDef()
    result.ParseFromString(exported.SerializeToString())
    return result


def _target(kind: str, name: str) -> Any:
    if kind == "fresh":
        return tf.Graph()
    return graphs.build(name).graph


def _tf_import(meta: MetaGraphDef, graph: Any, kwargs: dict[str, Any]) -> tuple[Any, Any, Any]:
    from tensorflow.core.protobuf import meta_graph_pb2
    from tensorflow.python.framework import meta_graph
    from tensorflow.python.training import saver as saver_module

    theirs = meta_graph_pb2.MetaGraphDef()
    theirs.ParseFromString(meta.SerializeToString())
    kwargs = dict(kwargs)
    with graph.as_default():
        if "input_map" in kwargs:
            kwargs["input_map"] = {
                key: graph.as_graph_element(value if ":" in value else value + ":0")
                for key, value in kwargs["input_map"].items()
            }
        keys = kwargs.pop("restore_collections_predicate", None)
        if keys is not None:
            kwargs["restore_collections_predicate"] = lambda key: key in keys
        # _import_meta_graph_with_return_elements in two halves, so that the
        # graph is captured before a Saver may be built into it.
        variables, returned = meta_graph.import_scoped_meta_graph_with_return_elements(
            theirs, **kwargs
        )
        snapshot = snapshot_from_graph(graph, stack_traces=False)
        try:
            saver = saver_module._create_saver_from_imported_meta_graph(
                theirs, kwargs.get("import_scope"), variables
            )
        except ValueError as error:
            if meta.HasField("saver_def"):
                raise
            # Deliberate difference 3: building a new Saver failed (two
            # variables of one name), which the reference never attempts.
            saver = _FailedSaver(error)
    names = None if returned is None else [element.name for element in returned]
    saver_def: Any = None
    if isinstance(saver, _FailedSaver):
        saver_def = saver
    elif saver is not None:
        saver_def = SaverDef()
        saver_def.ParseFromString(saver.saver_def.SerializeToString())
    return snapshot, saver_def, names


class _FailedSaver:
    def __init__(self, error: Exception) -> None:
        self.error = error


def _comparable(snapshot: GraphSnapshot) -> GraphSnapshot:
    result = GraphSnapshot()
    result.CopyFrom(snapshot)
    functions = sorted(result.graph_def.library.function, key=lambda f: f.signature.name)
    gradients = sorted(result.graph_def.library.gradient, key=lambda g: g.function_name)
    result.graph_def.library.Clear()
    result.graph_def.library.function.extend(functions)
    result.graph_def.library.gradient.extend(gradients)
    # Not carried into an import (IMP-RESULT-4): the Python function table.
    result.ClearField("registered_library")
    result.ClearField("library_with_shapes")
    result.ClearField("stack_traces")
    return result


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", call()
    except ExportError as error:
        return "error", error
    except Exception as error:  # TensorFlow raises whatever Python raises
        return "error", error


def _check(name: str, export: str, target: str, kwargs: dict[str, Any]) -> str:
    try:
        meta = _export(name, _EXPORTS[export])
    except AssertionError:
        pytest.skip("TensorFlow's export_meta_graph itself fails on this graph with these options")
    tf_graph = _target(target, name)
    # Captured before TensorFlow imports into it: the same graph for both.
    graph = None if target == "fresh" else snapshot_from_graph(tf_graph, stack_traces=False)
    tf_status, tf_result = _outcome(lambda: _tf_import(meta, tf_graph, kwargs))
    before = meta.SerializeToString()
    our_status, our_result = _outcome(
        lambda: metagraph_export.import_meta_graph(meta, graph=graph, **kwargs)
    )
    assert meta.SerializeToString() == before  # IMP-ARGS-6
    if tf_status == "error" and _INFERENCE_ONLY in str(tf_result):
        # Deliberate difference 4: no shape inference, so an _output_shapes
        # attribute that contradicts it is taken as it is.
        assert our_status == "ok", our_result
        return "difference"
    if tf_status == "error":
        assert our_status == "error", f"TensorFlow failed ({tf_result!r}), we did not"
        assert isinstance(our_result, ExportError), our_result
        assert our_result.category in ("INVALID_ARGUMENT", "MALFORMED_INPUT")
        return "error"
    assert our_status == "ok", f"we failed: {our_result!r}"
    tf_snapshot, tf_saver_def, tf_returned = tf_result
    ours = our_result
    theirs_c, ours_c = _comparable(tf_snapshot), _comparable(ours.snapshot)
    assert list(ours_c.graph_def.node) == list(theirs_c.graph_def.node)
    assert ours_c.graph_def == theirs_c.graph_def
    assert dict(ours_c.output_shapes) == dict(theirs_c.output_shapes)
    assert dict(ours_c.operation_inputs) == dict(theirs_c.operation_inputs)
    assert list(ours_c.collections) == list(theirs_c.collections)
    assert ours_c == theirs_c
    if meta.HasField("saver_def"):
        assert ours.saver_def == tf_saver_def
    else:
        # Deliberate difference 3: TensorFlow builds a new Saver; we say so.
        assert ours.saver_def is None
        built = tf_saver_def is not None
        assert built == any(d.code == "SAVER_NOT_BUILT" for d in ours.diagnostics)
    assert ours.return_elements == tf_returned
    return "ok"


def _argument_sets(name: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for export in _EXPORTS:
        for target in ("fresh", "same"):
            yield export, target, {}
            yield export, target, {"import_scope": "imported"}
    yield "plain", "same", {"import_scope": "s"}
    yield "plain", "same", {"import_scope": "s/"}
    yield "plain", "fresh", {"clear_devices": True, "import_scope": "c"}
    yield "plain", "fresh", {"restore_collections_predicate": ["variables", "savers"]}
    yield "plain", "fresh", {"unbound_inputs_col_name": None}


_CASES = [
    pytest.param(
        name,
        export,
        target,
        kwargs,
        id=f"{name}-{export}-{target}-{'-'.join(map(str, kwargs.values())) or 'default'}",
    )
    for name in _GRAPHS
    for export, target, kwargs in _argument_sets(name)
]


@pytest.mark.parametrize(("name", "export", "target", "kwargs"), _CASES)
def test_import_matches_tensorflow(
    name: str, export: str, target: str, kwargs: dict[str, Any]
) -> None:
    _check(name, export, target, kwargs)
