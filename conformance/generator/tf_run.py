"""Running one case with TensorFlow 2.21 and recording what it did.

This is the only place TensorFlow's behaviour turns into expectations. Its
normalizations are exactly these, and no others:

1. Stack-trace file names are made machine-independent (relative to
   site-packages or to the repository), in the snapshot the case gives as
   input and, identically, in the debug file TensorFlow wrote. This changes
   the input, not the behaviour: the debug file is re-encoded in the format
   TensorFlow wrote it in, so it is what TensorFlow writes for a graph whose
   source files have those names.
2. Items of typed collections (spec: implementation-defined serialization of
   typed collection items) are re-serialized deterministically in the
   returned MetaGraphDef; a file holding such items of the control-flow
   collections, whose bytes TensorFlow itself does not reproduce from run to
   run, is stored re-encoded and compared as a normalized message.

Where TensorFlow raises, the error's category follows the specification's
mapping (``error_category``); where the specification deliberately differs
from TensorFlow, the case says so and the expectation follows the
specification (``CaseDef.expect_error``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tensorflow as tf
from google.protobuf import message as _message
from metagraph_export._codec import encode, parse_message
from metagraph_export._tf_adapter import snapshot_from_graph
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.tf.graph_debug_info_pb2 import GraphDebugInfo
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.op_def_pb2 import OpDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export_conformance.compare import has_implementation_defined_parts, normalize

from . import graphs
from .recipes import CaseDef

REPO_ROOT = Path(__file__).resolve().parents[2]
_DROPPED = re.compile(r"^Issue encountered when serializing (.*)\.$")
_NOT_STRING = re.compile(r"^Only collections with string type keys will be serialized")


class GeneratorError(Exception):
    """TensorFlow did something the case does not account for."""


def ours(message: Any, cls: type[_message.Message]) -> Any:
    """A TensorFlow message as the same message of our schema."""
    result = cls()
    result.ParseFromString(message.SerializeToString())
    return result


def theirs(message: _message.Message, cls: Any) -> Any:
    """One of our messages as TensorFlow's."""
    return cls.FromString(message.SerializeToString())


# 1. Machine-independent file names.


def relative_source(path: str) -> str:
    """A stack-trace file name without this machine's directories."""
    marker = "site-packages/"
    if marker in path:
        return path.split(marker, 1)[1]
    try:
        return Path(path).resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        pass
    if path.startswith("<"):
        return path
    raise GeneratorError(
        f"stack frame in {path}, outside TensorFlow and the repository: the "
        "graph builder is not deep enough (graphs._DEPTH)"
    )


def relativize_snapshot(snapshot: GraphSnapshot) -> None:
    for trace in snapshot.stack_traces.values():
        for frame in trace.frames:
            frame.file = relative_source(frame.file)


def relativize_debug_file(data: bytes, as_text: bool) -> bytes:
    debug_info = parse_message(data, GraphDebugInfo, "debug file", "text" if as_text else "binary")
    names = [relative_source(name) for name in debug_info.files]
    if len(set(names)) != len(names):
        raise GeneratorError(f"two source files have the same relative name: {names}")
    debug_info.files[:] = names
    return encode(debug_info, as_text)


# Graphs, built once per process and reused.


@dataclass
class Graph:
    built: graphs.BuiltGraph
    snapshot: GraphSnapshot


@dataclass
class Session:
    """The graphs of one process. Every graph is built once, when the session
    starts, in the order of graphs.BUILDERS: TensorFlow numbers the functions
    it traces with a process-wide counter, so names only come out the same
    when every process builds the same graphs in the same order."""

    graphs: dict[str, Graph] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in graphs.BUILDERS:
            self.get(name)

    def get(self, name: str, fresh: bool = False) -> Graph:
        if fresh or name not in self.graphs:
            built = graphs.build(name)
            snapshot = snapshot_from_graph(built.graph)
            relativize_snapshot(snapshot)
            graph = Graph(built, snapshot)
            if fresh:
                return graph
            self.graphs[name] = graph
        return self.graphs[name]


