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
from typing import Any

from google.protobuf.unknown_fields import UnknownFieldSet

from ._attrs import attr_values_equal
from ._collections import SAVERS_KEY, add_collection, object_name, should_include
from ._nodes import extraneous_saver_nodes, rewrite_node
from ._registry import OpRegistry
from ._scope import UNBOUND_INPUT_PREFIX, Scope
from .errors import InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import CollectionItem, GraphSnapshot
from .tf.attr_value_pb2 import AttrValue
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef
from .tf.node_def_pb2 import NodeDef
from .tf.op_def_pb2 import OpDef
from .tf.saver_pb2 import SaverDef

logger = logging.getLogger("metagraph_export")
# A library leaves output to the application's logging configuration.
logger.addHandler(logging.NullHandler())

_CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")


# How much each diagnostic matters: "warning" where the output is not what a
# caller probably wanted (TensorFlow warns about dropped collections too),
# "info" for what every graph built with variable scopes has.
_SEVERITY = {
    "COLLECTION_DROPPED": "warning",
    "OP_NOT_REGISTERED": "warning",
    "DEBUG_INFO_NOT_WRITTEN": "warning",
    "SCOPE_MATCHES_NOTHING": "warning",
    "COLLECTION_NOT_FOUND": "warning",
    "COLLECTION_KEY_NOT_STRING": "info",
}


