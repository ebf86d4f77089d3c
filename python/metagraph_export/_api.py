"""The public entry points: argument checking, then build, then write."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import _debug_info
from ._codec import as_message, encode, full_name, streamed_size, write_binary
from ._exporter import (
    GRAPH_SIZE_LIMIT,
    Built,
    Diagnostic,
    Request,
    build,
    checked_encoding,
)
from ._files import Content, debug_file_name, write_files
from ._registry import OpRegistry, custom_op_defs, default_registry
from .errors import ArgumentTypeError, GraphTooLargeError, InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import GraphSnapshot
from .tf.graph_debug_info_pb2 import GraphDebugInfo
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef
from .tf.saver_pb2 import SaverDef

_BOOL_ARGUMENTS = (
    "as_text",
    "clear_devices",
    "clear_extraneous_savers",
    "strip_default_attrs",
    "save_debug_info",
)


@dataclass(frozen=True)
class HandedOver:
    """A ``graph_def`` argument that its only holder gives up (the command
    line's parse of an input file): ``holder`` is a MetaGraphDef with that
    graph as its ``graph_def`` and nothing else, and the export is built in it
    rather than in a copy of the graph."""

    holder: MetaGraphDef


@dataclass(frozen=True)
class ExportResult:
    """What one export produced."""

    meta_graph_def: MetaGraphDef
    """The exported meta graph, as ``export_meta_graph`` returns it."""
    diagnostics: tuple[Diagnostic, ...]
    """What TensorFlow would only log or do silently (dropped collections, ops
    missing from the registry), in the order it happened."""
    debug_info: GraphDebugInfo | None
    """The debug info written beside the meta graph, when one was written."""
    files: tuple[str, ...]
    """The paths written: the meta graph file, then the debug file."""


def export(
    filename: str | os.PathLike[str] | None = None,
    meta_info_def: Any = None,
    graph_def: Any = None,
    saver_def: Any = None,
    collection_list: Iterable[str] | None = None,
    as_text: bool = False,
    graph: Any = None,
    export_scope: str | None = None,
    clear_devices: bool = False,
    clear_extraneous_savers: bool = False,
    strip_default_attrs: bool = False,
    save_debug_info: bool = False,
    *,
    op_defs: Any = None,
    op_registry: OpRegistry | None = None,
    **kwargs: Any,
) -> ExportResult:
    """Like :func:`export_meta_graph`, returning diagnostics and files too."""
    adopted = None
    if isinstance(graph_def, HandedOver):
        adopted = graph_def.holder
        graph_def = adopted.graph_def
    arguments = {
        "as_text": as_text,
        "clear_devices": clear_devices,
        "clear_extraneous_savers": clear_extraneous_savers,
        "strip_default_attrs": strip_default_attrs,
        "save_debug_info": save_debug_info,
    }
    for name in _BOOL_ARGUMENTS:
        if not isinstance(arguments[name], bool):
            raise ArgumentTypeError.expected(name, "a bool", arguments[name])
    unbound_inputs_col_name = kwargs.pop("unbound_inputs_col_name", "unbound_inputs")
    if kwargs:
        names = ", ".join(sorted(kwargs))
        raise ArgumentTypeError("kwargs", f"unexpected keyword argument(s): {names}")
    if unbound_inputs_col_name is not None and not isinstance(unbound_inputs_col_name, str):
        raise ArgumentTypeError.expected(
            "unbound_inputs_col_name", "a str or None", unbound_inputs_col_name
        )
    if export_scope is not None and not isinstance(export_scope, str):
        raise ArgumentTypeError.expected("export_scope", "a str or None", export_scope)
    path = _path(filename)

    registry = op_registry if op_registry is not None else default_registry()
    if not isinstance(registry, OpRegistry):
        raise ArgumentTypeError.expected("op_registry", "an OpRegistry", registry)
    extra_ops = custom_op_defs(op_defs)
    if extra_ops:
        registry = registry.with_ops(extra_ops)

    graph_def_message = None if graph_def is None else as_message(graph_def, GraphDef, "graph_def")
    snapshot = _snapshot(graph, stack_traces=save_debug_info and path is not None)
    if snapshot is None:
        if graph_def_message is None:
            raise InvalidArgumentError(
                "graph",
                "there is no default graph here: pass graph= (a GraphSnapshot or a "
                "tf.Graph) or graph_def=",
            )
        snapshot = GraphSnapshot()
    request = Request(
        snapshot=snapshot,
        graph_def=graph_def_message,
        meta_info_def=None
        if meta_info_def is None
        else as_message(meta_info_def, MetaGraphDef.MetaInfoDef, "meta_info_def"),
        saver_def=None if saver_def is None else as_message(saver_def, SaverDef, "saver_def"),
        collection_list=_collection_list(collection_list),
        export_scope=export_scope,
        clear_devices=clear_devices,
        clear_extraneous_savers=clear_extraneous_savers,
        strip_default_attrs=strip_default_attrs,
        unbound_inputs_col_name=unbound_inputs_col_name,
        registry=registry,
        adopted=adopted,
    )
    built = build(request)
    return _finish(built, request, path, as_text, save_debug_info)


def export_meta_graph(
    filename: str | os.PathLike[str] | None = None,
    meta_info_def: Any = None,
    graph_def: Any = None,
    saver_def: Any = None,
    collection_list: Iterable[str] | None = None,
    as_text: bool = False,
    graph: Any = None,
    export_scope: str | None = None,
    clear_devices: bool = False,
    clear_extraneous_savers: bool = False,
    strip_default_attrs: bool = False,
    save_debug_info: bool = False,
    **kwargs: Any,
) -> MetaGraphDef:
    """Returns the ``MetaGraphDef`` TensorFlow 2.21's ``export_meta_graph`` returns,
    and writes it to ``filename`` when one is given.

    ``graph`` is a :class:`GraphSnapshot` or, where TensorFlow is installed, a
    ``tf.Graph``. Beyond TensorFlow's arguments, ``kwargs`` take
    ``unbound_inputs_col_name`` (as TensorFlow's do), ``op_defs`` (custom
    OpDefs, an ``OpList`` or an iterable of ``OpDef``) and ``op_registry``.
    No argument is ever changed. See :func:`export` for diagnostics.
    """
    return export(
        filename,
        meta_info_def,
        graph_def,
        saver_def,
        collection_list,
        as_text,
        graph,
        export_scope,
        clear_devices,
        clear_extraneous_savers,
        strip_default_attrs,
        save_debug_info,
        **kwargs,
    ).meta_graph_def


def _path(filename: object) -> str | None:
    if filename is None:
        return None
    if isinstance(filename, os.PathLike):
        filename = os.fspath(filename)
    if not isinstance(filename, str):
        raise ArgumentTypeError.expected("filename", "a str, an os.PathLike or None", filename)
    if "\x00" in filename:
        raise InvalidArgumentError("filename", "contains a NUL character")
    # An empty filename writes nothing, as in TensorFlow.
    return filename or None


def _collection_list(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ArgumentTypeError.expected("collection_list", "a list of str keys or None", value)
    keys: list[str] = []
    for key in value:
        if isinstance(key, bytes):
            try:
                key = key.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidArgumentError("collection_list", f"key {key!r} is not UTF-8") from None
        if not isinstance(key, str):
            raise ArgumentTypeError.expected("collection_list", "a list of str keys", key)
        keys.append(key)
    return keys


def _snapshot(graph: object, *, stack_traces: bool) -> GraphSnapshot | None:
    """``graph`` as a snapshot; ``stack_traces`` says whether the export reads them."""
    if graph is None:
        return None
    if full_name(graph) == GraphSnapshot.DESCRIPTOR.full_name:
        return as_message(graph, GraphSnapshot, "graph")
    module = type(graph).__module__
    if module.startswith("tensorflow") and hasattr(graph, "as_graph_def"):
        from ._tf_adapter import snapshot_from_graph

        return snapshot_from_graph(graph, stack_traces=stack_traces)
    raise ArgumentTypeError.expected("graph", "a GraphSnapshot or a tf.Graph", graph)


def _checked_content(meta_graph_def: MetaGraphDef, binary: bool) -> Content | None:
    """Refuses a meta graph of 2 GiB or more; with ``binary``, returns what to
    write: the encoding, or for a graph of large nodes its encoder (which
    never holds the whole encoding)."""
    sizes = streamed_size(meta_graph_def) if binary else None
    if sizes is None:
        return checked_encoding(meta_graph_def, binary)
    size, graph_size = sizes
    if size >= GRAPH_SIZE_LIMIT:
        raise GraphTooLargeError(size)
    return functools.partial(write_binary, meta_graph_def, graph_size)


def _finish(
    built: Built, request: Request, path: str | None, as_text: bool, save_debug_info: bool
) -> ExportResult:
    content = _checked_content(built.meta_graph_def, path is not None and not as_text)
    diagnostics = list(built.diagnostics)
    for diagnostic in diagnostics:
        diagnostic.log()
    debug_info = None
    files: list[tuple[str, Content]] = []
    if path is not None:
        if content is None:
            content = encode(built.meta_graph_def, as_text)
        files.append((path, content))
        if save_debug_info:
            debug_info = _debug_info.build(
                built.meta_graph_def, request.snapshot, request.export_scope
            )
            files.append((debug_file_name(path), encode(debug_info, as_text)))
        write_files(files)
    elif save_debug_info:
        diagnostic = Diagnostic(
            "DEBUG_INFO_NOT_WRITTEN", "", "save_debug_info has no effect without a filename"
        )
        diagnostic.log()
        diagnostics.append(diagnostic)
    return ExportResult(
        meta_graph_def=built.meta_graph_def,
        diagnostics=tuple(diagnostics),
        debug_info=debug_info,
        files=tuple(name for name, _ in files),
    )
