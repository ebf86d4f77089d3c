"""Captures a live ``tf.Graph`` as a ``GraphSnapshot`` (spec SNAP-3 to SNAP-17).

It needs TensorFlow, which it imports on first use only. It reads the graph
the way ``export_meta_graph`` reads it (TensorFlow 2.21,
``framework/meta_graph.py``) and never changes it. TensorFlow's messages live
in protobuf's default descriptor pool and ours in a private one, so every
message crosses over as bytes.
"""

from __future__ import annotations

import importlib
from typing import Any

from google.protobuf import message as _message

from .errors import ArgumentTypeError, InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import Collection, CollectionItem, GraphSnapshot, StackTrace
from .tf.tensor_shape_pb2 import TensorShapeProto

__all__ = ["snapshot_from_graph"]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

# export_meta_graph's debug info keeps this many frames per operation.
_DEBUG_INFO_FRAMES = 10


def _tf(module: str) -> Any:
    """A TensorFlow module, imported on first use; TensorFlow is untyped."""
    return importlib.import_module(module)


def snapshot_from_graph(graph: Any, *, stack_traces: bool = True) -> GraphSnapshot:
    """Everything ``export_meta_graph`` reads from ``graph``, as a message.

    Stack traces are only read by ``save_debug_info`` and are by far the
    costliest part to capture: ``stack_traces=False`` leaves them out."""
    ops = _tf("tensorflow.python.framework.ops")

    if not isinstance(graph, ops.Graph):
        raise ArgumentTypeError.expected("graph", "a tf.Graph", graph)

    # export_meta_graph refuses to run eagerly, and ResourceVariable.to_proto
    # raises when it does: read the graph in graph mode, as its default graph.
    with graph.as_default():
        return _capture(graph, stack_traces)


def _capture(graph: Any, stack_traces: bool) -> GraphSnapshot:
    snapshot = GraphSnapshot()
    graph_def = graph.as_graph_def()
    _copy(snapshot.graph_def, graph_def)

    operations = graph.get_operations()
    _capture_output_shapes(snapshot, operations)
    _capture_operation_inputs(snapshot, graph_def, operations)
    _capture_libraries(snapshot, graph, graph_def.library)
    _capture_collections(snapshot, graph)
    if stack_traces:
        _capture_stack_traces(snapshot, operations)
    return snapshot


def _capture_output_shapes(snapshot: GraphSnapshot, operations: list[Any]) -> None:
    """Each operation's output shapes, as ``TensorShape.as_proto`` writes them;
    a graph has few distinct shapes, so each is built once."""
    built: dict[tuple[int | None, ...] | None, TensorShapeProto] = {}
    for op in operations:
        outputs = op.outputs
        if not outputs:
            continue
        protos = []
        for output in outputs:
            shape = output.shape
            key = None if shape.rank is None else tuple(shape.as_list())
            proto = built.get(key)
            if proto is None:
                proto = built[key] = _shape_proto(key)
            protos.append(proto)
        snapshot.output_shapes[op.name].shape.extend(protos)


def _shape_proto(dims: tuple[int | None, ...] | None) -> TensorShapeProto:
    if dims is None:
        return TensorShapeProto(unknown_rank=True)
    return TensorShapeProto(
        dim=[TensorShapeProto.Dim(size=-1 if size is None else size) for size in dims]
    )


def _copy(target: _message.Message, source: Any) -> None:
    """Sets ``target`` (one of our messages) to TensorFlow's ``source``."""
    target.SetInParent()
    target.MergeFromString(source.SerializeToString())


def _capture_operation_inputs(snapshot: GraphSnapshot, graph_def: Any, operations: Any) -> None:
    """Records where an operation's own NodeDef, which the node-rewriting export
    path reads, lists other inputs than as_graph_def(). Two differences occur:
    as_graph_def() sorts control inputs by name, and it writes output 0 as
    "name" where an input rewired after creation (a v1 while loop's Merge, a
    while_v2 gradient accumulator) reads "name:0" in the operation.

    Any other difference cannot be represented, so it is an error rather than
    a silently wrong snapshot."""
    nodes = graph_def.node
    if [node.name for node in nodes] != [op.name for op in operations]:
        raise InvalidArgumentError(
            "graph", "as_graph_def() and the graph's operations list different nodes"
        )
    for node, op in zip(nodes, operations, strict=True):
        node_def = op.node_def
        if node_def == node:
            continue
        inputs = list(node_def.input)
        del node_def.input[:]
        node_def.input.extend(node.input)
        if node_def != node:
            raise InvalidArgumentError(
                "graph",
                f"operation {op.name!r} has a NodeDef that differs from as_graph_def() "
                "in more than its inputs",
            )
        snapshot.operation_inputs[op.name].input.extend(inputs)


