"""The export pipeline: arguments -> request -> build -> encode -> write.

Every export runs through here, in these stages, whoever asks for it: the
public API (``export``, ``export_meta_graph``), the command line, the gRPC
service and the conformance runner's in-process backend. Nothing else checks
an argument, applies the 2 GiB rule (spec EXP-LIMIT-1) or writes a file.

1. :func:`export_arguments` is the one place ``export_meta_graph``'s
   signature is written and its arguments are checked; :meth:`Arguments.from_proto`
   and :meth:`Arguments.to_proto` convert to and from the ``ExportArguments``
   message by the same checks.
2. :func:`request` resolves the registry and the graph snapshot.
3. :func:`build` is the algorithm (spec EXP-ALGO-1), in ``_exporter``.
4. :func:`encode` measures the meta graph against the limit, encodes the file
   content, and builds the debug info.
5. :func:`write` writes the files, all or nothing (``_files``).

:func:`run` chains them for an export in this process. This module is the one
private module the packages beside this one (the gRPC service, the
conformance runner) may import; tests/test_import_contract.py holds them to it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from . import _debug_info, _native
from ._codec import as_message, full_name, streamed_size, write_binary
from ._codec import encode as encode_message
from ._exporter import Built, Diagnostic, Request
from ._exporter import build as _build
from ._files import Content, Root, debug_file_name, write_files
from ._importer import ImportDiagnostic, ImportResult
from ._native import Cancellation, Cancelled
from ._registry import OpRegistry, custom_op_defs, default_registry
from ._sizes import byte_size, summed_size
from .api.v1.export_pb2 import CollectionList, ExportArguments
from .api.v1.export_pb2 import Diagnostic as DiagnosticProto
from .api.v1.import_pb2 import ImportArguments as ImportArgumentsProto
from .errors import (
    MAX_MESSAGE_BYTES,
    ArgumentTypeError,
    GraphTooLargeError,
    InvalidArgumentError,
)
from .snapshot.v1.snapshot_pb2 import GraphSnapshot
from .tf.graph_debug_info_pb2 import GraphDebugInfo
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef
from .tf.op_def_pb2 import OpDef, OpList
from .tf.saver_pb2 import SaverDef

__all__ = [
    "MAX_MESSAGE_BYTES",
    "Arguments",
    "Cancellation",
    "Cancelled",
    "Diagnostic",
    "Encoded",
    "ExportResult",
    "ImportDiagnostic",
    "ImportResult",
    "Root",
    "build",
    "build_and_encode",
    "check_size",
    "debug_file_name",
    "diagnostic_to_proto",
    "encode",
    "export_arguments",
    "import_arguments_to_proto",
    "import_diagnostic_to_proto",
    "import_from_proto",
    "parse_meta_graph",
    "request",
    "run",
    "taking",
    "write",
    "write_files",
]

P = ParamSpec("P")
R = TypeVar("R")

# TensorFlow's default: inputs leaving the scope are recorded under this key.
DEFAULT_UNBOUND_INPUTS_COL_NAME = "unbound_inputs"


@dataclass(frozen=True)
class Arguments:
    """``export_meta_graph``'s arguments, checked and normalized to messages."""

    filename: str | None
    """None when nothing is written (TensorFlow writes nothing for "" either)."""
    meta_info_def: MetaGraphDef.MetaInfoDef | None
    graph_def: GraphDef | None
    saver_def: SaverDef | None
    collection_list: tuple[str, ...] | None
    as_text: bool
    graph: GraphSnapshot | None
    """The graph as a snapshot (a ``tf.Graph`` is captured when checked)."""
    export_scope: str | None
    clear_devices: bool
    clear_extraneous_savers: bool
    strip_default_attrs: bool
    save_debug_info: bool
    unbound_inputs_col_name: str | None
    op_defs: tuple[OpDef, ...]
    op_registry: OpRegistry | None
    adopted: MetaGraphDef | None = None
    """A message whose ``graph_def`` is ``graph_def`` and that no one else
    holds (the command line's parse of its input): the export is built in it,
    rather than in a copy of the graph."""
    backend: str | None = None
    """``python``, ``native`` or ``auto``; None reads the environment (``_native``)."""

    def adopting(self, holder: MetaGraphDef) -> Arguments:
        """These arguments with ``holder.graph_def`` as ``graph_def``, built in
        place: the caller gives ``holder`` up."""
        return dataclasses.replace(self, graph_def=holder.graph_def, adopted=holder)

    @classmethod
    def from_proto(cls, message: object, *, backend: str | None = None) -> Arguments:
        """The arguments an ``ExportArguments`` message stands for, checked as
        keyword arguments are, to run on ``backend``."""
        proto = as_message(message, ExportArguments, "arguments")
        kwargs: dict[str, Any] = {
            "as_text": proto.as_text,
            "clear_devices": proto.clear_devices,
            "clear_extraneous_savers": proto.clear_extraneous_savers,
            "strip_default_attrs": proto.strip_default_attrs,
            "save_debug_info": proto.save_debug_info,
        }
        if proto.HasField("filename"):
            kwargs["filename"] = proto.filename
        for name in ("meta_info_def", "graph_def", "saver_def", "graph"):
            if proto.HasField(name):
                kwargs[name] = getattr(proto, name)
        if proto.HasField("collection_list"):
            kwargs["collection_list"] = list(proto.collection_list.keys)
        if proto.HasField("export_scope"):
            kwargs["export_scope"] = proto.export_scope
        if proto.HasField("unbound_inputs_col_name"):
            # "" stands for None, which a proto3 string cannot hold.
            kwargs["unbound_inputs_col_name"] = proto.unbound_inputs_col_name or None
        if proto.HasField("op_defs"):
            kwargs["op_defs"] = proto.op_defs
        return export_arguments(**kwargs, backend=backend)

    def to_proto(self) -> ExportArguments:
        """The ``ExportArguments`` message of these arguments (``op_registry``
        aside, which has no field: a remote implementation has its own)."""
        proto = ExportArguments(
            as_text=self.as_text,
            clear_devices=self.clear_devices,
            clear_extraneous_savers=self.clear_extraneous_savers,
            strip_default_attrs=self.strip_default_attrs,
            save_debug_info=self.save_debug_info,
        )
        if self.filename is not None:
            proto.filename = self.filename
        # CopyFrom, never a constructor argument, which would encode the
        # message, and protobuf refuses to encode 2 GiB.
        if self.meta_info_def is not None:
            proto.meta_info_def.CopyFrom(self.meta_info_def)
        if self.graph_def is not None:
            proto.graph_def.CopyFrom(self.graph_def)
        if self.saver_def is not None:
            proto.saver_def.CopyFrom(self.saver_def)
        if self.collection_list is not None:
            proto.collection_list.CopyFrom(CollectionList(keys=self.collection_list))
        if self.graph is not None:
            proto.graph.CopyFrom(self.graph)
        if self.export_scope is not None:
            proto.export_scope = self.export_scope
        if self.unbound_inputs_col_name != DEFAULT_UNBOUND_INPUTS_COL_NAME:
            proto.unbound_inputs_col_name = self.unbound_inputs_col_name or ""
        if self.op_defs:
            proto.op_defs.CopyFrom(OpList(op=self.op_defs))
        return proto