@dataclass(frozen=True)
class Diagnostic:
    """Something TensorFlow would only log, or do silently, reported as data
    (spec EXP-DIAG-1 to EXP-DIAG-5).

    ``code`` is one of the diagnostic codes of the specification
    (``COLLECTION_DROPPED``, ``COLLECTION_KEY_NOT_STRING``, ``OP_NOT_REGISTERED``,
    ``DEBUG_INFO_NOT_WRITTEN``, ``SCOPE_MATCHES_NOTHING``, ``COLLECTION_NOT_FOUND``);
    ``subject`` is the collection key, op name or scope.
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
    adopted: MetaGraphDef | None = None
    """A message whose ``graph_def`` is ``graph_def`` and that no one else holds
    (an input file parsed in place): the export is built in it, without a copy
    of the graph."""


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
    meta_graph_def = request.adopted if request.adopted is not None else MetaGraphDef()
    rewriting = bool(scope or request.clear_extraneous_savers or request.clear_devices)
    if rewriting:
        source = graph_def if graph_def is not None else snapshot.graph_def
        if request.clear_extraneous_savers:
            exclude = extraneous_saver_nodes(source, request.saver_def)
        unbound_inputs = _rewritten_graph(meta_graph_def.graph_def, source, request, scope, exclude)
        if scope.text and not meta_graph_def.graph_def.node:
            diagnostics.append(
                Diagnostic(
                    "SCOPE_MATCHES_NOTHING",
                    scope.text,
                    f"export scope {scope.text!r} matches no node: the exported graph is empty",
                )
            )
        if request.unbound_inputs_col_name:
            # TensorFlow clears and refills this collection of the graph itself;
            # here the change stays local to this export.
            collections.pop(request.unbound_inputs_col_name, None)
            if unbound_inputs:
                collections[request.unbound_inputs_col_name] = [
                    CollectionItem(string_value=name) for name in unbound_inputs
                ]

    _check_variables_scope(collections, scope, exclude)

    info = meta_graph_def.meta_info_def
    if request.meta_info_def is not None:
        info.CopyFrom(request.meta_info_def)
    info.tensorflow_version = request.registry.tensorflow_version
    info.tensorflow_git_version = request.registry.tensorflow_git_version

    # The rewriting path built the graph in place already, as did an adoption.
    if not rewriting and graph_def is None:
        _graph_with_shapes(snapshot, meta_graph_def.graph_def)
    elif not rewriting and graph_def is not None and request.adopted is None:
        meta_graph_def.graph_def.CopyFrom(graph_def)

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
        elif key in collections:
            items = collections[key]
        else:
            items = []
            if request.collection_list is not None:
                diagnostics.append(
                    Diagnostic(
                        "COLLECTION_NOT_FOUND",
                        key,
                        f"collection_list names {key!r}, and the graph has no such collection",
                    )
                )
        reason = add_collection(meta_graph_def, key, items, scope, exclude)
        if reason is not None:
            diagnostics.append(
                Diagnostic(
                    "COLLECTION_DROPPED",
                    key,
                    f"collection {key!r} is not exported: {reason}",
                )
            )

    return Built(meta_graph_def, diagnostics)


def _rewritten_graph(
    out: GraphDef, source: GraphDef, request: Request, scope: Scope, exclude: frozenset[str]
) -> list[str]:
    """The rewriting path (spec EXP-GRAPH-5 to EXP-GRAPH-8) into ``out``; returns
    the unbound inputs.

    The source graph is copied once, whole, and each kept node is then rewritten
    in place: a node no rule touches is never rebuilt, and a large constant is
    never copied twice.
    """
    snapshot = request.snapshot
    from_snapshot = request.graph_def is None
    if request.adopted is None:
        out.CopyFrom(source)
    # Only nodes, versions and the library are carried over.
    out.ClearField("version")
    out.ClearField("debug_info")
    if len(UnknownFieldSet(out)):
        # A new GraphDef in TensorFlow: none of the source's own unknown fields.
        _drop_unknown_fields(out)
    out.versions.SetInParent()
    if from_snapshot:
        library = (
            snapshot.registered_library
            if snapshot.HasField("registered_library")
            else snapshot.graph_def.library
        )
        out.ClearField("library")
        # Function by function, as Graph._copy_functions_to_graph_def does: a
        # graph without functions gets no library field at all.
        if library.function:
            out.library.function.extend(library.function)
        if library.gradient:
            out.library.gradient.extend(library.gradient)
    else:
        out.library.SetInParent()

    unbound_inputs: list[str] = []
    operation_inputs = snapshot.operation_inputs if from_snapshot else None
    contains = scope.contains if scope else None
    clear_devices = request.clear_devices
    if not (exclude or contains or from_snapshot):
        # Every node is kept as it is named: only the rewriting itself is left.
        for node in out.node:
            rewrite_node(node, scope, unbound_inputs, clear_devices)
        return unbound_inputs
    dropped: list[int] = []
    for index, node in enumerate(out.node):
        name = node.name
        if (exclude and name in exclude) or (
            contains is not None and not (name.startswith(UNBOUND_INPUT_PREFIX) or contains(name))
        ):
            dropped.append(index)
            continue
        if operation_inputs:
            recorded = operation_inputs.get(name)
            if recorded is not None:
                node.input[:] = recorded.input
        rewrite_node(node, scope, unbound_inputs, clear_devices)
        if from_snapshot:
            _add_output_shapes(node, name, snapshot, strict=True)
    _delete(out.node, dropped)
    return unbound_inputs


def _drop_unknown_fields(graph: GraphDef) -> None:
    """Clears the unknown fields of ``graph`` itself, not those of its nodes."""
    fresh = GraphDef()
    if graph.HasField("versions"):
        fresh.versions.CopyFrom(graph.versions)
    if graph.HasField("library"):
        fresh.library.CopyFrom(graph.library)
    # Rare (unknown fields at the top level of a graph), so a copy node by
    # node is affordable.
    fresh.node.extend(graph.node)
    graph.CopyFrom(fresh)


# Beyond this many separate runs of deleted nodes, one reordering pass beats
# deleting run after run (each deletion moves the tail of the list).
_MAX_DELETED_RUNS = 64


def _delete(nodes: Any, indices: list[int]) -> None:
    """Removes the nodes at ``indices`` (ascending) without copying the others."""
    if not indices:
        return
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and runs[-1][1] == index:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    if len(runs) <= _MAX_DELETED_RUNS:
        for start, stop in reversed(runs):
            del nodes[start:stop]
        return
    doomed = set(indices)
    flags = iter([index in doomed for index in range(len(nodes))])
    # A stable sort on the flags moves the doomed nodes to the end, in one pass
    # over the container's pointers; the sort calls the key in list order.
    nodes.sort(key=lambda _: next(flags))
    del nodes[len(nodes) - len(indices) :]


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


def _graph_with_shapes(snapshot: GraphSnapshot, out: GraphDef) -> None:
    """``Graph.as_graph_def(add_shapes=True)``: shapes on every node with outputs
    (spec EXP-GRAPH-4)."""
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

    # The graph's own nodes in bulk; only call nodes need a second look.
    top_level = {node.op for node in graph_def.node}
    for op in top_level:
        mark(op)
    call_ops = _CALL_OPS
    if not top_level.isdisjoint(call_ops):
        for node in graph_def.node:
            if node.op in call_ops:
                # The op is marked already; only the function it calls is left.
                function = node.attr["f"].func.name
                if function not in used:
                    mark(function)
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
    # Per op, its attributes that have a default: looked up once per export.
    defaults_by_op: dict[str, dict[str, AttrValue]] = {}

    def defaults_of(op: str) -> dict[str, AttrValue]:
        defaults = defaults_by_op.get(op)
        if defaults is None:
            defaults = {}
            op_def = None if op in functions else registry.get(op)
            seen: set[str] = set()
            for attr_def in op_def.attr if op_def is not None else ():
                # The first definition of a name is the one TensorFlow consults.
                if attr_def.name not in seen and attr_def.HasField("default_value"):
                    defaults[attr_def.name] = attr_def.default_value
                seen.add(attr_def.name)
            defaults_by_op[op] = defaults
        return defaults

    def strip(node: NodeDef) -> None:
        defaults = defaults_of(node.op)
        if not defaults:
            return
        attr = node.attr
        doomed = [
            name
            for name, default in defaults.items()
            if name in attr and attr_values_equal(attr[name], default)
        ]
        for name in doomed:
            del attr[name]

    for node in graph_def.node:
        strip(node)
    for function in graph_def.library.function:
        for node in function.node_def:
            strip(node)
    meta_graph_def.meta_info_def.stripped_default_attrs = True
