"""snapshot_from_graph against TensorFlow itself: the snapshot must hold what
export_meta_graph reads from the same graph, and taking it must not change the
graph."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

tf: Any = pytest.importorskip(
    "tensorflow", reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
)

from google.protobuf import any_pb2  # noqa: E402
from metagraph_export._tf_adapter import snapshot_from_graph  # noqa: E402
from metagraph_export.snapshot.v1.snapshot_pb2 import (  # noqa: E402
    Collection,
    CollectionItem,
    GraphSnapshot,
)

pytestmark = pytest.mark.tensorflow

INT64_MAX = (1 << 63) - 1
INT64_MIN = -(1 << 63)


def _tf(module: str) -> Any:
    return importlib.import_module(module)


def _tf_message(cls: Any, ours: Any) -> Any:
    """One of our messages as the TensorFlow message of the same type."""
    return cls.FromString(ours.SerializeToString())


@pytest.fixture(autouse=True)
def v1_control_flow() -> Iterator[None]:
    """tf.compat.v1.while_loop and cond build WhileContext/CondContext only with
    control flow v2 off, which TensorFlow 2 turns on by default."""
    control_flow_util = _tf("tensorflow.python.ops.control_flow_util")
    saved = control_flow_util.ENABLE_CONTROL_FLOW_V2
    control_flow_util.ENABLE_CONTROL_FLOW_V2 = False
    try:
        yield
    finally:
        control_flow_util.ENABLE_CONTROL_FLOW_V2 = saved


class Named:
    def __init__(self, name: object) -> None:
        self.name = name


def _any(value: bytes) -> any_pb2.Any:
    return any_pb2.Any(type_url="type.googleapis.com/test.Thing", value=value)


def build_graph() -> Any:
    """A graph with one of everything export_meta_graph reads."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        flag = tf.compat.v1.placeholder(tf.bool, [], name="flag")
        ref = tf.compat.v1.Variable([1.0, 2.0, 3.0], name="ref", use_resource=False)
        res = tf.compat.v1.get_variable("res", shape=[3], use_resource=True)
        part = tf.compat.v1.get_variable(
            "part", shape=[6, 3], partitioner=tf.compat.v1.fixed_size_partitioner(3)
        )
        tf.compat.v1.train.get_or_create_global_step()
        tf.compat.v1.get_variable("local", shape=[], collections=["local_variables"])
        y = tf.add(tf.reduce_sum(x * ref + res), tf.reduce_sum(part.as_tensor()), name="y")
        tf.compat.v1.add_to_collection("model_variables", ref)

        with tf.name_scope("outer"):
            i = tf.constant(0, name="i")
            tf.compat.v1.while_loop(lambda i: i < 10, lambda i: i + 1, [i], name="loop")
            tf.compat.v1.cond(flag, lambda: y + 1.0, lambda: y - 1.0, name="branch")

        queue = tf.compat.v1.FIFOQueue(10, tf.float32, name="queue")
        runner = tf.compat.v1.train.QueueRunner(queue, [queue.enqueue([1.0])])
        tf.compat.v1.train.add_queue_runner(runner)

        def double(t: Any) -> Any:
            return t * 2.0

        tf.function(double)(y)

        with tf.control_dependencies([y.op, x.op]):
            tf.no_op(name="after_both")

        for saver in (
            tf.compat.v1.train.Saver(),
            tf.compat.v1.train.Saver([ref], name="only_ref"),
            tf.compat.v1.train.Saver({"r": res}, name="sharded", sharded=True),
        ):
            graph.add_to_collection("savers", saver)

        plain: dict[str, list[Any]] = {
            "strings": ["hello", "outer/x", "ünïcode"],
            "bytes": [b"\x00\xff", b"plain"],
            "str_and_bytes": ["text", b"bytes"],
            "ints": [0, -5, INT64_MAX, INT64_MIN],
            "floats": [0.1, 1e300, float("inf"), -2.5],
            "floats_then_ints": [1.5, 2, True, 2**70],
            "ints_then_float": [1, 2.5],
            "bools": [True, False],
            "big_ints": [2**63],
            "anys": [_any(b"\x01"), _any(b"")],
            "named": [x, y.op, runner, ref, Named("free/name")],
            "named_then_string": [x, "x"],
            "objects": [object()],
            "surrogate": ["\ud800"],
            "empty": [],
        }
        for key, items in plain.items():
            graph.get_collection_ref(key).extend(items)
        # A registered key holding something without to_proto.
        graph.add_to_collection("metric_variables", x)
        odd_key: object
        for odd_key in (b"bytes_key", ("tuple", 1), 7):
            graph.add_to_collection(odd_key, "value")
    return graph