def export_arguments(
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
) -> Arguments:
    """Checks ``export_meta_graph``'s arguments (spec EXP-ARGS) and normalizes
    them. ``kwargs`` take ``unbound_inputs_col_name`` (as TensorFlow's do),
    ``op_defs`` (custom OpDefs: an ``OpList`` or an iterable of ``OpDef``),
    ``op_registry`` (an :class:`OpRegistry` replacing the bundled one) and
    ``backend`` (``"python"``, ``"native"`` or ``"auto"``; by default the
    environment variable ``METAGRAPH_EXPORT_BACKEND``, else ``"auto"``: the
    native implementation where it is installed)."""
    flags = {
        "as_text": as_text,
        "clear_devices": clear_devices,
        "clear_extraneous_savers": clear_extraneous_savers,
        "strip_default_attrs": strip_default_attrs,
        "save_debug_info": save_debug_info,
    }
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise ArgumentTypeError.expected(name, "a bool", value)
    unbound_inputs_col_name = kwargs.pop("unbound_inputs_col_name", DEFAULT_UNBOUND_INPUTS_COL_NAME)
    op_defs = custom_op_defs(kwargs.pop("op_defs", None))
    op_registry = kwargs.pop("op_registry", None)
    backend = kwargs.pop("backend", None)
    if kwargs:
        names = ", ".join(sorted(kwargs))
        raise ArgumentTypeError("kwargs", f"unexpected keyword argument(s): {names}")
    if unbound_inputs_col_name is not None and not isinstance(unbound_inputs_col_name, str):
        raise ArgumentTypeError.expected(
            "unbound_inputs_col_name", "a str or None", unbound_inputs_col_name
        )
    if export_scope is not None and not isinstance(export_scope, str):
        raise ArgumentTypeError.expected("export_scope", "a str or None", export_scope)
    if op_registry is not None and not isinstance(op_registry, OpRegistry):
        raise ArgumentTypeError.expected("op_registry", "an OpRegistry", op_registry)
    if backend is not None and backend not in _native.BACKENDS:
        raise InvalidArgumentError(
            "backend", f"{backend!r} is none of {', '.join(_native.BACKENDS)}"
        )
    path = _path(filename)
    return Arguments(
        filename=path,
        meta_info_def=None
        if meta_info_def is None
        else as_message(meta_info_def, MetaGraphDef.MetaInfoDef, "meta_info_def"),
        graph_def=None if graph_def is None else as_message(graph_def, GraphDef, "graph_def"),
        saver_def=None if saver_def is None else as_message(saver_def, SaverDef, "saver_def"),
        collection_list=_collection_list(collection_list),
        as_text=as_text,
        # Creation stack traces are read only for the debug info (spec SNAP-11).
        graph=_snapshot(graph, stack_traces=save_debug_info),
        export_scope=export_scope,
        clear_devices=clear_devices,
        clear_extraneous_savers=clear_extraneous_savers,
        strip_default_attrs=strip_default_attrs,
        save_debug_info=save_debug_info,
        unbound_inputs_col_name=unbound_inputs_col_name,
        op_defs=tuple(op_defs),
        op_registry=op_registry,
        backend=backend,
    )


