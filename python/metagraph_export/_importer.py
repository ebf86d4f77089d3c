"""TensorFlow 2.21's ``import_meta_graph``, into a graph snapshot (spec/import.md, IMP).

TensorFlow splits the work between Python (``meta_graph.py``, ``importer.py``,
``saver.py``) and the C++ ``GraphConstructor``; both halves are followed here
step by step (IMP-ALGO-1), on copies: the caller's message and snapshot are
never touched, and a failure leaves nothing behind (IMP-ARGS-6, IMP-ALGO-2).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from google.protobuf import message as _message
from google.protobuf import text_format

from ._codec import as_message
from ._collections import object_name
from ._import_graph import TargetGraph
from ._pool import _ANY_TYPES
from ._registry import OpRegistry, default_registry
from ._scope import Scope
from .errors import ArgumentTypeError, DecodeError, InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import CollectionItem, GraphSnapshot
from .tf.control_flow_pb2 import CondContextDef, ValuesDef, WhileContextDef
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import CollectionDef, MetaGraphDef
from .tf.queue_runner_pb2 import QueueRunnerDef
from .tf.saver_pb2 import SaverDef
from .tf.variable_pb2 import VariableDef

__all__ = ["ImportDiagnostic", "ImportResult", "import_meta_graph"]

_M = TypeVar("_M", bound=_message.Message)

# TensorFlow 2.21's GraphDef versions (core/public/version.h; IMP-VER-1).
GRAPH_DEF_VERSION = 2474
GRAPH_DEF_VERSION_MIN_PRODUCER = 0

# Graph._names_in_use's rule for a scope created at the root (IMP-SCOPE-3).
# re.match with "$", as TensorFlow: a trailing line break passes.
_ROOT_SCOPE = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
# The C++ importer's IsValidNodeName (IMP-SCOPE-4, IMP-NODE-3).
_NODE_NAME = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_./-]*(?:>[A-Za-z0-9.][A-Za-z0-9_./-]*)*")

_VARIABLE_KEYS = frozenset(
    {
        "variables",
        "trainable_variables",
        "moving_average_variables",
        "local_variables",
        "model_variables",
        "global_step",
        "metric_variables",
    }
)
_TYPED_KEYS = _VARIABLE_KEYS | {"savers", "queue_runners", "cond_context", "while_context"}
_OUT_OF_RANGE = 11  # error_codes.proto; QueueRunner's default closed-queue exception


@dataclass(frozen=True)
class ImportDiagnostic:
    """Something TensorFlow only logs, or does that this import does not (IMP-DIAG)."""

    code: str
    subject: str
    message: str
    severity: str = "warning"


@dataclass(frozen=True)
class ImportResult:
    """What ``import_meta_graph`` leaves behind (IMP-RESULT)."""

    snapshot: GraphSnapshot
    """The target graph after the import: its ``as_graph_def()`` and collections."""
    saver_def: SaverDef | None
    """The SaverDef of the Saver TensorFlow builds from ``saver_def`` (IMP-SAVER)."""
    return_elements: list[str] | None
    """Names of the requested operations and tensors in the result (IMP-RET)."""
    diagnostics: list[ImportDiagnostic] = field(default_factory=list)


def import_meta_graph(
    meta_graph_or_file: object,
    clear_devices: bool = False,
    import_scope: str | None = None,
    *,
    graph: GraphSnapshot | None = None,
    input_map: Mapping[str, str] | None = None,
    unbound_inputs_col_name: str | None = "unbound_inputs",
    restore_collections_predicate: Sequence[str] | None = None,
    return_elements: Sequence[str] | None = None,
    registry: OpRegistry | None = None,
) -> ImportResult:
    """Imports a MetaGraphDef (message or file) into ``graph`` (a fresh graph if absent)."""
    # Step 1: arguments (IMP-ARGS).
    if not isinstance(clear_devices, bool):
        raise ArgumentTypeError.expected("clear_devices", "a bool", clear_devices)
    if import_scope is not None and not isinstance(import_scope, str):
        raise ArgumentTypeError.expected("import_scope", "a string", import_scope)
    if unbound_inputs_col_name is not None and not isinstance(unbound_inputs_col_name, str):
        raise ArgumentTypeError.expected(
            "unbound_inputs_col_name", "a string", unbound_inputs_col_name
        )
    mapping = _string_mapping(input_map)
    predicate = _string_list(restore_collections_predicate, "restore_collections_predicate")
    requested = _string_list(return_elements, "return_elements")
    target = GraphSnapshot() if graph is None else as_message(graph, GraphSnapshot, "graph")
    registry = default_registry() if registry is None else registry

    # Step 2: read (IMP-READ).
    meta_graph_def = _read(meta_graph_or_file)
    # Step 3 (IMP-UNBOUND-1).
    if unbound_inputs_col_name:
        _check_unbound(meta_graph_def, unbound_inputs_col_name, mapping)

    # Work on copies from here on.
    graph_def = GraphDef()
    graph_def.CopyFrom(meta_graph_def.graph_def)
    result = GraphSnapshot()
    result.CopyFrom(target)
    if graph is None:
        result.graph_def.versions.producer = GRAPH_DEF_VERSION
    diagnostics: list[ImportDiagnostic] = []

    # Step 4 (IMP-DEV-1).
    if clear_devices:
        for node in graph_def.node:
            node.device = ""
    # Step 5 (IMP-SCOPE).
    collection_scope, prefix = _scopes(result.graph_def, import_scope)
    # Step 6 (IMP-NODE-1, IMP-NODE-2).
    _add_default_attrs(graph_def, registry)
    if meta_graph_def.meta_info_def.HasField("stripped_op_list"):
        _remove_producer_defaults(graph_def, meta_graph_def, registry)
    # Steps 7 to 11: the C++ importer.
    _check_versions(graph_def)
    importer = TargetGraph(result, registry)
    returned = importer.import_graph_def(graph_def, prefix, mapping, requested)
    for node_name, attr_name in importer.unknown_attrs:
        diagnostics.append(
            ImportDiagnostic(
                "ATTR_NOT_IN_OP",
                node_name,
                f"node {node_name!r} has attribute {attr_name!r}, which its op does not "
                "define; it is kept",
            )
        )

    # Step 12 (IMP-COLL).
    restorer = _Restorer(importer, Scope(collection_scope), meta_graph_def, diagnostics)
    restorer.restore_all(unbound_inputs_col_name, predicate)
    importer.finish()
    # Step 13 (IMP-SAVER).
    saver_def = _saver(meta_graph_def, import_scope, collection_scope, result, diagnostics)
    return ImportResult(result, saver_def, returned, diagnostics)


# Arguments and reading.


def _string_mapping(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ArgumentTypeError.expected("input_map", "a mapping of strings to strings", value)
    mapping: dict[str, str] = {}
    for key, target in value.items():
        if not isinstance(key, str) or not isinstance(target, str):
            raise ArgumentTypeError(
                "input_map", f"keys and values must be strings: {key!r}: {target!r}"
            )
        mapping[key] = target
    return mapping


def _string_list(value: object, argument: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ArgumentTypeError.expected(argument, "a sequence of strings", value)
    for item in value:
        if not isinstance(item, str):
            raise ArgumentTypeError(argument, f"every element must be a string, not {item!r}")
    return list(value)


def _read(value: object) -> MetaGraphDef:
    """The message, or the file read binary first, then as text (IMP-READ)."""
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not isinstance(path, str) or "\0" in path:
            raise InvalidArgumentError("meta_graph_or_file", f"not a file name: {value!r}")
        if not os.path.exists(path):
            raise InvalidArgumentError("meta_graph_or_file", f"file does not exist: {path!r}")
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except OSError as error:
            raise InvalidArgumentError(
                "meta_graph_or_file", f"cannot read {path!r}: {error}"
            ) from None
        return _parse(data, path)
    result = MetaGraphDef()
    result.CopyFrom(as_message(value, MetaGraphDef, "meta_graph_or_file"))
    return result


def parse_meta_graph_file(data: bytes, source: str) -> MetaGraphDef:
    """A file's bytes as a MetaGraphDef: binary first, then text (IMP-READ-3)."""
    return _parse(data, source)