def _export(graph: Any, **kwargs: Any) -> Any:
    with graph.as_default():
        return tf.compat.v1.train.export_meta_graph(graph=graph, **kwargs)


def _collections_state(graph: Any) -> list[tuple[object, list[int]]]:
    return [(key, [id(item) for item in items]) for key, items in graph._collections.items()]


def _expected_collection_def(collection: Collection, proto_type: Any | None) -> Any | None:
    """The CollectionDef add_collection_def writes (export_scope=None) for what
    the snapshot holds, or None if it leaves the collection out."""
    meta_graph_pb2 = _tf("tensorflow.core.protobuf.meta_graph_pb2")
    items = list(collection.items)
    if not items:
        return None
    kinds = [str(item.WhichOneof("kind")) for item in items]
    result = meta_graph_pb2.CollectionDef()
    if proto_type is not None:
        if "unserializable" in kinds:
            return None
        for item, kind in zip(items, kinds, strict=True):
            proto = _tf_message(proto_type, getattr(item, kind))
            result.bytes_list.value.append(proto.SerializeToString())
        return result

    def values(accepted: set[str], convert: Callable[[CollectionItem, str], Any]) -> list[Any]:
        if not set(kinds) <= accepted:
            raise _Dropped
        return [convert(item, kind) for item, kind in zip(items, kinds, strict=True)]

    first = kinds[0]
    try:
        if first in ("string_value", "bytes_value"):
            result.bytes_list.value.extend(
                values(
                    {"string_value", "bytes_value"},
                    lambda item, kind: (
                        item.string_value.encode() if kind == "string_value" else item.bytes_value
                    ),
                )
            )
        elif first in ("int64_value", "bool_value", "big_integer"):
            result.int64_list.value.extend(
                values({"int64_value"}, lambda item, kind: item.int64_value)
            )
        elif first == "float_value":
            result.float_list.value.extend(
                values(
                    {"float_value", "int64_value", "bool_value", "big_integer"},
                    lambda item, kind: (
                        float(int(item.big_integer))
                        if kind == "big_integer"
                        else float(getattr(item, kind))
                    ),
                )
            )
        elif first == "any_value":
            result.any_list.value.extend(
                values(
                    {"any_value"},
                    lambda item, kind: any_pb2.Any.FromString(item.any_value.SerializeToString()),
                )
            )
        elif first == "name":
            result.node_list.value.extend(values({"name"}, lambda item, kind: item.name))
        else:
            return None
    except _Dropped:
        return None
    return result


class _Dropped(Exception):
    pass


def _kinds(snapshot: GraphSnapshot, key: str) -> list[str | None]:
    (collection,) = [c for c in snapshot.collections if c.key == key]
    return [item.WhichOneof("kind") for item in collection.items]


def test_collections_match_export_meta_graph() -> None:
    ops = _tf("tensorflow.python.framework.ops")
    graph = build_graph()
    snapshot = snapshot_from_graph(graph)
    meta_graph = _export(graph)

    assert [c.key for c in snapshot.collections] == graph.get_all_collection_keys()
    non_string_keys = [repr(key) for key in graph._collections if not isinstance(key, str)]
    assert list(snapshot.non_string_collection_keys) == non_string_keys
    assert {"b'bytes_key'", "('tuple', 1)", "7"} <= set(non_string_keys)

    exported = set()
    for collection in snapshot.collections:
        expected = _expected_collection_def(
            collection, ops.get_collection_proto_type(collection.key)
        )
        if expected is None:
            assert collection.key not in meta_graph.collection_def, collection.key
            continue
        exported.add(collection.key)
        assert meta_graph.collection_def[collection.key] == expected, collection.key
    assert exported == set(meta_graph.collection_def)
    # The cases above that TensorFlow drops and keeps, so the comparison is not vacuous.
    assert {"bools", "big_ints", "ints_then_float", "objects", "surrogate"}.isdisjoint(exported)
    assert {"named_then_string", "metric_variables", "empty"}.isdisjoint(exported)
    assert {"floats_then_ints", "str_and_bytes", "named", "anys", "savers"} <= exported


