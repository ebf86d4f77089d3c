"""Running one import case with TensorFlow 2.21 and recording what it did.

The meta graph of a case is exported by TensorFlow from one of the graphs of
``graphs`` (built once per process, by ``tf_run.Session``), possibly edited,
and stored with its typed collection items re-serialized deterministically
(their bytes are implementation-defined, spec: typed collections). The target
is a fresh ``tf.Graph`` or a real graph made by TensorFlow importing a
graph's own meta graph into an empty one; its capture (without stack traces)
is the case's ``graph``. TensorFlow then imports the meta graph into the
target, as ``tf.compat.v1.train.import_meta_graph`` does, and the result is
captured.

The expectation is TensorFlow's result, with the deliberate differences of
spec/import.md applied by their rules, never by running the reference:

3. no Saver is built: the graph is captured before TensorFlow builds one, and
   ``SAVER_NOT_BUILT`` is expected where it did (or failed to);
4. no shape inference: an imported node's ``output_shapes`` are its
   ``_output_shapes`` attribute, up to its output count, or absent;
7. the Python function table stays the target's.

A case where one of them changes the result is one TensorFlow fails; its
reason goes to the failure list.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tensorflow as tf
from google.protobuf import text_format
from metagraph_export._tf_adapter import snapshot_from_graph
from metagraph_export.api.v1.import_pb2 import ImportArguments
from metagraph_export.codec import DESCRIPTOR_POOL as POOL
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export_conformance.compare import normalize

from . import graphs, tf_run
from .recipes import ImportDef

v1 = tf.compat.v1

_KIND_UNKNOWN = re.compile(r"^Cannot identify data type for collection (.*)\. Skipping\.$")
_KIND_MISMATCH = re.compile(r"'(.*)' collection should be of type 'byte_list'")
META_FILE = "model.meta"


@dataclass
class ImportObservation:
    arguments: ImportArguments
    raw_arguments: bytes | None = None
    sandbox: dict[str, bytes] = field(default_factory=dict)
    outcome: str = "import"
    """ "import" or "error"."""
    category: str = ""
    message: str = ""
    snapshot: GraphSnapshot | None = None
    saver_def: SaverDef | None = None
    return_elements: list[str] | None = None
    diagnostics: list[tuple[str, str]] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    """The deliberate differences that change this case's expectation."""


# The meta graph and the target.


def exported(session: tf_run.Session, name: str, options: dict[str, Any]) -> MetaGraphDef:
    """TensorFlow's export of a session graph, typed items made deterministic.
    A scoped export writes the unbound inputs into the graph's own collection
    (spec/export.md, deliberate difference 1): it exports a graph built anew,
    never the session's, which the export cases share."""
    if "export_scope" in options:
        if name in _NUMBERED:
            raise tf_run.GeneratorError(f"a scoped export of {name} would change the session")
        built = graphs.build_unnumbered(name)
    else:
        built = session.get(name).built
    options = dict(options)
    saver_def = built.saver_def if options.pop("saver", True) else None
    with built.graph.as_default():
        meta = v1.train.export_meta_graph(saver_def=saver_def, **options)
    return normalize(tf_run.ours(meta, MetaGraphDef))


# Graphs with traced functions, which TensorFlow numbers with a process-wide
# counter: rebuilt, their function names would depend on what was built before.
_NUMBERED = frozenset({"devices", "functions", "defun", "attr_kinds", "control_flow_v2"})


def target_graph(session: tf_run.Session, name: str) -> Any:
    """A real TensorFlow graph holding the named graph: built anew, or, for a
    graph with traced functions, its own meta graph imported into an empty
    graph (TensorFlow's names in use then differ: deliberate difference 5)."""
    if name not in _NUMBERED:
        return graphs.build_unnumbered(name).graph
    meta = exported(session, name, {})
    graph = tf.Graph()
    with graph.as_default():
        from tensorflow.python.framework import meta_graph

        meta_graph.import_scoped_meta_graph(
            tf_run.theirs(meta, v1.MetaGraphDef), unbound_inputs_col_name=None
        )
    return graph


# Arguments.