def _parse(data: bytes, source: str) -> MetaGraphDef:
    result = MetaGraphDef()
    try:
        result.ParseFromString(data)
        return result
    except _message.DecodeError:
        result.Clear()
    try:
        text_format.Merge(data.decode("utf-8"), result, descriptor_pool=_ANY_TYPES)
    except (UnicodeDecodeError, text_format.ParseError) as error:
        raise DecodeError(source, f"neither a binary nor a text MetaGraphDef ({error})") from None
    return result


def _check_unbound(meta_graph_def: MetaGraphDef, key: str, mapping: dict[str, str]) -> None:
    """IMP-UNBOUND-1: the unbound inputs, duplicates included, are exactly the map's keys."""
    if key not in meta_graph_def.collection_def:
        return
    values = [_as_text(value) for value in _list_values(meta_graph_def.collection_def[key])]
    if values and (not mapping or sorted(values) != sorted(mapping)):
        missing = [value for value in values if value not in mapping]
        raise InvalidArgumentError(
            "input_map",
            f"the graph contains unbound inputs {', '.join(missing or values)}; "
            "they must be given through input_map, and nothing else",
        )


def _list_values(collection: CollectionDef) -> list[object]:
    kind = collection.WhichOneof("kind")
    if kind is None:
        return []
    return list(getattr(collection, kind).value)