def _capture_libraries(snapshot: GraphSnapshot, graph: Any, library: Any) -> None:
    graph_pb2 = _tf("tensorflow.core.framework.graph_pb2")

    if library.function:
        with_shapes = _library_with_shapes(graph, library)
        if with_shapes != library:
            _copy(snapshot.library_with_shapes, with_shapes)

    # The Python function table, in registration order; the node-rewriting
    # export path copies functions from it instead of from the C++ graph.
    registered = graph_pb2.GraphDef()
    graph._copy_functions_to_graph_def(registered, 0)
    if registered.library != library:
        _copy(snapshot.registered_library, registered.library)


def _library_with_shapes(graph: Any, library: Any) -> Any:
    """The function library as ``graph.as_graph_def(add_shapes=True)`` holds it.

    add_shapes annotates the functions that have a Python FuncGraph: their
    input shapes (``_input_shapes``, unless already there), the handle data of
    their resource arguments and results, and the output shapes of their body
    nodes (a StatefulPartitionedCall's cut to its declared ``Tout``). It also
    annotates every node of the graph, in Python, which the export never reads
    and which costs more than the rest of the capture: only the library part
    is done here, on a copy of ``library``."""
    ops = _tf("tensorflow.python.framework.ops")
    resource = _tf("tensorflow.python.framework.dtypes").resource
    annotated = type(library)()
    annotated.CopyFrom(library)
    for function_def in annotated.function:
        try:
            func_graph = graph._functions[function_def.signature.name].graph
        except AttributeError:
            continue  # a function without a FuncGraph (a _DefinedFunction)
        # Read before the inputs, as TensorFlow does: the entry is created
        # even where the function then turns out to have no inputs to read.
        input_shapes = function_def.attr["_input_shapes"].list.shape
        try:
            inputs = func_graph.inputs
        except AttributeError:
            continue
        if len(input_shapes) not in (0, len(inputs)):
            raise InvalidArgumentError(
                "graph",
                f"function {function_def.signature.name!r} has {len(input_shapes)} input "
                f"shapes for {len(inputs)} inputs",
            )
        if not input_shapes:
            for tensor, arg_def in zip(inputs, function_def.signature.input_arg, strict=False):
                input_shapes.add().CopyFrom(tensor.get_shape().as_proto())
                if tensor.dtype == resource:
                    ops._copy_handle_data_to_arg_def(tensor, arg_def)
        for tensor, arg_def in zip(
            func_graph.outputs, function_def.signature.output_arg, strict=False
        ):
            if tensor.dtype == resource:
                ops._copy_handle_data_to_arg_def(tensor, arg_def)
        for node in function_def.node_def:
            try:
                op = func_graph.get_operation_by_name(node.name)
            except KeyError:
                continue
            outputs = op.outputs
            if op.type == "StatefulPartitionedCall":
                # Extra outputs a gradient rewrite added are not declared.
                outputs = outputs[: len(node.attr["Tout"].list.type)]
            node.attr["_output_shapes"].list.shape.extend(
                output.get_shape().as_proto() for output in outputs
            )
    return annotated


def _capture_collections(snapshot: GraphSnapshot, graph: Any) -> None:
    ops = _tf("tensorflow.python.framework.ops")

    with graph._lock:
        collections = [(key, list(items)) for key, items in graph._collections.items()]
    for key, items in collections:
        # get_all_collection_keys keeps str keys only: bytes keys are never exported.
        if not isinstance(key, str):
            snapshot.non_string_collection_keys.append(repr(key))
            continue
        collection = snapshot.collections.add(key=key)
        to_proto = ops.get_to_proto_function(key)
        if to_proto is not None:
            proto_type = ops.get_collection_proto_type(key)
            for item in items:
                _add_typed_item(collection, item, to_proto, proto_type)
        else:
            for item in items:
                _classify_plain_item(collection.items.add(), item)


