"""The export algorithm of TensorFlow 2.21's ``export_meta_graph``, on a snapshot.

The structure follows ``meta_graph.export_scoped_meta_graph`` and
``create_meta_graph_def`` step by step, because the order of the steps is
observable: the unbound-inputs collection is rebuilt before collections are
exported, ``stripped_op_list`` is computed before defaults are stripped, and
each step fails or not exactly where TensorFlow's does. The steps are those of
spec EXP-ALGO-1.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from google.protobuf.message import EncodeError, Message

from ._attrs import attr_values_equal
from ._collections import SAVERS_KEY, add_collection, object_name, should_include
from ._nodes import rewrite_node
from ._registry import OpRegistry
from ._scope import Scope
from .errors import GraphTooLargeError, InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import CollectionItem, GraphSnapshot
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef
from .tf.node_def_pb2 import NodeDef
from .tf.op_def_pb2 import OpDef
from .tf.saver_pb2 import SaverDef

logger = logging.getLogger("metagraph_export")
# A library leaves output to the application's logging configuration.
logger.addHandler(logging.NullHandler())

GRAPH_SIZE_LIMIT = 1 << 31  # spec EXP-LIMIT-1
_CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")


# How much each diagnostic matters: "warning" where the output is not what a
# caller probably wanted (TensorFlow warns about dropped collections too),
# "info" for what every graph built with variable scopes has.
_SEVERITY = {
    "COLLECTION_DROPPED": "warning",
    "OP_NOT_REGISTERED": "warning",
    "DEBUG_INFO_NOT_WRITTEN": "warning",
    "COLLECTION_KEY_NOT_STRING": "info",
}


@dataclass(frozen=True)
class Diagnostic:
    """Something TensorFlow would only log, or do silently, reported as data
    (spec EXP-DIAG-1 to EXP-DIAG-5).

    ``code`` is one of the diagnostic codes of the specification
    (``COLLECTION_DROPPED``, ``COLLECTION_KEY_NOT_STRING``, ``OP_NOT_REGISTERED``,
    ``DEBUG_INFO_NOT_WRITTEN``); ``subject`` is the collection key or op name.
    """

    code: str
    subject: str
    message: str

    @property
    def severity(self) -> str:
        """ "warning" or "info"."""
        return _SEVERITY[self.code]

    def log(self) -> None:
        level = logging.WARNING if self.severity == "warning" else logging.INFO
        logger.log(level, "%s", self.message)


@dataclass
class Request:
    """The normalized arguments of one export."""

    snapshot: GraphSnapshot
    graph_def: GraphDef | None
    meta_info_def: MetaGraphDef.MetaInfoDef | None
    saver_def: SaverDef | None
    collection_list: Sequence[str] | None
    export_scope: str | None
    clear_devices: bool
    clear_extraneous_savers: bool
    strip_default_attrs: bool
    unbound_inputs_col_name: str | None
    registry: OpRegistry


@dataclass
class Built:
    meta_graph_def: MetaGraphDef
    diagnostics: list[Diagnostic] = field(default_factory=list)


def build(request: Request) -> Built:
    """Builds the MetaGraphDef; never changes the request's messages."""
    scope = Scope(request.export_scope)
    snapshot = request.snapshot
    diagnostics: list[Diagnostic] = []
    collections: dict[str, list[CollectionItem]] = {}
    for collection in snapshot.collections:
        # A key listed twice is one collection in a graph; the last one wins.
        collections[collection.key] = list(collection.items)
    for key in snapshot.non_string_collection_keys:
        diagnostics.append(
            Diagnostic(
                "COLLECTION_KEY_NOT_STRING",
                key,
                f"collection key {key} is not a string; it is not exported",
            )
        )

    graph_def = request.graph_def
    exclude: frozenset[str] = frozenset()
    if scope or request.clear_extraneous_savers or request.clear_devices:
        unbound_inputs: list[str] = []
        source = graph_def if graph_def is not None else snapshot.graph_def
        if request.clear_extraneous_savers:
            from ._nodes import extraneous_saver_nodes

            exclude = extraneous_saver_nodes(source, request.saver_def)
        new_graph_def = GraphDef()
        new_graph_def.versions.CopyFrom(source.versions)
        if graph_def is not None:
            new_graph_def.library.CopyFrom(graph_def.library)
        for node in source.node:
            if not should_include(node.name, scope, exclude):
                continue
            if graph_def is None and node.name in snapshot.operation_inputs:
                node = _with_operation_inputs(node, snapshot.operation_inputs[node.name].input)
            rewritten = rewrite_node(node, scope, unbound_inputs, request.clear_devices)
            if graph_def is None:
                _add_output_shapes(rewritten, node.name, snapshot, strict=True)
            new_graph_def.node.append(rewritten)
        if graph_def is None:
            library = (
                snapshot.registered_library
                if snapshot.HasField("registered_library")
                else snapshot.graph_def.library
            )
            # Function by function, as Graph._copy_functions_to_graph_def does: a
            # graph without functions gets no library field at all.
            if library.function:
                new_graph_def.library.function.extend(library.function)
            if library.gradient:
                new_graph_def.library.gradient.extend(library.gradient)
        graph_def = new_graph_def
        if request.unbound_inputs_col_name:
            # TensorFlow clears and refills this collection of the graph itself;
            # here the change stays local to this export.
            collections.pop(request.unbound_inputs_col_name, None)
            if unbound_inputs:
                collections[request.unbound_inputs_col_name] = [
                    CollectionItem(string_value=name) for name in unbound_inputs
                ]

    _check_variables_scope(collections, scope, exclude)

    meta_graph_def = MetaGraphDef()
    info = meta_graph_def.meta_info_def
    if request.meta_info_def is not None:
        info.CopyFrom(request.meta_info_def)
    info.tensorflow_version = request.registry.tensorflow_version
    info.tensorflow_git_version = request.registry.tensorflow_git_version

    if graph_def is None:
        _graph_with_shapes(snapshot, meta_graph_def.graph_def)
    else:
        # protobuf cannot copy a message of 2 GiB or more; refuse it first.
        _check_size(graph_def)
        meta_graph_def.graph_def.MergeFrom(graph_def)

    if not info.stripped_op_list.op:
        unregistered = _fill_stripped_op_list(meta_graph_def, request.registry)
        for op in unregistered:
            diagnostics.append(
                Diagnostic(
                    "OP_NOT_REGISTERED",
                    op,
                    f"op {op!r} is not in the op registry: it is left out of "
                    "stripped_op_list and its default attributes are not stripped",
                )
            )

    if request.strip_default_attrs:
        _strip_default_attrs(meta_graph_def, request.registry)

    if request.saver_def is not None:
        meta_graph_def.saver_def.MergeFrom(request.saver_def)

    keys = request.collection_list
    if keys is None:
        keys = list(collections)
    for key in keys:
        if request.clear_extraneous_savers and key == SAVERS_KEY:
            items = [_retained_saver(request.saver_def)]
        else:
            items = collections.get(key, [])
        reason = add_collection(meta_graph_def, key, items, scope, exclude)
        if reason is not None:
            diagnostics.append(
                Diagnostic(
                    "COLLECTION_DROPPED",
                    key,
                    f"collection {key!r} is not exported: {reason}",
                )
            )

    size = byte_size(meta_graph_def)
    if size >= GRAPH_SIZE_LIMIT:
        raise GraphTooLargeError(size)
    for diagnostic in diagnostics:
        diagnostic.log()
    return Built(meta_graph_def, diagnostics)