def taking(
    signature: Callable[P, Arguments],
) -> Callable[[Callable[[Arguments], R]], Callable[P, R]]:
    """A decorator: the decorated function takes checked :class:`Arguments`,
    and callers call it with ``signature``'s parameters (:func:`export_arguments`:
    ``export_meta_graph``'s), which is so written only once."""

    def decorate(body: Callable[[Arguments], R]) -> Callable[P, R]:
        @functools.wraps(body)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return body(signature(*args, **kwargs))

        # help() and inspect show the parameters callers pass.
        call.__signature__ = inspect.signature(signature).replace(  # type: ignore[attr-defined]
            return_annotation=inspect.signature(body).return_annotation
        )
        return call

    return decorate


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


def _collection_list(value: object) -> tuple[str, ...] | None:
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
    return tuple(keys)


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


# --- 2. request ---------------------------------------------------------------------


def request(arguments: Arguments) -> Request:
    """The exporter's request: the registry with custom ops, and the snapshot
    (an empty one beside a ``graph_def``)."""
    registry = arguments.op_registry or default_registry()
    if arguments.op_defs:
        registry = registry.with_ops(arguments.op_defs)
    snapshot = arguments.graph
    if snapshot is None:
        if arguments.graph_def is None:
            raise InvalidArgumentError(
                "graph",
                "there is no default graph here: pass graph= (a GraphSnapshot or a "
                "tf.Graph) or graph_def=",
            )
        snapshot = GraphSnapshot()
    return Request(
        snapshot=snapshot,
        graph_def=arguments.graph_def,
        meta_info_def=arguments.meta_info_def,
        saver_def=arguments.saver_def,
        collection_list=arguments.collection_list,
        export_scope=arguments.export_scope,
        clear_devices=arguments.clear_devices,
        clear_extraneous_savers=arguments.clear_extraneous_savers,
        strip_default_attrs=arguments.strip_default_attrs,
        unbound_inputs_col_name=arguments.unbound_inputs_col_name,
        registry=registry,
        adopted=arguments.adopted,
    )