def test_item_kinds() -> None:
    snapshot = snapshot_from_graph(build_graph())
    assert _kinds(snapshot, "strings") == ["string_value"] * 3
    assert _kinds(snapshot, "floats_then_ints") == [
        "float_value",
        "int64_value",
        "bool_value",
        "big_integer",
    ]
    assert _kinds(snapshot, "named") == ["name"] * 5
    assert _kinds(snapshot, "variables") == ["variable"] * 6
    assert _kinds(snapshot, "savers") == ["saver"] * 3
    assert _kinds(snapshot, "queue_runners") == ["queue_runner"]
    assert _kinds(snapshot, "metric_variables") == ["unserializable"]
    assert _kinds(snapshot, "objects") == ["unserializable"]
    assert _kinds(snapshot, "empty") == []

    (named,) = [c for c in snapshot.collections if c.key == "named"]
    assert [item.name for item in named.items] == [
        "x:0",
        "y",
        "queue",
        "ref:0",
        "free/name",
    ]
    (big,) = [c for c in snapshot.collections if c.key == "big_ints"]
    assert big.items[0].big_integer == str(2**63)
    (objects,) = [c for c in snapshot.collections if c.key == "objects"]
    assert objects.items[0].unserializable.description == "object"


def test_typed_items_are_what_to_proto_returns() -> None:
    ops = _tf("tensorflow.python.framework.ops")
    graph = build_graph()
    snapshot = snapshot_from_graph(graph)
    typed = [c for c in snapshot.collections if ops.get_to_proto_function(c.key) is not None]
    assert {c.key for c in typed} >= {
        "variables",
        "trainable_variables",
        "local_variables",
        "model_variables",
        "global_step",
        "savers",
        "queue_runners",
        "cond_context",
        "while_context",
    }
    for collection in typed:
        if collection.key == "metric_variables":
            continue
        to_proto = ops.get_to_proto_function(collection.key)
        proto_type = ops.get_collection_proto_type(collection.key)
        objects = graph.get_collection(collection.key)
        assert len(objects) == len(collection.items), collection.key
        for obj, item in zip(objects, collection.items, strict=True):
            kind = item.WhichOneof("kind")
            assert kind is not None
            with graph.as_default():
                expected = to_proto(obj)
            assert _tf_message(proto_type, getattr(item, kind)) == expected, collection.key

    # The partitioned variable's shards carry their slice information.
    (variables,) = [c for c in snapshot.collections if c.key == "variables"]
    shards = [i.variable for i in variables.items if i.variable.variable_name.startswith("part")]
    assert len(shards) == 3
    assert all(s.save_slice_info_def.full_name == "part" for s in shards)
    (contexts,) = [c for c in snapshot.collections if c.key == "while_context"]
    assert contexts.items[0].while_context.context_name == "outer/loop/while_context"
    (conds,) = [c for c in snapshot.collections if c.key == "cond_context"]
    assert {i.cond_context.context_name for i in conds.items} == {
        "outer/branch/cond_text",
        "outer/branch/cond_text_1",
    }