def _add_output_shapes(node: NodeDef, name: str, snapshot: GraphSnapshot, strict: bool) -> None:
    shapes = snapshot.output_shapes.get(name)
    if shapes is None or not shapes.shape:
        return
    if strict and "_output_shapes" in node.attr:
        # TensorFlow asserts that the attribute is new on this path.
        raise InvalidArgumentError(
            "graph", f"node {name!r} already has an _output_shapes attribute"
        )
    node.attr["_output_shapes"].list.shape.extend(shapes.shape)


def _with_operation_inputs(node: NodeDef, inputs: Sequence[str]) -> NodeDef:
    copy = NodeDef()
    copy.CopyFrom(node)
    copy.input[:] = inputs
    return copy


def _check_size(message: Message) -> None:
    size = byte_size(message)
    if size >= GRAPH_SIZE_LIMIT:
        raise GraphTooLargeError(size)


def byte_size(message: Message) -> int:
    """The encoded size of a message, also at 2 GiB and beyond, where protobuf's
    own ByteSize refuses to answer."""
    try:
        return message.ByteSize()
    except EncodeError:
        return summed_size(message)


def summed_size(message: Message) -> int:
    """The encoded size of a message as the sum of its fields' sizes."""
    # Sum the parts: every scalar field at once, then each message field with
    # its tag and length prefix.
    scalars = type(message)()
    total = 0
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None or descriptor.message_type.GetOptions().map_entry:
            if descriptor.message_type is None and not descriptor.is_repeated:
                setattr(scalars, descriptor.name, value)
            elif descriptor.message_type is None:
                getattr(scalars, descriptor.name).extend(value)
            else:
                total += byte_size_of_map(message, descriptor.name)
            continue
        tag = _varint_size(descriptor.number << 3)
        items = value if descriptor.is_repeated else [value]
        for item in items:
            size = byte_size(item)
            total += tag + _varint_size(size) + size
    return total + scalars.ByteSize()