# --- 3. build -----------------------------------------------------------------------

build = _build


# --- 4. encode ----------------------------------------------------------------------


def check_size(size: int) -> None:
    """The 2 GiB rule (spec EXP-LIMIT-1): a message of ``size`` bytes is one
    protobuf can encode, or GraphTooLargeError."""
    if size > MAX_MESSAGE_BYTES:
        raise GraphTooLargeError(size)


def measured_size(message: Any) -> int:
    """The encoded size of any message, also beyond the limit."""
    return byte_size(message)


@dataclass(frozen=True)
class Encoded:
    """A built export, checked against the limit, with its file contents."""

    meta_graph_def: MetaGraphDef
    diagnostics: tuple[Diagnostic, ...]
    content: Content | None
    """The meta graph file's content (binary or text per ``as_text``), when asked
    for: its bytes, or for a graph of few large nodes, a writer that never holds
    the whole encoding (only with ``stream_large``)."""
    debug_info: GraphDebugInfo | None
    debug_content: bytes | None


def encode(
    built: Built,
    arguments: Arguments,
    snapshot: GraphSnapshot,
    *,
    contents: bool,
    stream_large: bool = False,
) -> Encoded:
    """Checks the size of the meta graph and encodes what the files hold.

    ``contents`` asks for the file contents even without a filename (the gRPC
    service returns them); the debug info is then built as if a file were
    written, and left out where building it fails, as TensorFlow's export
    without a file does not fail for it. Diagnostics are logged here."""
    meta_graph_def = built.meta_graph_def
    for_file = arguments.filename is not None
    wanted = for_file or contents
    content: Content | None = None
    binary = wanted and not arguments.as_text
    sizes = streamed_size(meta_graph_def) if binary and stream_large else None
    if sizes is not None:
        size, graph_size = sizes
        check_size(size)
        content = functools.partial(write_binary, meta_graph_def, graph_size)
    else:
        content = _checked_encoding(meta_graph_def, binary)
        if wanted and content is None:
            content = encode_message(meta_graph_def, arguments.as_text)
    diagnostics = list(built.diagnostics)
    debug_info = debug_content = None
    if arguments.save_debug_info:
        if for_file:
            debug_info = _debug_info.build(meta_graph_def, snapshot, arguments.export_scope)
        else:
            diagnostics.append(
                Diagnostic(
                    "DEBUG_INFO_NOT_WRITTEN", "", "save_debug_info has no effect without a filename"
                )
            )
            if contents:
                debug_info = _debug_info_without_file(meta_graph_def, snapshot, arguments)
        if debug_info is not None:
            debug_content = encode_message(debug_info, arguments.as_text)
    for diagnostic in diagnostics:
        diagnostic.log()
    return Encoded(
        meta_graph_def=meta_graph_def,
        diagnostics=tuple(diagnostics),
        content=content if wanted else None,
        debug_info=debug_info,
        debug_content=debug_content,
    )


def _debug_info_without_file(
    meta_graph_def: MetaGraphDef, snapshot: GraphSnapshot, arguments: Arguments
) -> GraphDebugInfo | None:
    """The debug info the file would hold, for contents asked for without a
    filename; None where building it fails (no file, so no error)."""
    try:
        return _debug_info.build(meta_graph_def, snapshot, arguments.export_scope)
    except InvalidArgumentError:
        return None