def import_arguments(
    definition: ImportDef, meta: MetaGraphDef, target: GraphSnapshot | None
) -> tuple[ImportArguments, dict[str, bytes]]:
    arguments = ImportArguments()
    sandbox: dict[str, bytes] = {}
    if definition.source == "message":
        arguments.meta_graph_def.CopyFrom(meta)
    else:
        arguments.filename = META_FILE
        if definition.file_content is not None:
            sandbox[META_FILE] = definition.file_content
        elif definition.source == "text":
            sandbox[META_FILE] = text_format.MessageToString(meta, descriptor_pool=POOL).encode()
        elif definition.source == "binary":
            sandbox[META_FILE] = meta.SerializeToString(deterministic=True)
        if definition.source == "missing":
            sandbox.clear()
    options = definition.options
    if "clear_devices" in options:
        arguments.clear_devices = options["clear_devices"]
    if "import_scope" in options:
        arguments.import_scope = options["import_scope"]
    if target is not None:
        arguments.graph.CopyFrom(target)
    for key, value in options.get("input_map", ()):
        arguments.input_map.add(key=key, value=value)
    if "unbound_inputs_col_name" in options:
        arguments.unbound_inputs_col_name = options["unbound_inputs_col_name"] or ""
    if options.get("restore_collections") is not None:
        arguments.restore_collections.SetInParent()
        arguments.restore_collections.keys.extend(options["restore_collections"])
    if options.get("return_elements") is not None:
        arguments.return_elements.SetInParent()
        arguments.return_elements.names.extend(options["return_elements"])
    return arguments, sandbox


# TensorFlow's import.


def error_category(error: BaseException) -> str:
    """IMP-ERR-2: a file that does not parse is malformed input, a typed value
    that does not decode too; every other failure is an invalid argument."""
    from google.protobuf.message import DecodeError

    if isinstance(error, DecodeError | _Unreadable):
        return "MALFORMED_INPUT"
    return "INVALID_ARGUMENT"


@dataclass
class _TensorFlowResult:
    before_saver: GraphSnapshot
    after_saver: GraphSnapshot
    saver_def: SaverDef | None
    saver_built: bool
    returned: list[str] | None
    logged: list[str]


def _tf_import(arguments: ImportArguments, sandbox: Path, graph: Any) -> _TensorFlowResult:
    from tensorflow.python.framework import meta_graph
    from tensorflow.python.training import saver as saver_module

    if arguments.WhichOneof("source") == "filename":
        path = sandbox / arguments.filename
        if not path.exists():
            raise OSError(f"File {path} does not exist.")
        try:
            theirs = meta_graph.read_meta_graph_file(str(path))
        except Exception as error:
            # IMP-READ-3: neither encoding parses.
            raise _Unreadable(str(error)) from error
    else:
        theirs = tf_run.theirs(arguments.meta_graph_def, v1.MetaGraphDef)
    kwargs: dict[str, Any] = {"clear_devices": arguments.clear_devices}
    if arguments.HasField("import_scope"):
        kwargs["import_scope"] = arguments.import_scope
    if arguments.HasField("unbound_inputs_col_name"):
        kwargs["unbound_inputs_col_name"] = arguments.unbound_inputs_col_name or None
    if arguments.HasField("restore_collections"):
        keys = list(arguments.restore_collections.keys)
        kwargs["restore_collections_predicate"] = lambda key: key in keys
    if arguments.HasField("return_elements"):
        kwargs["return_elements"] = list(arguments.return_elements.names)
    with tf_run._captured_warnings() as warnings, graph.as_default():
        if len(arguments.input_map) > 0:
            kwargs["input_map"] = {
                # A tensor, also for a control input ("^x" maps to its op).
                mapping.key: graph.as_graph_element(
                    mapping.value if ":" in mapping.value else mapping.value + ":0"
                )
                for mapping in arguments.input_map
            }
        # _import_meta_graph_with_return_elements in its two halves, so that
        # the graph is captured before a Saver is built into it.
        variables, returned = meta_graph.import_scoped_meta_graph_with_return_elements(
            theirs, **kwargs
        )
        before = snapshot_from_graph(graph, stack_traces=False)
        saver_error: ValueError | None = None
        try:
            saver = saver_module._create_saver_from_imported_meta_graph(
                theirs, kwargs.get("import_scope"), variables
            )
        except ValueError as error:
            if theirs.HasField("saver_def"):
                raise
            saver, saver_error = None, error
        after = snapshot_from_graph(graph, stack_traces=False)
    saver_def = None
    if saver is not None and theirs.HasField("saver_def"):
        saver_def = tf_run.ours(saver.saver_def, SaverDef)
    built = not theirs.HasField("saver_def") and (saver is not None or saver_error is not None)
    if saver_error is not None:
        raise _SaverFailed(saver_error, before, returned)
    names = None if returned is None else [element.name for element in returned]
    return _TensorFlowResult(before, after, saver_def, built, names, warnings.messages)