# 2. What TensorFlow did.


@dataclass
class Observation:
    """A case's input and its expected outcome, from TensorFlow's behaviour."""

    arguments: ExportArguments
    """The full arguments (the graph included); filename relative."""
    shared_graph: str | None
    """The builder whose snapshot the case takes from a shared input file."""
    graph_def_shared: bool
    outcome: str
    """ "export" or "error"."""
    raw_arguments: bytes | None = None
    meta_graph_def: MetaGraphDef | None = None
    files: dict[str, tuple[bytes, str, bool]] = field(default_factory=dict)
    """path -> (content, format, compared as a normalized message)."""
    may_leave: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    diagnostics: list[tuple[str, str]] = field(default_factory=list)
    category: str = ""
    message: str = ""
    tensorflow_outcome: str = ""
    """What TensorFlow did, in words (for the deliberate-difference check)."""
    agrees_with_tensorflow: bool = True
    producer: int = 0
    """The GraphDef producer version of a synthesized graph."""
    changed: list[str] = field(default_factory=list)
    """The arguments TensorFlow modified (cases that check_unchanged)."""
    sandbox_after: dict[str, bytes] = field(default_factory=dict)
    """Every file in the sandbox after TensorFlow's call (meta graph and
    debug files normalized as in ``files``)."""


def error_category(error: BaseException) -> str:
    """The specification's category for an exception TensorFlow raised."""
    from google.protobuf.message import DecodeError

    if isinstance(error, tf.errors.OpError):
        # File-system errors of write_graph (FailedPreconditionError, ...).
        return "WRITE_FAILED"
    if isinstance(error, ValueError) and "cannot be larger than 2GB" in str(error):
        return "GRAPH_TOO_LARGE"
    if isinstance(error, DecodeError):
        # text_format expanding an Any whose value does not decode.
        return "MALFORMED_INPUT"
    if isinstance(
        error,
        (
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            AssertionError,
            re.error,
            NameError,
            AttributeError,
        ),
    ):
        # NameError covers UnboundLocalError. AttributeError is what TensorFlow
        # raises where a snapshot holds an unserializable object (deliberate
        # difference 8); the others are arguments it cannot export.
        return "INVALID_ARGUMENT"
    raise GeneratorError(f"TensorFlow raised {type(error).__name__}: {error}") from error


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _captured_warnings() -> Iterator[_Captured]:
    logger = logging.getLogger("tensorflow")
    handler = _Captured()
    saved_handlers, saved_propagate = list(logger.handlers), logger.propagate
    for existing in saved_handlers:
        logger.removeHandler(existing)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        for existing in saved_handlers:
            logger.addHandler(existing)
        logger.propagate = saved_propagate


@contextlib.contextmanager
def _registered(op_defs: list[Any]) -> Iterator[None]:
    """TensorFlow with custom ops registered, as far as export_meta_graph can
    tell: its op registry lookups (stripped_op_list, default stripping) find them."""
    if not op_defs:
        yield
        return
    from tensorflow.python.framework import op_def_registry

    original = op_def_registry.get
    custom = {op_def.name: op_def for op_def in op_defs}

    def get(name: str) -> Any:
        found = original(name)
        return found if found is not None else custom.get(name)

    op_def_registry.get = get
    try:
        yield
    finally:
        op_def_registry.get = original


@contextlib.contextmanager
def _hidden(graph: Any, keys: tuple[str, ...]) -> Iterator[None]:
    """The graph without these collections, for the duration."""
    saved = {key: list(graph.get_collection(key)) for key in keys}
    for key in keys:
        graph.clear_collection(key)
    try:
        yield
    finally:
        for key, items in saved.items():
            graph.clear_collection(key)
            for item in items:
                graph.add_to_collection(key, item)