def _checked_encoding(meta_graph_def: MetaGraphDef, binary: bool) -> bytes | None:
    """Applies the limit. With ``binary``, measures the meta graph by encoding
    it, which costs what measuring does, and returns the encoding."""
    if not binary:
        check_size(byte_size(meta_graph_def))
        return None
    from google.protobuf.message import EncodeError

    try:
        encoded = meta_graph_def.SerializeToString(deterministic=True)
    except EncodeError:
        raise GraphTooLargeError(summed_size(meta_graph_def)) from None
    check_size(len(encoded))
    return encoded


# --- 5. write -----------------------------------------------------------------------


def write(
    filename: str, content: Content, debug_content: bytes | None, *, root: Root | None = None
) -> tuple[str, ...]:
    """Writes the meta graph file and, with debug info, the debug file beside
    it: all or nothing (spec EXP-FILE-3 to EXP-FILE-8). Returns their paths.

    With ``root`` (an open directory, :class:`Root`), ``filename`` is relative
    to it, and no symbolic link below it is followed, even one swapped in
    while the export ran."""
    files: list[tuple[str, Content]] = [(filename, content)]
    if debug_content is not None:
        files.append((debug_file_name(filename), debug_content))
    write_files(files, root)
    return tuple(path for path, _ in files)


# --- all of it ----------------------------------------------------------------------


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


def build_and_encode(
    arguments: Arguments,
    *,
    contents: bool,
    stream_large: bool = False,
    cancellation: Cancellation | None = None,
) -> Encoded:
    """Stages 2 to 4: natively where the backend is chosen and takes the
    arguments (``_native``), else in Python. See :func:`encode`. A native
    export raises Cancelled once ``cancellation`` is cancelled."""
    if _native.chosen(arguments.backend):
        native = _native.export(arguments, cancellation)
        if native is not None:
            for diagnostic in native.diagnostics:
                diagnostic.log()
            for_file = contents or arguments.filename is not None
            debug_info, debug_content = native.debug_info, native.debug_content
            if contents and arguments.filename is None and arguments.save_debug_info:
                # The native export builds debug info only for a file: the
                # contents without one get it as encode() gives it.
                snapshot = request(arguments).snapshot
                debug_info = _debug_info_without_file(native.meta_graph_def, snapshot, arguments)
                if debug_info is not None:
                    debug_content = encode_message(debug_info, arguments.as_text)
            return Encoded(
                meta_graph_def=native.meta_graph_def,
                diagnostics=native.diagnostics,
                content=native.content if for_file else None,
                debug_info=debug_info,
                debug_content=debug_content,
            )
    exporter_request = request(arguments)
    built = build(exporter_request)
    return encode(
        built, arguments, exporter_request.snapshot, contents=contents, stream_large=stream_large
    )


def run(arguments: Arguments) -> ExportResult:
    """One export in this process, files written where ``filename`` says."""
    encoded = build_and_encode(arguments, contents=False, stream_large=True)
    files: tuple[str, ...] = ()
    if arguments.filename is not None:
        assert encoded.content is not None
        files = write(arguments.filename, encoded.content, encoded.debug_content)
    return ExportResult(
        meta_graph_def=encoded.meta_graph_def,
        diagnostics=encoded.diagnostics,
        debug_info=encoded.debug_info,
        files=files,
    )


def diagnostic_to_proto(diagnostic: Diagnostic) -> DiagnosticProto:
    return DiagnosticProto(
        code=diagnostic.code,
        severity=diagnostic.severity,
        subject=diagnostic.subject,
        message=diagnostic.message,
    )


# Import (spec/import.md): ImportArguments, as the gRPC service and the
# conformance runner receive them, to the public import_meta_graph.