def test_unbuilt_saver_is_skipped() -> None:
    """to_proto returns None for a Saver built with defer_build; add_collection_def
    skips the item, leaving an empty CollectionDef behind."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.Variable(1.0, name="v")
        graph.add_to_collection("savers", tf.compat.v1.train.Saver(defer_build=True))
    snapshot = snapshot_from_graph(graph)
    assert _kinds(snapshot, "savers") == ["no_proto"]
    meta_graph = _export(graph)
    assert meta_graph.collection_def["savers"].WhichOneof("kind") is None
    import metagraph_export

    ours = metagraph_export.export_meta_graph(graph=snapshot)
    assert "savers" in ours.collection_def
    assert ours.collection_def["savers"].WhichOneof("kind") is None


def test_graph_def_and_output_shapes() -> None:
    graph_pb2 = _tf("tensorflow.core.framework.graph_pb2")
    graph = build_graph()
    snapshot = snapshot_from_graph(graph)
    assert _tf_message(graph_pb2.GraphDef, snapshot.graph_def) == graph.as_graph_def()

    with_shapes = graph.as_graph_def(add_shapes=True)
    assert [n.name for n in with_shapes.node] == [n.name for n in snapshot.graph_def.node]
    expected = {}
    for node in with_shapes.node:
        if "_output_shapes" in node.attr:
            expected[node.name] = list(node.attr["_output_shapes"].list.shape)
    assert expected
    assert set(snapshot.output_shapes) == set(expected)
    tensor_shape_pb2 = _tf("tensorflow.core.framework.tensor_shape_pb2")
    for name, shapes in expected.items():
        ours = [
            _tf_message(tensor_shape_pb2.TensorShapeProto, shape)
            for shape in snapshot.output_shapes[name].shape
        ]
        assert ours == shapes, name
    assert "after_both" not in snapshot.output_shapes
    x_shape = snapshot.output_shapes["x"].shape[0]
    assert [d.size for d in x_shape.dim] == [-1, 3]


def test_operation_inputs_are_what_the_rewriting_path_reads() -> None:
    graph = build_graph()
    snapshot = snapshot_from_graph(graph)
    assert list(snapshot.operation_inputs["after_both"].input) == ["^y", "^x"]
    # Rewired after creation: the operation spells output 0 as "name:0".
    assert "outer/loop/NextIteration:0" in snapshot.operation_inputs["outer/loop/Merge"].input

    graph_inputs = {node.name: list(node.input) for node in snapshot.graph_def.node}
    for op in graph.get_operations():
        if op.name in snapshot.operation_inputs:
            assert list(snapshot.operation_inputs[op.name].input) == list(op.node_def.input)
            assert graph_inputs[op.name] != list(op.node_def.input)
        else:
            assert graph_inputs[op.name] == list(op.node_def.input), op.name

    # clear_devices makes TensorFlow build every node from its operation.
    rewritten = _export(graph, clear_devices=True).graph_def
    for node in rewritten.node:
        if node.name in snapshot.operation_inputs:
            assert list(node.input) == list(snapshot.operation_inputs[node.name].input)
        else:
            assert list(node.input) == graph_inputs[node.name], node.name


def build_functions_graph() -> Any:
    """Functions of each kind that as_graph_def(add_shapes=True) annotates in
    its own way: a Defun (no FuncGraph), a tf.function capturing a resource
    variable (handle data), one calling another (StatefulPartitionedCall in a
    body), a loop in a function (while_v2 bodies) and their gradients."""
    function = _tf("tensorflow.python.framework.function")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        v = tf.compat.v1.get_variable("v", shape=[2, 3], use_resource=True)

        @function.Defun(tf.float32)  # type: ignore[untyped-decorator]
        def plus_one(t: Any) -> Any:
            return t + 1.0

        @tf.function  # type: ignore[untyped-decorator]
        def project(t: Any) -> Any:
            return tf.matmul(t, v, transpose_b=True)

        @tf.function  # type: ignore[untyped-decorator]
        def twice(t: Any) -> Any:
            return project(t) * 2.0

        @tf.function  # type: ignore[untyped-decorator]
        def count(n: Any) -> Any:
            i = tf.constant(0)
            while i < n:
                i += 1
            return i

        y = twice(plus_one(x))
        count(tf.constant(4))
        tf.gradients(tf.reduce_sum(y), [x, v])
    return graph


@pytest.mark.parametrize("build", [build_graph, build_functions_graph])
def test_function_libraries(build: Callable[[], Any]) -> None:
    graph_pb2 = _tf("tensorflow.core.framework.graph_pb2")
    function_pb2 = _tf("tensorflow.core.framework.function_pb2")
    graph = build()
    snapshot = snapshot_from_graph(graph)
    library = graph.as_graph_def().library
    assert len(library.function) >= 1

    assert snapshot.HasField("library_with_shapes")
    with_shapes = _tf_message(function_pb2.FunctionDefLibrary, snapshot.library_with_shapes)
    expected = graph.as_graph_def(add_shapes=True).library
    assert with_shapes == expected
    assert with_shapes.SerializeToString(deterministic=True) == expected.SerializeToString(
        deterministic=True
    )
    assert with_shapes != library

    registered = graph_pb2.GraphDef()
    # In graph mode, as the export runs: a function's _construction_context
    # attribute ("kEagerRuntime") is added only when copied eagerly.
    with graph.as_default():
        graph._copy_functions_to_graph_def(registered, 0)
    if registered.library == library:
        assert not snapshot.HasField("registered_library")
    else:
        assert (
            _tf_message(function_pb2.FunctionDefLibrary, snapshot.registered_library)
            == registered.library
        )


def test_library_fields_absent_without_functions() -> None:
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(1.0, name="c")
    snapshot = snapshot_from_graph(graph)
    assert not snapshot.HasField("library_with_shapes")
    assert not snapshot.HasField("registered_library")
    assert not snapshot.graph_def.HasField("library")


def test_stack_traces_match_debug_info() -> None:
    error_interpolation = _tf("tensorflow.python.framework.error_interpolation")
    graph = build_graph()
    snapshot = snapshot_from_graph(graph)
    operations = graph.get_operations()
    assert set(snapshot.stack_traces) == {op.name for op in operations}

    debug_info = error_interpolation.create_graph_debug_info_def([("", op) for op in operations])
    for op in operations:
        trace = debug_info.traces_by_id[debug_info.name_to_trace_id[op.name + "@"]]
        expected = [
            (
                debug_info.files[debug_info.frames_by_id[i].file_index],
                debug_info.frames_by_id[i].line,
                debug_info.frames_by_id[i].func,
            )
            for i in trace.frame_id
        ]
        ours = [(f.file, f.line, f.function) for f in snapshot.stack_traces[op.name].frames]
        assert ours == expected, op.name
        assert ours, op.name
    # The innermost frame outside TensorFlow is this file's graph builder.
    frames = snapshot.stack_traces["y"].frames
    assert any(f.file == __file__ and f.function == "build_graph" for f in frames)
    assert frames[0].function != "build_graph"  # outermost first


def test_graph_is_not_changed() -> None:
    graph = build_graph()
    collections = _collections_state(graph)
    version = graph.version
    graph_def = graph.as_graph_def(add_shapes=True)
    snapshot_from_graph(graph)
    assert _collections_state(graph) == collections
    assert graph.version == version
    assert graph.as_graph_def(add_shapes=True) == graph_def


def test_name_that_is_not_a_string() -> None:
    """TensorFlow's export raises on an item whose name is not a str; the
    snapshot keeps it as unserializable."""
    graph = tf.Graph()
    graph.add_to_collection("odd", Named(5))
    graph.add_to_collection("odd_bytes", Named(b"a"))
    snapshot = snapshot_from_graph(graph)
    assert _kinds(snapshot, "odd") == ["unserializable"]
    assert _kinds(snapshot, "odd_bytes") == ["unserializable"]
    (odd,) = [c for c in snapshot.collections if c.key == "odd"]
    assert odd.items[0].unserializable.description == "Named"
    with pytest.raises(AttributeError):
        _export(graph, collection_list=["odd"])


def test_finalized_graph() -> None:
    graph = build_graph()
    graph.finalize()
    assert snapshot_from_graph(graph).graph_def.node


def test_rejects_non_graphs() -> None:
    from metagraph_export.errors import ArgumentTypeError

    with pytest.raises(ArgumentTypeError):
        snapshot_from_graph(tf.compat.v1.GraphDef())