def _as_text(value: object) -> str:
    """compat.as_str: text as it is, bytes decoded, anything else refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgumentError("meta_graph_or_file", f"{value!r} is not UTF-8") from None
    raise InvalidArgumentError("meta_graph_or_file", f"{value!r} is not a name")


# The scope (IMP-SCOPE).


def names_in_use(graph_def: GraphDef) -> set[str]:
    """Graph._names_in_use, as far as node names tell it (IMP-SCOPE-1)."""
    used: set[str] = set()
    for node in graph_def.node:
        name = node.name.lower()
        used.add(name)
        position = name.find("/")
        while position != -1:
            used.add(name[:position])
            position = name.find("/", position + 1)
    return used


def unique_name(name: str, used: set[str]) -> str:
    """Graph.unique_name(name, mark_as_used=False) (IMP-SCOPE-1)."""
    key = name.lower()
    if key not in used:
        return name
    index = 1
    while f"{key}_{index}" in used:
        index += 1
    return f"{name}_{index}"


def _scopes(graph_def: GraphDef, import_scope: str | None) -> tuple[str, str]:
    """Q, the scope collections are prefixed with, and P, the node prefix (IMP-SCOPE-2, -3)."""
    if not import_scope:
        return "", ""
    used = names_in_use(graph_def)
    collection_scope = unique_name(import_scope, used)
    if not _ROOT_SCOPE.match(import_scope):
        raise InvalidArgumentError(
            "import_scope", f"{import_scope!r} is not a valid root scope name"
        )
    if import_scope.endswith("/"):
        prefix = import_scope[:-1]
    else:
        prefix = collection_scope
    if not prefix.endswith("/"):
        prefix += "/"
    if not _NODE_NAME.fullmatch(prefix[:-1]):
        raise InvalidArgumentError(
            "import_scope", f"the prefix {prefix!r} would lead to invalid node names"
        )
    return collection_scope, prefix


# Nodes and the registry (IMP-NODE).


def _add_default_attrs(graph_def: GraphDef, registry: OpRegistry) -> None:
    """importer._SetDefaultAttrValues: absent or empty attributes get the default."""
    for node in graph_def.node:
        op_def = registry.get(node.op)
        if op_def is None:
            continue
        for attr_def in op_def.attr:
            if not attr_def.HasField("default_value"):
                continue
            value = node.attr.get(attr_def.name)
            if value is None or value.WhichOneof("value") is None:
                node.attr[attr_def.name].CopyFrom(attr_def.default_value)


def _remove_producer_defaults(
    graph_def: GraphDef, meta_graph_def: MetaGraphDef, registry: OpRegistry
) -> None:
    """importer._RemoveDefaultAttrs (IMP-NODE-2)."""
    producer = {op.name: op for op in meta_graph_def.meta_info_def.stripped_op_list.op}
    for node in graph_def.node:
        producer_op = producer.get(node.op)
        op_def = registry.get(node.op)
        if producer_op is None or op_def is None:
            continue
        known = {attr.name for attr in op_def.attr}
        for key in list(node.attr):
            if key in known:
                continue
            attr_def = next((a for a in producer_op.attr if a.name == key), None)
            if (
                attr_def is not None
                and attr_def.HasField("default_value")
                and node.attr[key] == attr_def.default_value
            ):
                del node.attr[key]


def _check_versions(graph_def: GraphDef) -> None:
    """CheckVersions (IMP-VER-1)."""
    versions = graph_def.versions
    if versions.producer < GRAPH_DEF_VERSION_MIN_PRODUCER:
        raise InvalidArgumentError(
            "meta_graph_or_file",
            f"GraphDef producer version {versions.producer} below min producer "
            f"{GRAPH_DEF_VERSION_MIN_PRODUCER} supported by TensorFlow 2.21.0",
        )
    if versions.min_consumer > GRAPH_DEF_VERSION:
        raise InvalidArgumentError(
            "meta_graph_or_file",
            f"GraphDef min consumer version {versions.min_consumer} above current version "
            f"{GRAPH_DEF_VERSION} for TensorFlow 2.21.0",
        )
    if GRAPH_DEF_VERSION in versions.bad_consumers:
        raise InvalidArgumentError(
            "meta_graph_or_file", f"GraphDef disallows consumer version {GRAPH_DEF_VERSION}"
        )


# Collections (IMP-COLL).


class _Restorer:
    def __init__(
        self,
        graph: TargetGraph,
        scope: Scope,
        meta_graph_def: MetaGraphDef,
        diagnostics: list[ImportDiagnostic],
    ) -> None:
        self._graph = graph
        self._scope = scope
        self._meta = meta_graph_def
        self._diagnostics = diagnostics
        version = meta_graph_def.meta_info_def.tensorflow_version
        self._old_variables = bool(version) and _version_below_1_9(version)
        self._variables: dict[bytes, VariableDef] = {}

    def restore_all(self, unbound_key: str | None, predicate: list[str] | None) -> None:
        collection_defs = self._meta.collection_def
        keys = sorted(collection_defs)
        if "trainable_variables" in collection_defs:
            keys.remove("trainable_variables")
            keys.insert(0, "trainable_variables")
        for key in keys:
            if unbound_key and key == unbound_key:
                continue
            if predicate is not None and key not in predicate:
                continue
            self._restore(key, collection_defs[key])

    def _restore(self, key: str, collection_def: CollectionDef) -> None:
        kind = collection_def.WhichOneof("kind")
        if kind is None:
            self._warn(
                "COLLECTION_KIND_UNKNOWN", key, f"cannot identify the kind of collection {key!r}"
            )
            return
        if key in _TYPED_KEYS and kind == "bytes_list":
            for value in collection_def.bytes_list.value:
                self._add(key, self._typed_item(key, value))
            return
        if key in _TYPED_KEYS:
            self._warn(
                "COLLECTION_KIND_MISMATCH",
                key,
                f"collection {key!r} should be a bytes_list, not {kind}",
            )
        for value in getattr(collection_def, kind).value:
            self._add(key, self._plain_item(kind, value))

    def _warn(self, code: str, subject: str, text: str) -> None:
        self._diagnostics.append(ImportDiagnostic(code, subject, text))

    def _add(self, key: str, item: CollectionItem) -> None:
        collection = self._graph.collection(key)
        collection.items.append(item)

    def _plain_item(self, kind: str, value: object) -> CollectionItem:
        prepend = self._scope.prepend
        if kind == "node_list":
            assert isinstance(value, str)
            return CollectionItem(name=self._graph.element_name(prepend(value)))
        if kind == "bytes_list":
            assert isinstance(value, bytes)
            if not self._scope:
                return CollectionItem(bytes_value=value)
            return CollectionItem(string_value=prepend(_as_text(value)))
        if kind == "int64_list":
            assert isinstance(value, int)
            return CollectionItem(int64_value=value)
        if kind == "float_list":
            assert isinstance(value, float)
            return CollectionItem(float_value=value)
        item = CollectionItem()
        item.any_value.CopyFrom(value)  # type: ignore[arg-type]
        return item

    def _typed_item(self, key: str, value: bytes) -> CollectionItem:
        if key in _VARIABLE_KEYS:
            variable = self._variables.get(value)
            if variable is None:
                variable = self._variable(key, _parse_typed(value, VariableDef, key))
                self._variables[value] = variable
            return CollectionItem(variable=variable)
        if key == "savers":
            return CollectionItem(saver=self._saver(_parse_typed(value, SaverDef, key)))
        if key == "queue_runners":
            return CollectionItem(
                queue_runner=self._queue_runner(_parse_typed(value, QueueRunnerDef, key))
            )
        if key == "cond_context":
            return CollectionItem(cond_context=self._cond(_parse_typed(value, CondContextDef, key)))
        return CollectionItem(while_context=self._while(_parse_typed(value, WhileContextDef, key)))

    def _variable(self, key: str, variable: VariableDef) -> VariableDef:
        """IMP-COLL-5: Variable.from_proto, then to_proto."""
        prepend, element = self._scope.prepend, self._element
        if self._old_variables:
            variable.trainable = key == "trainable_variables"
        # RefVariable and ResourceVariable._init_from_proto look the names up.
        variable.variable_name = element(variable.variable_name)
        variable.initializer_name = element(variable.initializer_name)
        if variable.snapshot_name or not variable.is_resource:
            variable.snapshot_name = element(variable.snapshot_name)
        if variable.initial_value_name:
            variable.initial_value_name = element(variable.initial_value_name)
        if variable.HasField("save_slice_info_def"):
            info = variable.save_slice_info_def
            info.full_name = prepend(info.full_name)
        return variable

    def _saver(self, saver: SaverDef) -> SaverDef:
        """IMP-COLL-6: Saver.from_proto."""
        return _prefixed_saver_def(saver, self._scope)

    def _queue_runner(self, runner: QueueRunnerDef) -> QueueRunnerDef:
        """IMP-COLL-7: QueueRunner.from_proto, then to_proto."""
        element = self._element
        runner.queue_name = element(runner.queue_name)
        names = [element(name) for name in runner.enqueue_op_name]
        del runner.enqueue_op_name[:]
        runner.enqueue_op_name.extend(names)
        runner.close_op_name = element(runner.close_op_name)
        runner.cancel_op_name = element(runner.cancel_op_name)
        if not runner.queue_closed_exception_types:
            runner.queue_closed_exception_types.append(_OUT_OF_RANGE)  # type: ignore[arg-type]
        return runner

    def _element(self, name: str) -> str:
        return self._graph.element_name(self._scope.prepend(name))

    def _values(self, values: ValuesDef) -> None:
        """ControlFlowContext._init_values_from_proto, then _to_values_def."""
        prepend = self._scope.prepend
        new_values = sorted({prepend(value) for value in values.values})
        external = {prepend(k): self._element(v) for k, v in values.external_values.items()}
        for name in {value.split(":")[0] for value in new_values} - set(external):
            self._graph.element_name(name)
        del values.values[:]
        values.values.extend(new_values)
        values.external_values.clear()
        values.external_values.update(external)

    def _cond(self, context: CondContextDef) -> CondContextDef:
        context.context_name = self._scope.prepend(context.context_name)
        context.pred_name = self._element(context.pred_name)
        context.pivot_name = self._element(context.pivot_name)
        self._values(context.values_def)
        for nested in context.nested_contexts:
            self._nested(nested)
        return context

    def _while(self, context: WhileContextDef) -> WhileContextDef:
        context.context_name = self._scope.prepend(context.context_name)
        if context.maximum_iterations_name:
            context.maximum_iterations_name = self._element(context.maximum_iterations_name)
        context.pivot_for_pred_name = self._element(context.pivot_for_pred_name)
        context.pivot_for_body_name = self._element(context.pivot_for_body_name)
        context.pivot_name = self._element(context.pivot_name)
        for names in (context.loop_exit_names, context.loop_enter_names):
            new = [self._element(name) for name in names]
            del names[:]
            names.extend(new)
        self._values(context.values_def)
        if self._scope:
            for value in context.values_def.values:
                self._graph.set_loop_frame(value, context.context_name)
        for nested in context.nested_contexts:
            self._nested(nested)
        return context

    def _nested(self, nested: object) -> None:
        kind = nested.WhichOneof("ctxt")  # type: ignore[attr-defined]
        if kind == "cond_ctxt":
            self._cond(nested.cond_ctxt)  # type: ignore[attr-defined]
        elif kind == "while_ctxt":
            self._while(nested.while_ctxt)  # type: ignore[attr-defined]


def _parse_typed(value: bytes, cls: type[_M], key: str) -> _M:
    message = cls()
    try:
        message.ParseFromString(value)
    except _message.DecodeError as error:
        raise DecodeError(
            f"collection {key!r}", f"not a valid {cls.DESCRIPTOR.full_name} ({error})"
        ) from None
    return message


def _version_below_1_9(version: str) -> bool:
    """TensorFlow's ``packaging.version.parse(v) < parse("1.9")``, by PEP 440's
    grammar, without the packaging library (the core needs protobuf only)."""
    match = _PEP_440.fullmatch(version.strip())
    if match is None:
        raise InvalidArgumentError(
            "meta_graph_or_file", f"tensorflow_version {version!r} is not a version"
        )
    if int(match["epoch"] or 0) > 0:
        return False
    release = [int(part) for part in match["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    if tuple(release) != (1, 9):
        return tuple(release) < (1, 9)
    # 1.9 itself: its pre-releases and development releases come before it.
    if match["post"] is not None:
        return False
    return match["pre"] is not None or match["dev"] is not None


# PEP 440's version grammar, with the spellings it says to normalize.
_PEP_440 = re.compile(
    r"""v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?:alpha|a|beta|b|preview|pre|c|rc)[-_.]?[0-9]*)?
    (?P<post>-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?
    (?P<dev>[-_.]?dev[-_.]?[0-9]*)?
    (?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?""",
    re.VERBOSE | re.IGNORECASE,
)


# The SaverDef (IMP-SAVER).


def _prefixed_saver_def(saver_def: SaverDef, scope: Scope) -> SaverDef:
    """Saver(saver_def=..., name=scope): names prepended, then _check_saver_def."""
    result = SaverDef()
    result.CopyFrom(saver_def)
    if scope:
        result.filename_tensor_name = scope.prepend(result.filename_tensor_name)
        result.save_tensor_name = scope.prepend(result.save_tensor_name)
        result.restore_op_name = scope.prepend(result.restore_op_name)
    if not result.save_tensor_name:
        raise InvalidArgumentError("saver_def", "saver_def must specify the save_tensor_name")
    if not result.restore_op_name:
        raise InvalidArgumentError("saver_def", "saver_def must specify the restore_op_name")
    return result


def _matching_variables(
    snapshot: GraphSnapshot, keys: tuple[str, ...], scope: str | None
) -> list[str]:
    """Graph.get_collection(key, scope): named items the scope matches at their start."""
    pattern = None if scope is None else re.compile(scope)
    names: list[str] = []
    for collection in snapshot.collections:
        if collection.key not in keys:
            continue
        for item in collection.items:
            name = object_name(item)
            if name is not None and (pattern is None or pattern.match(name)):
                names.append(name)
    return names


def _saver(
    meta_graph_def: MetaGraphDef,
    import_scope: str | None,
    collection_scope: str,
    snapshot: GraphSnapshot,
    diagnostics: list[ImportDiagnostic],
) -> SaverDef | None:
    if not meta_graph_def.HasField("saver_def"):
        if _matching_variables(snapshot, ("variables", "saveable_objects"), import_scope):
            diagnostics.append(
                ImportDiagnostic(
                    "SAVER_NOT_BUILT",
                    "",
                    "the meta graph has no saver_def: TensorFlow would build a new Saver "
                    "for the graph's variables here",
                )
            )
        return None
    # IMP-SAVER-2: the scope inferred from the first imported variable.
    saver_scope = import_scope
    names = _matching_variables(snapshot, ("variables",), collection_scope)
    if names:
        first = names[0]
        key = Scope(collection_scope).strip(first)
        saver_scope = first[: len(first) - len(key)]
    return _prefixed_saver_def(meta_graph_def.saver_def, Scope(saver_scope))