def _typed_field(proto: Any) -> str | None:
    """The CollectionItem field for a message of a proto type TensorFlow registers."""
    fields: list[tuple[Any, str]] = [
        (_tf("tensorflow.core.framework.variable_pb2").VariableDef, "variable"),
        (_tf("tensorflow.core.protobuf.saver_pb2").SaverDef, "saver"),
        (_tf("tensorflow.core.protobuf.queue_runner_pb2").QueueRunnerDef, "queue_runner"),
        (_tf("tensorflow.core.protobuf.control_flow_pb2").CondContextDef, "cond_context"),
        (_tf("tensorflow.core.protobuf.control_flow_pb2").WhileContextDef, "while_context"),
    ]
    for cls, field in fields:
        if isinstance(proto, cls):
            return field
    return None


def _add_typed_item(collection: Collection, item: Any, to_proto: Any, proto_type: Any) -> None:
    """An item of a collection with a registered to_proto, as add_collection_def
    serializes it with export_scope=None."""
    try:
        proto = to_proto(item, export_scope=None)
    except Exception as error:
        collection.items.add().unserializable.description = (
            f"{type(item).__name__}: to_proto raised {type(error).__name__}: {error}"
        )
        return
    if not proto:
        # add_collection_def skips the item (a Saver built with defer_build has
        # no SaverDef yet) but still exports the collection.
        collection.items.add().no_proto.description = type(item).__name__
        return
    field = _typed_field(proto)
    if field is None or proto_type is None or not isinstance(proto, proto_type):
        collection.items.add().unserializable.description = (
            f"{type(item).__name__}: to_proto returned {type(proto).__name__}"
        )
        return
    _copy(getattr(collection.items.add(), field), proto)


def _classify_plain_item(target: CollectionItem, item: Any) -> None:
    """An item of a collection without a registered to_proto, classified as
    meta_graph._get_kind_name would classify it, in the same order."""
    from google.protobuf import any_pb2

    if isinstance(item, str):
        text = _utf8_text(item)
        if text is None:
            target.unserializable.description = "str that cannot be encoded as UTF-8"
        else:
            target.string_value = text
    elif isinstance(item, bytes):
        target.bytes_value = bytes(item)
    elif isinstance(item, bool):
        target.bool_value = item
    elif isinstance(item, int):
        value = int(item)
        if _INT64_MIN <= value <= _INT64_MAX:
            target.int64_value = value
        else:
            target.big_integer = str(value)
    elif isinstance(item, float):
        target.float_value = float(item)
    elif isinstance(item, any_pb2.Any):
        _copy(target.any_value, item)
    else:
        _classify_named_item(target, item)


def _classify_named_item(target: CollectionItem, item: Any) -> None:
    """add_collection_def writes ``item.name`` for everything else."""
    try:
        name = item.name
    except Exception:
        name = None
    text = _utf8_text(name) if isinstance(name, str) else None
    if text is None:
        target.unserializable.description = type(item).__name__
    else:
        target.name = text


def _utf8_text(value: str) -> str | None:
    """``value`` as a plain str, or None if it has no UTF-8 encoding (a lone
    surrogate), which compat.as_bytes and protobuf both refuse."""
    try:
        return value.encode("utf-8").decode("utf-8")
    except UnicodeEncodeError:
        return None


def _capture_stack_traces(snapshot: GraphSnapshot, operations: list[Any]) -> None:
    error_interpolation = _tf("tensorflow.python.framework.error_interpolation")

    for op in operations:
        traceback = op.traceback
        if traceback is None:
            continue
        # The frames create_graph_debug_info_def hands to GraphDebugInfoBuilder.
        frames = error_interpolation._compute_useful_frames(traceback, _DEBUG_INFO_FRAMES)
        trace: StackTrace = snapshot.stack_traces[op.name]
        for frame in frames:
            trace.frames.add(file=frame.filename, line=frame.lineno, function=frame.name)