def import_from_proto(
    arguments: ImportArgumentsProto, resolve: Callable[[str], object] | None = None
) -> ImportResult:
    """Runs ``import_meta_graph`` with the arguments an ``ImportArguments`` holds.

    ``resolve`` turns a ``filename`` source into what to import: the path to
    read, or the meta graph read already (a sandbox or an output root decides
    where files may come from); without it the name is used as given. A message
    field left unset is None, as in ``ExportArguments``.
    """
    from ._import_api import import_meta_graph

    source: object
    if arguments.WhichOneof("source") == "filename":
        source = arguments.filename if resolve is None else resolve(arguments.filename)
    else:
        # An unset source is an empty MetaGraphDef, as proto3 reads it.
        source = arguments.meta_graph_def
    input_map: dict[str, str] | None = None
    if len(arguments.input_map) > 0:
        # In order: a later mapping of the same key wins.
        input_map = {mapping.key: mapping.value for mapping in arguments.input_map}
    return import_meta_graph(
        source,
        arguments.clear_devices,
        arguments.import_scope if arguments.HasField("import_scope") else None,
        graph=arguments.graph if arguments.HasField("graph") else None,
        input_map=input_map,
        unbound_inputs_col_name=(
            (arguments.unbound_inputs_col_name or None)
            if arguments.HasField("unbound_inputs_col_name")
            else DEFAULT_UNBOUND_INPUTS_COL_NAME
        ),
        restore_collections_predicate=(
            list(arguments.restore_collections.keys)
            if arguments.HasField("restore_collections")
            else None
        ),
        return_elements=(
            list(arguments.return_elements.names) if arguments.HasField("return_elements") else None
        ),
    )


def import_arguments_to_proto(
    meta_graph_or_file: object,
    clear_devices: bool = False,
    import_scope: str | None = None,
    *,
    graph: object = None,
    input_map: Mapping[str, str] | None = None,
    unbound_inputs_col_name: str | None = DEFAULT_UNBOUND_INPUTS_COL_NAME,
    restore_collections_predicate: Sequence[str] | None = None,
    return_elements: Sequence[str] | None = None,
) -> ImportArgumentsProto:
    """``import_meta_graph``'s arguments as an ``ImportArguments`` (the inverse
    of :func:`import_from_proto`): a path becomes ``filename``, a message
    ``meta_graph_def``, a live ``tf.Graph`` its snapshot. The values themselves
    are checked where the import runs (IMP-ARGS)."""
    arguments = ImportArgumentsProto()
    if isinstance(meta_graph_or_file, (str, os.PathLike)):
        arguments.filename = os.fspath(meta_graph_or_file)
    else:
        arguments.meta_graph_def.CopyFrom(
            as_message(meta_graph_or_file, MetaGraphDef, "meta_graph_or_file")
        )
    arguments.clear_devices = clear_devices
    if import_scope is not None:
        arguments.import_scope = import_scope
    snapshot = _snapshot(graph, stack_traces=True) if graph is not None else None
    if snapshot is not None:
        arguments.graph.CopyFrom(snapshot)
    for key, value in (input_map or {}).items():
        arguments.input_map.add(key=key, value=value)
    arguments.unbound_inputs_col_name = unbound_inputs_col_name or ""
    if restore_collections_predicate is not None:
        arguments.restore_collections.SetInParent()
        arguments.restore_collections.keys.extend(restore_collections_predicate)
    if return_elements is not None:
        arguments.return_elements.SetInParent()
        arguments.return_elements.names.extend(return_elements)
    return arguments


def parse_meta_graph(data: bytes, source: str) -> MetaGraphDef:
    """A meta graph file's bytes, read as ``import_meta_graph`` reads a file:
    binary first, then text (IMP-READ-3); else a DecodeError naming ``source``."""
    from ._importer import parse_meta_graph_file

    return parse_meta_graph_file(data, source)


def import_diagnostic_to_proto(diagnostic: ImportDiagnostic) -> DiagnosticProto:
    return DiagnosticProto(
        code=diagnostic.code,
        severity=diagnostic.severity,
        subject=diagnostic.subject,
        message=diagnostic.message,
    )