def byte_size_of_map(message: Message, name: str) -> int:
    holder = type(message)()
    getattr(holder, name).MergeFrom(getattr(message, name))
    return holder.ByteSize()


def _varint_size(value: int) -> int:
    size = 1
    while value >= 0x80:
        value >>= 7
        size += 1
    return size


def _graph_with_shapes(snapshot: GraphSnapshot, out: GraphDef) -> None:
    """``Graph.as_graph_def(add_shapes=True)``: shapes on every node with outputs
    (spec EXP-GRAPH-4)."""
    _check_size(snapshot.graph_def)
    out.CopyFrom(snapshot.graph_def)
    for node in out.node:
        _add_output_shapes(node, node.name, snapshot, strict=False)
    if snapshot.HasField("library_with_shapes"):
        out.library.CopyFrom(snapshot.library_with_shapes)


def _check_variables_scope(
    collections: dict[str, list[CollectionItem]], scope: Scope, exclude: frozenset[str]
) -> None:
    """TensorFlow looks up ``get_collection("variables", scope=export_scope)``, which
    uses the scope as a regular expression, and strips the name of each match.
    Only its failures are observable (spec EXP-SCOPE-15)."""
    variables = collections.get("variables")
    if variables is None or scope.text is None:
        return
    scope.check_pattern()
    pattern = re.compile(scope.text)
    for item in variables:
        name = object_name(item)
        if name is not None and pattern.match(name) and should_include(name, scope, exclude):
            scope.strip(name)


def _retained_saver(saver_def: SaverDef | None) -> CollectionItem:
    """The savers collection under clear_extraneous_savers: only ``saver_def``
    (spec EXP-SAVERS-6, EXP-SAVERS-7).

    TensorFlow builds a Saver from it, which insists on these two names.
    """
    if saver_def is None:
        raise InvalidArgumentError(
            "saver_def",
            "clear_extraneous_savers exports the savers collection as saver_def alone, "
            "so saver_def is required when that collection is exported",
        )
    for field_name in ("save_tensor_name", "restore_op_name"):
        if not getattr(saver_def, field_name):
            raise InvalidArgumentError("saver_def", f"saver_def must specify the {field_name}")
    return CollectionItem(saver=saver_def)


def _fill_stripped_op_list(meta_graph_def: MetaGraphDef, registry: OpRegistry) -> list[str]:
    """``stripped_op_list_for_graph``; returns the used ops missing from the registry
    (spec EXP-OPS-2 to EXP-OPS-5)."""
    graph_def = meta_graph_def.graph_def
    functions = {function.signature.name: function for function in graph_def.library.function}
    used: set[str] = set()
    pending = []

    def mark(op: str) -> None:
        if op not in used and op in functions:
            pending.append(functions[op])
        used.add(op)

    def visit(node: NodeDef) -> None:
        mark(node.op)
        if node.op in _CALL_OPS:
            # Reading the map inserts an empty "f" where there was none, in
            # TensorFlow's output as in this one.
            mark(node.attr["f"].func.name)

    for node in graph_def.node:
        visit(node)
    while pending:
        for node in pending.pop().node_def:
            visit(node)
    ops: list[OpDef] = []
    missing: list[str] = []
    for name in sorted(op for op in used if op not in functions):
        op_def = registry.get(name)
        if op_def is None:
            missing.append(name)
        else:
            ops.append(op_def)
    meta_graph_def.meta_info_def.stripped_op_list.op.extend(ops)
    return missing


def _strip_default_attrs(meta_graph_def: MetaGraphDef, registry: OpRegistry) -> None:
    graph_def = meta_graph_def.graph_def
    functions = {function.signature.name for function in graph_def.library.function}

    def strip(node: NodeDef) -> None:
        if node.op in functions:
            return
        op_def = registry.get(node.op)
        if op_def is None:
            return
        defaults: dict[str, OpDef.AttrDef] = {}
        for attr_def in op_def.attr:
            # The first definition of a name is the one TensorFlow consults.
            defaults.setdefault(attr_def.name, attr_def)
        doomed = [
            name
            for name, value in node.attr.items()
            if name in defaults
            and defaults[name].HasField("default_value")
            and attr_values_equal(value, defaults[name].default_value)
        ]
        for name in doomed:
            del node.attr[name]

    for node in graph_def.node:
        strip(node)
    for function in graph_def.library.function:
        for node in function.node_def:
            strip(node)
    meta_graph_def.meta_info_def.stripped_default_attrs = True