def _sandbox_files(sandbox: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for directory, _, names in os.walk(sandbox):
        for name in names:
            path = Path(directory) / name
            files[path.relative_to(sandbox).as_posix()] = path.read_bytes()
    return dict(sorted(files.items()))


def _prepare_sandbox(case: CaseDef, sandbox: Path) -> None:
    for path, content in case.sandbox:
        target = sandbox.joinpath(*path.split("/"))
        if content is None:
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def case_arguments(
    case: CaseDef, session: Session
) -> tuple[ExportArguments, dict[str, Any], Graph | None, list[Any]]:
    """The case's arguments as data, TensorFlow's keyword arguments (filename
    still relative), the graph, and the custom OpDefs."""
    arguments = ExportArguments()
    graph: Graph | None = None
    if case.graph is not None:
        graph = session.get(case.graph, fresh=case.fresh_graph)
        arguments.graph.CopyFrom(graph.snapshot)
        if case.snapshot_edit is not None:
            case.snapshot_edit(arguments.graph)
    kwargs: dict[str, Any] = dict(case.options)
    built = graph.built if graph is not None else None
    if case.graph_def is not None:
        tf_graph_def = case.graph_def(built)
        kwargs["graph_def"] = tf_graph_def
        arguments.graph_def.CopyFrom(ours(tf_graph_def, GraphDef))
    if case.saver_def is not None:
        tf_saver_def = case.saver_def(built)
        kwargs["saver_def"] = tf_saver_def
        if tf_saver_def is not None:
            arguments.saver_def.CopyFrom(ours(tf_saver_def, SaverDef))
    if case.meta_info_def is not None:
        arguments.meta_info_def.CopyFrom(ours(case.meta_info_def(), MetaGraphDef.MetaInfoDef))
    op_defs = list(case.op_defs()) if case.op_defs is not None else []
    for op_def in op_defs:
        arguments.op_defs.op.add().CopyFrom(ours(op_def, OpDef))
    _options_to_arguments(case.options, arguments)
    return arguments, kwargs, graph, op_defs


def observe(case: CaseDef, session: Session, faithful: bool = False) -> Observation:
    """Runs the case with TensorFlow.

    By default the observation is the case's expectation: TensorFlow's
    behaviour, with the specification's outcome where the case names a
    deliberate difference. With ``faithful``, it is what TensorFlow itself
    does (the tensorflow backend).
    """
    if case.raw_arguments is not None:
        return _observe_raw(case)
    arguments, kwargs, graph, op_defs = case_arguments(case, session)
    spec_view = not faithful or case.deliberate is None
    hide = case.hide if spec_view else ()
    expect_error = case.expect_error if spec_view else None
    observation = Observation(
        arguments,
        case.graph if case.snapshot_edit is None and case.raw_transform is None else None,
        case.graph_def_name is not None,
        outcome="export",
    )
    if case.raw_transform is not None:
        observation.raw_arguments = case.raw_transform(arguments)

    with tempfile.TemporaryDirectory(prefix="tf-case-") as directory:
        sandbox = Path(directory)
        _prepare_sandbox(case, sandbox)
        before = _sandbox_files(sandbox)
        if kwargs.get("filename"):
            # os.path.join keeps a trailing "/", which Path would drop.
            kwargs["filename"] = os.path.join(sandbox, kwargs["filename"])
        tf_info = case.meta_info_def() if case.meta_info_def is not None else None
        if tf_info is not None:
            kwargs["meta_info_def"] = tf_info
        tf_graph = graph.built.graph if graph is not None else tf.Graph()
        if graph is not None:
            if not case.pass_graph:
                raise GeneratorError("a graph that is not passed")
            kwargs["graph"] = tf_graph
        failure: BaseException | None = None
        result: Any = None
        changed: list[str] = []
        with _captured_warnings() as warnings, _registered(op_defs), _hidden(tf_graph, hide):
            collections_before = _collections_of(tf_graph)
            try:
                result = _export_restoring(tf_graph, kwargs, changed)
            except Exception as error:
                failure = error
            if case.check_unchanged:
                original_info = case.meta_info_def() if case.meta_info_def is not None else None
                if tf_info is not None and tf_info != original_info:
                    changed.insert(0, "meta_info_def")
                if _collections_of(tf_graph) != collections_before:
                    changed.append("the graph's collections")
        after = _sandbox_files(sandbox)

    if failure is not None:
        category = error_category(failure)
        observation.message = f"{type(failure).__name__}: {failure}"
        observation.sandbox_after = after
        left = {path: after[path] for path in after if before.get(path) != after.get(path)}
        gone = [path for path in before if path not in after]
        meta_path = case.options.get("filename")
        acceptable = not gone and (
            not left
            or (category == "WRITE_FAILED" and set(left) == {Path(str(meta_path)).as_posix()})
        )
        if left and acceptable:
            fmt = "TEXT_META_GRAPH_DEF" if case.options.get("as_text") else "BINARY_META_GRAPH_DEF"
            observation.may_leave = {path: (content, fmt) for path, content in left.items()}
        observation.tensorflow_outcome = f"raises {type(failure).__name__} ({category})" + (
            "" if acceptable else ", leaving files behind"
        )
        observation.outcome = "error"
        observation.category = expect_error or category
        observation.agrees_with_tensorflow = acceptable and expect_error in (None, category)
        return observation
    if not case.check_unchanged:
        changed = []
    observation.changed = changed
    observation.tensorflow_outcome = "exports" + (
        f", changing {' and '.join(changed)}" if changed else ""
    )
    if expect_error is not None:
        observation.outcome = "error"
        observation.category = expect_error
        observation.agrees_with_tensorflow = False
        return observation
    observation.agrees_with_tensorflow = not changed and not (hide and case.deliberate)

    meta_graph_def = normalize(ours(result, MetaGraphDef))
    observation.meta_graph_def = meta_graph_def
    observation.files = _expected_files(case, after, before)
    observation.sandbox_after = {
        path: observation.files[path][0] if path in observation.files else content
        for path, content in after.items()
    }
    with _registered(op_defs):
        observation.diagnostics = _diagnostics(
            case, kwargs, warnings.messages, meta_graph_def, graph, hide
        )
    return observation


def _collections_of(graph: Any) -> dict[Any, list[int]]:
    return {key: [id(item) for item in graph.get_collection(key)] for key in graph.collections}


def _observe_raw(case: CaseDef) -> Observation:
    assert case.raw_arguments is not None and case.expect_error is not None
    try:
        ExportArguments.FromString(case.raw_arguments)
    except _message.DecodeError as error:
        message = str(error)
    else:
        message = ""
    if not message and case.expect_error == "MALFORMED_INPUT":
        raise GeneratorError("the raw arguments parse")
    observation = Observation(
        ExportArguments(), None, False, "error", category=case.expect_error, message=message
    )
    observation.raw_arguments = case.raw_arguments
    observation.tensorflow_outcome = "(no TensorFlow call: the bytes are not arguments)"
    return observation


def _options_to_arguments(options: dict[str, Any], arguments: ExportArguments) -> None:
    for name in ("as_text", "clear_devices", "clear_extraneous_savers"):
        if name in options:
            setattr(arguments, name, options[name])
    for name in ("strip_default_attrs", "save_debug_info"):
        if name in options:
            setattr(arguments, name, options[name])
    if options.get("filename") is not None:
        arguments.filename = options["filename"]
    if options.get("export_scope") is not None:
        arguments.export_scope = options["export_scope"]
    if "collection_list" in options and options["collection_list"] is not None:
        arguments.collection_list.SetInParent()
        arguments.collection_list.keys.extend(options["collection_list"])
    if "unbound_inputs_col_name" in options:
        arguments.unbound_inputs_col_name = options["unbound_inputs_col_name"] or ""


def _export_restoring(graph: Any, kwargs: dict[str, Any], changed: list[str]) -> Any:
    """TensorFlow's export, with the graph's unbound-inputs collection (which
    the export rewrites) put back afterwards, so the graph can be reused.
    Records in ``changed`` whether it was rewritten."""
    name = kwargs.get("unbound_inputs_col_name", "unbound_inputs")
    had = name in graph.collections if name else False
    saved = list(graph.get_collection(name)) if name else []
    try:
        with graph.as_default():
            return tf.compat.v1.train.export_meta_graph(**kwargs)
    finally:
        if name:
            if (name in graph.collections) != had or list(graph.get_collection(name)) != saved:
                changed.append(f"the graph's {name} collection")
            graph.clear_collection(name)
            if had:
                graph.get_collection_ref(name).extend(saved)


def _expected_files(
    case: CaseDef, after: dict[str, bytes], before: dict[str, bytes]
) -> dict[str, tuple[bytes, str, bool]]:
    filename = case.options.get("filename")
    as_text = bool(case.options.get("as_text"))
    files: dict[str, tuple[bytes, str, bool]] = {}
    debug_name = None
    if filename and case.options.get("save_debug_info"):
        debug_name = os.path.splitext(filename)[0] + ".debug"
    for path, content in after.items():
        if debug_name is not None and path == Path(debug_name).as_posix():
            fmt = "TEXT_GRAPH_DEBUG_INFO" if as_text else "BINARY_GRAPH_DEBUG_INFO"
            files[path] = (relativize_debug_file(content, as_text), fmt, False)
        elif filename and path == Path(filename).as_posix():
            fmt = "TEXT_META_GRAPH_DEF" if as_text else "BINARY_META_GRAPH_DEF"
            written = parse_message(content, MetaGraphDef, path, "text" if as_text else "binary")
            if has_implementation_defined_parts(written, binary=not as_text):
                files[path] = (encode(normalize(written), as_text), fmt, True)
            else:
                files[path] = (content, fmt, False)
        elif path in before and before[path] == content:
            files[path] = (content, "OTHER", False)
        else:
            raise GeneratorError(f"{case.id}: TensorFlow wrote an unexpected file {path}")
    return files


def _diagnostics(
    case: CaseDef,
    kwargs: dict[str, Any],
    warnings: list[str],
    meta_graph_def: MetaGraphDef,
    graph: Graph | None,
    hidden: tuple[str, ...],
) -> list[tuple[str, str]]:
    """The diagnostics the specification derives from what TensorFlow did
    (spec EXP-DIAG), in the order the steps emit them."""
    from tensorflow.python.framework import meta_graph, op_def_registry

    found: list[tuple[str, str]] = []
    if graph is not None:
        for key in graph.snapshot.non_string_collection_keys:
            found.append(("COLLECTION_KEY_NOT_STRING", key))
    scope = kwargs.get("export_scope")
    if scope and not meta_graph_def.graph_def.node:
        found.append(("SCOPE_MATCHES_NOTHING", scope))
    given_info = kwargs.get("meta_info_def")
    if given_info is None or not given_info.stripped_op_list.op:
        functions = {f.signature.name for f in meta_graph_def.graph_def.library.function}
        tf_graph_def = theirs(meta_graph_def.graph_def, tf.compat.v1.GraphDef)
        for op in sorted(meta_graph.ops_used_by_graph_def(tf_graph_def)):
            if op not in functions and op_def_registry.get(op) is None:
                found.append(("OP_NOT_REGISTERED", op))
    dropped: list[str] = []
    for message in warnings:
        first = message.splitlines()[0] if message else ""
        match = _DROPPED.match(first)
        if match:
            dropped.append(match.group(1))
        elif not _NOT_STRING.match(first) and "deprecated" not in message:
            raise GeneratorError(f"TensorFlow warned: {message}")
    # TensorFlow warns in the order it processes keys; collections hidden from
    # it (dropped by the specification) are dropped at their key's turn.
    if hidden:
        keys = case.options.get("collection_list")
        if keys is None:
            assert graph is not None
            keys = [collection.key for collection in graph.snapshot.collections]
        merged: list[str] = []
        for key in keys:
            if key in hidden:
                merged.append(key)
            elif key in dropped:
                dropped.remove(key)
                merged.append(key)
        dropped = merged + dropped
    listed = case.options.get("collection_list")
    if listed is None:
        found.extend(("COLLECTION_DROPPED", key) for key in dropped)
    else:
        # Keys are processed in the list's order; one naming no collection
        # is reported at its turn (spec EXP-DIAG-7).
        present = _collection_keys(kwargs, meta_graph_def, graph)
        for key in listed:
            if key not in present:
                found.append(("COLLECTION_NOT_FOUND", key))
            elif key in dropped:
                dropped.remove(key)
                found.append(("COLLECTION_DROPPED", key))
        found.extend(("COLLECTION_DROPPED", key) for key in dropped)
    if kwargs.get("save_debug_info") and not kwargs.get("filename"):
        found.append(("DEBUG_INFO_NOT_WRITTEN", ""))
    return found


def _collection_keys(
    kwargs: dict[str, Any], meta_graph_def: MetaGraphDef, graph: Graph | None
) -> set[str]:
    """The keys that name a collection at step 10 of spec EXP-ALGO-1."""
    keys = {c.key for c in graph.snapshot.collections} if graph is not None else set()
    rewriting = bool(
        kwargs.get("export_scope")
        or kwargs.get("clear_devices")
        or kwargs.get("clear_extraneous_savers")
    )
    unbound = kwargs.get("unbound_inputs_col_name", "unbound_inputs")
    if rewriting and unbound:
        # Replaced by the inputs that leave the scope, and gone with none.
        keys.discard(unbound)
        if unbound in meta_graph_def.collection_def:
            keys.add(unbound)
    if kwargs.get("clear_extraneous_savers"):
        keys.add("savers")
    return keys


def observe_synthesized(case: CaseDef, run_tensorflow: bool) -> Observation:
    """A LargeConstantGraph case. With ``run_tensorflow``, TensorFlow builds the
    same graph (checked node by node against the synthesized one) and
    exports it; otherwise the expectation is the case's declared one."""
    assert case.synthesized is not None and case.expect_error is not None
    count, size = case.synthesized
    arguments = ExportArguments()
    _options_to_arguments(case.options, arguments)
    for op_def in case.op_defs() if case.op_defs is not None else []:
        arguments.op_defs.op.add().CopyFrom(ours(op_def, OpDef))
    producer = tf.Graph().graph_def_versions.producer
    observation = Observation(
        arguments, None, False, "error", category=case.expect_error, producer=producer
    )
    observation.tensorflow_outcome = "(not run: --slow)"
    if not run_tensorflow:
        # The declaration stands until a --slow run checks it.
        observation.agrees_with_tensorflow = case.deliberate is None
        return observation
    import numpy as np
    from metagraph_export.tf.node_def_pb2 import NodeDef
    from metagraph_export_conformance.suite import large_constant_node

    graph = tf.Graph()
    with graph.as_default():
        for index in range(count):
            tf.constant(np.zeros(size, np.int8), name=f"c{index}")
    for index, op in enumerate(graph.get_operations()):
        if ours(op.node_def, NodeDef) != large_constant_node(index, size):
            raise GeneratorError(
                f"{case.id}: TensorFlow's node {op.name} is not the synthesized one"
            )
        if op.outputs[0].shape.as_list() != [size]:
            raise GeneratorError(f"{case.id}: TensorFlow's node {op.name} has another shape")
    try:
        with graph.as_default():
            tf.compat.v1.train.export_meta_graph(graph=graph, **case.options)
    except Exception as error:
        category = error_category(error)
        observation.tensorflow_outcome = f"raises {type(error).__name__} ({category})"
        observation.agrees_with_tensorflow = category == case.expect_error
    else:
        observation.tensorflow_outcome = "exports"
        observation.agrees_with_tensorflow = False
    return observation