class _Unreadable(Exception):
    """The file is neither a binary nor a text MetaGraphDef (MALFORMED_INPUT)."""


class _SaverFailed(Exception):
    """TensorFlow's whole call failed building a new Saver (deliberate difference 3)."""

    def __init__(self, error: ValueError, before: GraphSnapshot, returned: Any) -> None:
        super().__init__(str(error))
        self.before = before
        self.returned = returned


def _logged_diagnostics(logged: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for text in logged:
        unknown = _KIND_UNKNOWN.match(text)
        if unknown:
            found.append(("COLLECTION_KIND_UNKNOWN", unknown.group(1)))
        mismatch = _KIND_MISMATCH.search(text)
        if mismatch:
            found.append(("COLLECTION_KIND_MISMATCH", mismatch.group(1)))
    return found


def _unknown_attrs(result: GraphSnapshot, target: GraphSnapshot | None) -> list[tuple[str, str]]:
    """ATTR_NOT_IN_OP (IMP-NODE-5): imported nodes with an attribute their op,
    in TensorFlow's registry, does not define."""
    from tensorflow.python.framework import op_def_registry

    existing = {node.name for node in target.graph_def.node} if target is not None else set()
    found: list[tuple[str, str]] = []
    for node in result.graph_def.node:
        if node.name in existing:
            continue
        op_def = op_def_registry.get(node.op)
        if op_def is None:
            continue
        known = {attr.name for attr in op_def.attr}
        for key in sorted(node.attr):
            if key not in known and not key.startswith("_"):
                found.append(("ATTR_NOT_IN_OP", node.name))
    return found


def _specified_shapes(
    result: GraphSnapshot, target: GraphSnapshot | None, meta: MetaGraphDef
) -> GraphSnapshot:
    """Deliberate difference 4 (IMP-RESULT-3): an imported node's shapes are the
    ``_output_shapes`` attribute its node in the meta graph has (the importer
    removes it, IMP-NODE-6), up to the output count TensorFlow gives. The
    imported node is found by its name: the meta graph's, after a prefix and
    before a uniquifying ``_k``; the longest such name."""
    specified = GraphSnapshot()
    specified.CopyFrom(result)
    existing = {node.name for node in target.graph_def.node} if target is not None else set()
    given = {node.name: node for node in meta.graph_def.node}
    for node in result.graph_def.node:
        if node.name in existing:
            continue
        source = _source_node(node.name, given)
        if source is None:
            raise tf_run.GeneratorError(f"no node of the meta graph is imported as {node.name}")
        shapes = result.output_shapes[node.name].shape if node.name in result.output_shapes else []
        if "_output_shapes" in source.attr:
            entry = specified.output_shapes[node.name]
            del entry.shape[:]
            entry.shape.extend(list(source.attr["_output_shapes"].list.shape)[: len(shapes)])
        elif node.name in specified.output_shapes:
            del specified.output_shapes[node.name]
    return specified


def _source_node(name: str, given: dict[str, Any]) -> Any:
    best = None
    for candidate in given:
        pattern = rf"(?:.*/)?{re.escape(candidate)}(?:_[0-9]+)?"
        if name == candidate or re.fullmatch(pattern, name):
            exact = name == candidate or name.endswith("/" + candidate)
            rank = (exact, len(candidate))
            if best is None or rank > best[0]:
                best = (rank, candidate)
    return None if best is None else given[best[1]]


def _target_tables(result: GraphSnapshot, target: GraphSnapshot | None) -> GraphSnapshot:
    """Deliberate difference 7 (IMP-RESULT-4): the Python function table stays the target's."""
    specified = GraphSnapshot()
    specified.CopyFrom(result)
    specified.ClearField("registered_library")
    specified.ClearField("library_with_shapes")
    if target is not None:
        specified.registered_library.CopyFrom(target.registered_library)
        specified.library_with_shapes.CopyFrom(target.library_with_shapes)
        for field_name in ("registered_library", "library_with_shapes"):
            if not target.HasField(field_name):
                specified.ClearField(field_name)
    return specified


def observe(
    definition: ImportDef, session: tf_run.Session, faithful: bool = False
) -> ImportObservation:
    """Runs the recipe with TensorFlow. ``faithful``: what TensorFlow itself
    returns (for the tensorflow backend), without the deliberate differences."""
    if definition.raw_arguments is not None:
        observation = ImportObservation(ImportArguments(), raw_arguments=definition.raw_arguments)
        observation.outcome, observation.category = "error", "MALFORMED_INPUT"
        return observation
    meta = exported(session, definition.graph, definition.export)
    if definition.edit is not None:
        definition.edit(meta)
    target_tf = (
        tf.Graph() if definition.target is None else target_graph(session, definition.target)
    )
    target = None
    if definition.target is not None:
        target = snapshot_from_graph(target_tf, stack_traces=False)
    arguments, sandbox = import_arguments(definition, meta, target)
    observation = ImportObservation(arguments, sandbox=sandbox)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for path, content in sandbox.items():
            (root / path).write_bytes(content)
        try:
            result = _tf_import(arguments, root, target_tf)
        except _SaverFailed as failed:
            if faithful:
                observation.outcome, observation.category = "error", "INVALID_ARGUMENT"
                observation.message = str(failed)
                return observation
            observation.differences.append(
                "TensorFlow fails building a new Saver, which the specification never builds "
                "(spec/import.md: deliberate difference 3)"
            )
            returned = failed.returned
            names = None if returned is None else [element.name for element in returned]
            result = _TensorFlowResult(failed.before, failed.before, None, True, names, [])
        except Exception as error:  # TensorFlow raises whatever Python raises
            observation.outcome, observation.category = "error", error_category(error)
            observation.message = f"{type(error).__name__}: {error}"
            return observation
    diagnostics = _unknown_attrs(result.after_saver, target) + _logged_diagnostics(result.logged)
    if faithful:
        observation.snapshot = result.after_saver
        observation.saver_def = result.saver_def
        observation.return_elements = result.returned
        observation.diagnostics = diagnostics
        return observation
    if result.saver_built:
        diagnostics.append(("SAVER_NOT_BUILT", ""))
        if result.after_saver != result.before_saver:
            observation.differences.append(
                "TensorFlow builds a new Saver into the graph (spec/import.md: deliberate "
                "difference 3)"
            )
    snapshot = _specified_shapes(result.before_saver, target, _meta_of(arguments, sandbox))
    if snapshot.output_shapes != result.before_saver.output_shapes:
        observation.differences.append(
            "TensorFlow infers shapes beyond _output_shapes (spec/import.md: deliberate "
            "difference 4)"
        )
    tables = _target_tables(snapshot, target)
    if tables != snapshot:
        observation.differences.append(
            "TensorFlow also registers the functions in its Python function table "
            "(spec/import.md: deliberate difference 7)"
        )
    observation.snapshot = tables
    observation.saver_def = result.saver_def
    observation.return_elements = result.returned
    observation.diagnostics = diagnostics
    return observation


def _meta_of(arguments: ImportArguments, sandbox: dict[str, bytes]) -> MetaGraphDef:
    """The meta graph TensorFlow read: the message, or the file's content."""
    if arguments.WhichOneof("source") != "filename":
        return arguments.meta_graph_def
    data = sandbox[arguments.filename]
    meta = MetaGraphDef()
    try:
        meta.ParseFromString(data)
    except Exception:
        meta = text_format.Parse(data.decode(), MetaGraphDef(), descriptor_pool=POOL)
    return meta
