"""The reference import against TensorFlow 2.21's import_meta_graph (spec/import.md).

Each graph of the conformance generator is exported by TensorFlow, then
imported by TensorFlow into a tf.Graph and by the reference into the snapshot
of an equal graph, under many argument combinations. The graphs TensorFlow
leaves behind are captured with the snapshot producer and compared with ours:
graph_def (library as a map), output shapes, operation inputs, collections,
SaverDef, return elements, and, when TensorFlow fails, the error category.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

tf = pytest.importorskip(
    "tensorflow", reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
)

import metagraph_export  # noqa: E402
from metagraph_export._tf_adapter import snapshot_from_graph  # noqa: E402
from metagraph_export.errors import ExportError  # noqa: E402
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot  # noqa: E402
from metagraph_export.tf.attr_value_pb2 import AttrValue  # noqa: E402
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef  # noqa: E402
from metagraph_export.tf.saver_pb2 import SaverDef  # noqa: E402
from metagraph_export.tf.tensor_shape_pb2 import TensorShapeProto  # noqa: E402
from metagraph_export.tf.types_pb2 import DT_INT32, DT_INVALID, DT_STRING  # noqa: E402

pytestmark = pytest.mark.tensorflow

# The generator's graphs, imported as the generator imports them (conformance/ on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "conformance"))
graphs: Any = importlib.import_module("generator.graphs")

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


def _tf_import(
    meta: MetaGraphDef, graph: Any, kwargs: dict[str, Any], path: str | None = None
) -> tuple[Any, Any, Any]:
    from tensorflow.core.protobuf import meta_graph_pb2
    from tensorflow.python.framework import meta_graph
    from tensorflow.python.training import saver as saver_module

    if path is not None:
        theirs = meta_graph.read_meta_graph_file(path)
    else:
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


def _refines(inferred: TensorShapeProto, given: TensorShapeProto) -> bool:
    """Whether ``inferred`` is ``given`` with unknown parts made known."""
    if given.unknown_rank:
        return True
    if inferred.unknown_rank or len(inferred.dim) != len(given.dim):
        return False
    return all(g.size in (-1, i.size) for g, i in zip(given.dim, inferred.dim, strict=True))


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
    return _compare(meta, name, target, kwargs)


def _compare(
    meta: MetaGraphDef, name: str, target: str, kwargs: dict[str, Any], path: str | None = None
) -> str:
    """Imports ``meta`` (or the file at ``path`` holding it) both ways and compares."""
    tf_graph = _target(target, name)
    # Captured before TensorFlow imports into it: the same graph for both.
    graph = None if target == "fresh" else snapshot_from_graph(tf_graph, stack_traces=False)
    tf_status, tf_result = _outcome(lambda: _tf_import(meta, tf_graph, kwargs, path))
    before = meta.SerializeToString()
    our_status, our_result = _outcome(
        lambda: metagraph_export.import_meta_graph(path or meta, graph=graph, **kwargs)
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
    assert set(ours_c.output_shapes) == set(theirs_c.output_shapes)
    for node, shapes in ours_c.output_shapes.items():
        # Deliberate difference 4: TensorFlow refines the attribute's shapes
        # by inference (after an input_map, say); ours may only be less known.
        theirs = theirs_c.output_shapes[node]
        assert len(shapes.shape) == len(theirs.shape)
        for mine, inferred in zip(shapes.shape, theirs.shape, strict=True):
            assert _refines(inferred, mine), (node, mine, inferred)
    assert dict(ours_c.operation_inputs) == dict(theirs_c.operation_inputs)
    assert list(ours_c.collections) == list(theirs_c.collections)
    ours_c.ClearField("output_shapes")
    theirs_c.ClearField("output_shapes")
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


# Scenarios: one graph, one twist each (input maps, unbound inputs, return
# elements, files, broken meta graphs).


def _scoped_basic() -> MetaGraphDef:
    built = graphs.build("basic")
    with built.graph.as_default():
        exported = v1.train.export_meta_graph(export_scope="s")
    result = MetaGraphDef()
    result.ParseFromString(exported.SerializeToString())
    return result


def _broken(change: Callable[[MetaGraphDef], None]) -> Callable[[], MetaGraphDef]:
    def build() -> MetaGraphDef:
        meta = _export("basic", {})
        change(meta)
        return meta

    return build


def _set_op(meta: MetaGraphDef) -> None:
    meta.graph_def.node[1].op = "NoSuchOp"


def _set_producer(meta: MetaGraphDef) -> None:
    meta.graph_def.versions.producer = -1


def _set_min_consumer(meta: MetaGraphDef) -> None:
    meta.graph_def.versions.min_consumer = 100_000


def _set_bad_consumer(meta: MetaGraphDef) -> None:
    meta.graph_def.versions.bad_consumers.append(2474)


def _set_cycle(meta: MetaGraphDef) -> None:
    meta.graph_def.node[1].input.append(meta.graph_def.node[2].name)
    meta.graph_def.node[1].op = "AddV2"


def _set_unknown_input(meta: MetaGraphDef) -> None:
    meta.graph_def.node[2].input[0] = "nowhere"


def _set_colocation(meta: MetaGraphDef) -> None:
    meta.graph_def.node[1].attr["_class"].list.s.append(b"loc:@nowhere")


def _set_node_list(meta: MetaGraphDef) -> None:
    meta.collection_def["tensors"].node_list.value.append("nowhere:0")


def _set_duplicate(meta: MetaGraphDef) -> None:
    meta.graph_def.node[2].name = meta.graph_def.node[1].name


def _set_bad_device(meta: MetaGraphDef) -> None:
    meta.graph_def.node[1].device = "/bogus:0"


def _set_empty_saver(meta: MetaGraphDef) -> None:
    meta.saver_def.filename_tensor_name = "save/Const:0"


def _set_stale_unbound(meta: MetaGraphDef) -> None:
    meta.collection_def["unbound_inputs"].bytes_list.value.append(b"$unbound_inputs_x")


def _set_attr_unknown(meta: MetaGraphDef) -> None:
    meta.graph_def.node[1].attr["not_an_attr"].i = 1


def _set_wrong_type(meta: MetaGraphDef) -> None:
    node = next(n for n in meta.graph_def.node if n.op == "Identity")
    node.attr["T"].type = DT_INT32  # where the input is a float


def _set_back_edge(meta: MetaGraphDef) -> None:
    meta.graph_def.node[1].input.append("top")


def _set_attr(name: str, value: AttrValue) -> Callable[[MetaGraphDef], None]:
    def change(meta: MetaGraphDef) -> None:
        node = next(n for n in meta.graph_def.node if n.name == name)
        node.attr["T"].CopyFrom(value)

    return change


_SCENARIOS: dict[str, tuple[Callable[[], MetaGraphDef], str, dict[str, Any]]] = {
    "unbound-unmapped": (_scoped_basic, "same", {}),
    "unbound-mapped-control-left": (
        _scoped_basic,
        "same",
        {"import_scope": "again", "input_map": {"$unbound_inputs_input": "input"}},
    ),
    "unbound-mapped-all": (
        _scoped_basic,
        "same",
        {
            "import_scope": "again",
            "unbound_inputs_col_name": None,
            "input_map": {"$unbound_inputs_input": "input:0", "^$unbound_inputs_input": "input"},
        },
    ),
    "unbound-extra-key": (
        _scoped_basic,
        "same",
        {"input_map": {"$unbound_inputs_input": "input", "s/a": "input"}},
    ),
    "input-map-data": (
        lambda: _export("basic", {}),
        "same",
        {"import_scope": "m", "input_map": {"input": "s/a:0", "s/b": "input:0"}},
    ),
    "input-map-control": (
        lambda: _export("basic", {}),
        "same",
        {"import_scope": "m", "input_map": {"^input": "top", "^s_1/d": "top"}},
    ),
    "input-map-same-tensor": (
        lambda: _export("basic", {}),
        "same",
        {"import_scope": "m", "input_map": {"input": "s/a:0", "input:0": "top:0"}},
    ),
    "input-map-unused-missing": (
        lambda: _export("basic", {}),
        "same",
        {"import_scope": "m", "input_map": {"nowhere:0": "input"}},
    ),
    "input-map-unused-index": (
        lambda: _export("basic", {}),
        "same",
        {"import_scope": "m", "input_map": {"input:3": "input"}},
    ),
    "input-map-unused-existing": (
        lambda: _export("basic", {}),
        "same",
        {"import_scope": "m", "input_map": {"top:0": "input"}},
    ),
    "return-elements": (
        lambda: _export("basic", {}),
        "same",
        {"return_elements": ["s/b", "s/b:0", "top", "input:0"]},
    ),
    "return-elements-mapped": (
        lambda: _export("basic", {}),
        "same",
        {"import_scope": "r", "input_map": {"input": "top"}, "return_elements": ["input:0"]},
    ),
    "return-missing-node": (lambda: _export("basic", {}), "fresh", {"return_elements": ["no"]}),
    "return-bad-index": (lambda: _export("basic", {}), "fresh", {"return_elements": ["top:1"]}),
    "return-missing-tensor": (lambda: _export("basic", {}), "fresh", {"return_elements": ["n:0"]}),
    "scope-invalid": (lambda: _export("basic", {}), "fresh", {"import_scope": "-x"}),
    "scope-underscore": (lambda: _export("basic", {}), "fresh", {"import_scope": "_x"}),
    "scope-upper": (lambda: _export("basic", {}), "same", {"import_scope": "S"}),
    "scope-nested": (lambda: _export("basic", {}), "same", {"import_scope": "s/inner"}),
    "scope-empty": (lambda: _export("basic", {}), "same", {"import_scope": ""}),
    "predicate-none": (
        lambda: _export("variables", {}),
        "fresh",
        {"restore_collections_predicate": []},
    ),
    "unknown-op": (_broken(_set_op), "fresh", {}),
    "producer": (_broken(_set_producer), "fresh", {}),
    "min-consumer": (_broken(_set_min_consumer), "fresh", {}),
    "bad-consumer": (_broken(_set_bad_consumer), "fresh", {}),
    "cycle": (_broken(_set_cycle), "fresh", {}),
    "unknown-input": (_broken(_set_unknown_input), "fresh", {}),
    "colocation-unknown": (_broken(_set_colocation), "fresh", {}),
    "node-list-missing": (_broken(_set_node_list), "fresh", {}),
    "duplicate-name": (_broken(_set_duplicate), "fresh", {}),
    "bad-device": (_broken(_set_bad_device), "fresh", {}),
    "saver-def-empty": (_broken(_set_empty_saver), "fresh", {}),
    "stale-unbound": (_broken(_set_stale_unbound), "fresh", {}),
    "stale-unbound-ignored": (
        _broken(_set_stale_unbound),
        "fresh",
        {"unbound_inputs_col_name": ""},
    ),
    "unknown-attr": (_broken(_set_attr_unknown), "fresh", {}),
    "wrong-type": (_broken(_set_wrong_type), "fresh", {}),
    "back-edge": (_broken(_set_back_edge), "fresh", {}),
    "attr-kind": (_broken(_set_attr("top", AttrValue(i=1))), "fresh", {}),
    "attr-empty": (_broken(_set_attr("top", AttrValue())), "fresh", {}),
    "attr-list": (_broken(_set_attr("top", AttrValue(list=AttrValue.ListValue()))), "fresh", {}),
    "attr-invalid-type": (_broken(_set_attr("top", AttrValue(type=DT_INVALID))), "fresh", {}),
    "attr-not-allowed": (_broken(_set_attr("s/b", AttrValue(type=DT_STRING))), "fresh", {}),
}


@pytest.mark.parametrize("scenario", sorted(_SCENARIOS))
def test_scenario_matches_tensorflow(scenario: str) -> None:
    build, target, kwargs = _SCENARIOS[scenario]
    _compare(build(), "basic" if target == "same" else "empty", target, kwargs)


@pytest.mark.parametrize("as_text", [False, True], ids=["binary", "text"])
@pytest.mark.parametrize("name", ["variables", "control_flow_v1", "functions", "queue_runner"])
def test_files_match_tensorflow(tmp_path: Path, name: str, as_text: bool) -> None:
    """IMP-READ-3: the same file, read by both."""
    built = graphs.build(name)
    path = str(tmp_path / "model.meta")
    with built.graph.as_default():
        v1.train.export_meta_graph(path, saver_def=built.saver_def, as_text=as_text)
    meta = MetaGraphDef()
    if as_text:
        from metagraph_export._pool import from_text

        from_text(Path(path).read_text(), meta)
    else:
        meta.ParseFromString(Path(path).read_bytes())
    _compare(meta, name, "same", {"import_scope": "from_file"}, path)


def test_a_tf_graph_is_captured_not_changed() -> None:
    """IMP-ARGS-3, IMP-ARGS-6: graph=<tf.Graph> imports into its snapshot and leaves it alone."""
    meta = _export("variables", {})
    graph = graphs.build("variables").graph
    before = graph.as_graph_def()
    keys = graph.get_all_collection_keys()
    result = metagraph_export.import_meta_graph(meta, import_scope="again", graph=graph)
    expected = metagraph_export.import_meta_graph(
        meta, import_scope="again", graph=snapshot_from_graph(graph)
    )
    assert result.snapshot == expected.snapshot
    assert graph.as_graph_def() == before
    assert graph.get_all_collection_keys() == keys
