"""The properties of ``export_meta_graph``, as functions that raise AssertionError.

Each ``check_*`` takes a snapshot and export options (as the strategies make
them), runs the public API and compares what it returns and writes with the
oracles of :mod:`._oracles`. The property tests call them under ``@given``;
the tests of the tests call them on a deliberately broken exporter.

A check returns without checking anything more when the export fails as the
specification says it must (see :func:`export_or_expected_failure`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from google.protobuf import message as _message

from .. import _api
from .._codec import parse_message
from .._registry import default_registry
from ..errors import ExportError, InvalidArgumentError
from ..snapshot.v1.snapshot_pb2 import GraphSnapshot
from ..tf.attr_value_pb2 import AttrValue
from ..tf.graph_debug_info_pb2 import GraphDebugInfo
from ..tf.graph_pb2 import GraphDef
from ..tf.meta_graph_pb2 import MetaGraphDef
from ..tf.node_def_pb2 import NodeDef
from . import _oracles as oracle

Options = Mapping[str, Any]


def _bytes(message: _message.Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def _text(message: _message.Message) -> str:
    from .._pool import to_text

    return to_text(message)


def _same(actual: _message.Message, expected: _message.Message, what: str) -> None:
    if _bytes(actual) != _bytes(expected):
        raise AssertionError(
            f"{what} differs\n--- expected\n{_text(expected)}--- actual\n{_text(actual)}"
        )


def export_or_expected_failure(
    snapshot: GraphSnapshot, options: Options, **overrides: Any
) -> _api.ExportResult | None:
    """Runs the export; None when it fails and the specification says it must.

    An export that fails where it must not, or succeeds where it must fail,
    or fails with anything but InvalidArgumentError, is an AssertionError.
    """
    options = {**options, **overrides}
    reason = oracle.expected_failure(
        snapshot, options, writes_debug_info=bool(options.get("filename"))
    )
    if reason is None:
        return _api.export(graph=snapshot, **options)
    try:
        result = _api.export(graph=snapshot, **options)
    except InvalidArgumentError:
        return None
    raise AssertionError(f"the export succeeded but must fail: {reason}\n{result.files}")


def _node_map(graph_def: GraphDef) -> dict[str, NodeDef]:
    return {node.name: node for node in graph_def.node}


# Determinism, purity, files ---------------------------------------------------


def check_deterministic(snapshot: GraphSnapshot, options: Options, directory: Path) -> None:
    """Two exports of equal inputs give equal messages, diagnostics and files."""
    outputs = []
    for run in ("first", "second"):
        copy = GraphSnapshot.FromString(_bytes(snapshot))
        filename = directory / run / "model.meta"
        result = export_or_expected_failure(copy, options, filename=str(filename))
        if result is None:
            return
        files = {os.path.basename(path): Path(path).read_bytes() for path in result.files}
        outputs.append((_bytes(result.meta_graph_def), result.diagnostics, files))
    first, second = outputs
    assert first[0] == second[0], "the returned messages differ"
    assert first[1] == second[1], "the diagnostics differ"
    assert first[2] == second[2], "the files differ"


def _serialized_arguments(snapshot: GraphSnapshot, options: Options) -> dict[str, Any]:
    state: dict[str, Any] = {"graph": _bytes(snapshot)}
    for key, value in options.items():
        if isinstance(value, _message.Message):
            state[key] = _bytes(value)
        elif isinstance(value, list):
            state[key] = list(value)
        else:
            state[key] = value
    return state


def check_pure(snapshot: GraphSnapshot, options: Options) -> None:
    """The export changes none of its arguments, compared as serialized bytes."""
    before = _serialized_arguments(snapshot, options)
    export_or_expected_failure(snapshot, options)
    assert _serialized_arguments(snapshot, options) == before, "an argument was modified"


def canonical_nan(meta_graph_def: MetaGraphDef) -> MetaGraphDef:
    """A copy whose float collections hold the one NaN that text format can
    write (it prints every NaN as "nan", dropping sign and payload)."""
    copy = MetaGraphDef()
    copy.CopyFrom(meta_graph_def)
    for collection in copy.collection_def.values():
        if collection.HasField("float_list"):
            values = collection.float_list.value
            values[:] = [math.nan if math.isnan(value) else value for value in values]
    return copy


def check_files_agree(snapshot: GraphSnapshot, options: Options, directory: Path) -> None:
    """The binary file, the text file and the returned message are the same
    MetaGraphDef, and so are the debug files and the returned debug info."""
    results = {}
    for as_text in (False, True):
        filename = directory / ("text" if as_text else "binary") / "model.meta"
        result = export_or_expected_failure(
            snapshot, options, filename=str(filename), as_text=as_text
        )
        if result is None:
            assert not filename.parent.exists() or not os.listdir(filename.parent)
            return
        debug = filename.with_suffix(".debug")
        expected_files = [str(filename)] + ([str(debug)] if options.get("save_debug_info") else [])
        assert list(result.files) == expected_files
        assert sorted(os.listdir(filename.parent)) == sorted(
            os.path.basename(f) for f in expected_files
        ), "stray files next to the output"
        data = filename.read_bytes()
        if as_text:
            parsed = parse_message(data, MetaGraphDef, str(filename), "text")
            _same(canonical_nan(parsed), canonical_nan(result.meta_graph_def), "the text file")
        else:
            assert data == _bytes(result.meta_graph_def), "the binary file"
        if options.get("save_debug_info"):
            assert result.debug_info is not None
            fmt = "text" if as_text else "binary"
            parsed_debug = parse_message(debug.read_bytes(), GraphDebugInfo, str(debug), fmt)
            _same(parsed_debug, result.debug_info, "the debug file")
            check_debug_info(snapshot, options, result.meta_graph_def, result.debug_info)
        else:
            assert result.debug_info is None
        results[as_text] = result
    _same(results[True].meta_graph_def, results[False].meta_graph_def, "as_text's message")


def check_debug_info(
    snapshot: GraphSnapshot,
    options: Options,
    meta_graph_def: MetaGraphDef,
    debug_info: GraphDebugInfo,
) -> None:
    """Each exported node with a stack trace has an entry "<full name>@" whose
    frames are that trace; there is no other entry."""
    scope = oracle.scope_text(options)
    Frame = tuple[str, int, str]
    expected: dict[str, list[Frame]] = {}
    for node in meta_graph_def.graph_def.node:
        name = oracle.prepend_name_scope(node.name, scope)
        if name in snapshot.stack_traces:
            trace = snapshot.stack_traces[name].frames
            expected[f"{name}@"] = [(f.file, f.line, f.function) for f in trace]
    actual: dict[str, list[Frame]] = {}
    for key, trace_id in debug_info.name_to_trace_id.items():
        frames: list[Frame] = []
        for frame_id in debug_info.traces_by_id[trace_id].frame_id:
            frame = debug_info.frames_by_id[frame_id]
            frames.append((debug_info.files[frame.file_index], frame.line, frame.func))
        actual[key] = frames
    assert actual == expected


# Nodes -----------------------------------------------------------------------


def check_scope(snapshot: GraphSnapshot, options: Options) -> None:
    """Every exported node is a node of the scope, in graph order, under its
    stripped name, with bound inputs stripped, unbound ones marked, ``_class``
    and ``frame_name`` filtered and stripped, and nothing else changed."""
    options = {**options, "strip_default_attrs": False}
    result = export_or_expected_failure(snapshot, options)
    if result is None:
        return
    exported = result.meta_graph_def.graph_def
    scope = oracle.scope_text(options)
    sources = oracle.included_nodes(snapshot, options)
    assert len(exported.node) == len(sources), "the exported nodes are not those of the scope"
    for node, source in zip(exported.node, sources, strict=True):
        assert source.name.startswith(scope) or not oracle.rewrites_nodes(options)
        assert node.name == oracle.strip_name_scope(source.name, scope)
    for node, expected in zip(exported.node, oracle.expected_nodes(snapshot, options), strict=True):
        _same(node, expected, f"node {node.name!r}")
    _check_library(snapshot, options, exported)


def _check_library(snapshot: GraphSnapshot, options: Options, exported: GraphDef) -> None:
    """The function library is never scoped: the graph's own, whole."""
    given: GraphDef | None = options.get("graph_def")
    if given is not None:
        library = given.library
    elif not oracle.rewrites_nodes(options):
        library = (
            snapshot.library_with_shapes
            if snapshot.HasField("library_with_shapes")
            else snapshot.graph_def.library
        )
    else:
        library = (
            snapshot.registered_library
            if snapshot.HasField("registered_library")
            else snapshot.graph_def.library
        )
    _same(exported.library, library, "the function library")


def check_unbound_inputs(snapshot: GraphSnapshot, options: Options) -> None:
    """The inputs that leave the scope are renamed "$unbound_inputs_<name>" and
    listed, in node and input order with duplicates, in the unbound-inputs
    collection; control inputs among them are filtered out of the exported
    collection, as TensorFlow's collection filter does."""
    options = {**options, "strip_default_attrs": False}
    result = export_or_expected_failure(snapshot, options)
    if result is None:
        return
    entries = oracle.unbound_inputs(snapshot, options)
    marked = [
        name
        for node in result.meta_graph_def.graph_def.node
        for name in node.input
        if oracle.UNBOUND in name
    ]
    assert marked == entries, "the inputs marked unbound are not those that leave the scope"
    name = oracle.unbound_collection_name(options)
    if not oracle.rewrites_nodes(options) or name is None:
        return
    collections = result.meta_graph_def.collection_def
    exclude = oracle.excluded(snapshot, options)
    scope = oracle.scope_text(options)
    expected = [e.encode() for e in entries if oracle.kept(e, scope, exclude)]
    if name not in oracle.exported_keys(snapshot, options) or not expected:
        assert name not in collections, "an unbound-inputs collection that should not be there"
        return
    assert list(collections[name].bytes_list.value) == expected


def _without_devices(meta_graph_def: MetaGraphDef) -> MetaGraphDef:
    copy = MetaGraphDef()
    copy.CopyFrom(meta_graph_def)
    for node in copy.graph_def.node:
        node.device = ""
    return copy


def node_rewriting_input(
    snapshot: GraphSnapshot, options: Options
) -> tuple[GraphSnapshot, dict[str, Any]]:
    """Arguments that, exported without a node-rewriting option, give what the
    node-rewriting path gives: operation inputs in place, the registered
    library (always present when a graph_def is given), and no unbound-inputs
    collection (which that path rebuilds)."""
    copy = GraphSnapshot()
    copy.CopyFrom(snapshot)
    options = dict(options)
    given: GraphDef | None = options.get("graph_def")
    if given is None:
        for node in copy.graph_def.node:
            if node.name in copy.operation_inputs:
                node.input[:] = copy.operation_inputs[node.name].input
        if copy.HasField("registered_library"):
            copy.graph_def.library.CopyFrom(copy.registered_library)
        copy.ClearField("library_with_shapes")
    else:
        graph_def = GraphDef()
        graph_def.versions.CopyFrom(given.versions)
        graph_def.library.CopyFrom(given.library)
        graph_def.node.extend(given.node)
        options["graph_def"] = graph_def
    name = oracle.unbound_collection_name(options)
    if name:
        kept = [c for c in copy.collections if c.key != name]
        del copy.collections[:]
        copy.collections.extend(kept)
    return copy, options


def check_clear_devices(snapshot: GraphSnapshot, options: Options) -> None:
    """clear_devices empties the device of every top-level node and changes
    nothing else: not function bodies, not collections, not other fields."""
    cleared = export_or_expected_failure(snapshot, options, clear_devices=True)
    if cleared is None:
        return
    graph_def = cleared.meta_graph_def.graph_def
    assert all(not node.device for node in graph_def.node), "a device was left"
    baseline_input, baseline_options = snapshot, {**options, "clear_devices": False}
    if not oracle.rewrites_nodes(baseline_options):
        baseline_input, baseline_options = node_rewriting_input(snapshot, baseline_options)
    baseline = export_or_expected_failure(baseline_input, baseline_options)
    assert baseline is not None
    _same(cleared.meta_graph_def, _without_devices(baseline.meta_graph_def), "the export")


def check_strip_default_attrs(snapshot: GraphSnapshot, options: Options) -> None:
    """strip_default_attrs removes exactly the attributes equal to their op's
    registered default (not those of unregistered ops or calls of library
    functions), anywhere in the graph and its functions; putting the defaults
    back gives the unstripped export."""
    stripped = export_or_expected_failure(snapshot, options, strip_default_attrs=True)
    if stripped is None:
        return
    full = export_or_expected_failure(snapshot, options, strip_default_attrs=False)
    assert full is not None
    registry = default_registry()
    a, b = stripped.meta_graph_def, full.meta_graph_def
    assert a.meta_info_def.stripped_default_attrs
    assert not b.meta_info_def.stripped_default_attrs
    functions = {f.signature.name for f in b.graph_def.library.function}
    pairs: list[tuple[NodeDef, NodeDef]] = list(
        zip(a.graph_def.node, b.graph_def.node, strict=True)
    )
    for fa, fb in zip(a.graph_def.library.function, b.graph_def.library.function, strict=True):
        pairs += list(zip(fa.node_def, fb.node_def, strict=True))
    restored = MetaGraphDef()
    restored.CopyFrom(a)
    restored_nodes = list(restored.graph_def.node)
    for function in restored.graph_def.library.function:
        restored_nodes += list(function.node_def)
    for (small, big), target in zip(pairs, restored_nodes, strict=True):
        op_def = None if big.op in functions else registry.get(big.op)
        defaults: dict[str, AttrValue] = {}
        for attr_def in op_def.attr if op_def is not None else ():
            if attr_def.HasField("default_value"):
                defaults.setdefault(attr_def.name, attr_def.default_value)
        for name, value in big.attr.items():
            equal = name in defaults and oracle.attr_values_equal(value, defaults[name])
            if equal:
                assert name not in small.attr, f"{big.name}: {name} equals its default"
                # Put the default back; where it is encoded otherwise than the
                # value was (a tensor), they are equal only as TensorFlow compares.
                target.attr[name].CopyFrom(defaults[name])
                if _bytes(defaults[name]) != _bytes(value):
                    target.attr[name].CopyFrom(value)
            else:
                assert name in small.attr, f"{big.name}: {name} was stripped"
                _same(small.attr[name], value, f"{big.name}: attribute {name}")
        assert set(small.attr) <= set(big.attr)
    restored.meta_info_def.stripped_default_attrs = False
    _same(restored, b, "the export with defaults put back")


def check_stripped_op_list(snapshot: GraphSnapshot, options: Options) -> None:
    """stripped_op_list holds the registered OpDef of every op used by the
    exported graph and the functions it calls, sorted by name, defaults
    included, and nothing else."""
    result = export_or_expected_failure(snapshot, options)
    if result is None:
        return
    info = result.meta_graph_def.meta_info_def
    given = options.get("meta_info_def")
    if given is not None and given.stripped_op_list.op:
        _same(info.stripped_op_list, given.stripped_op_list, "the caller's stripped_op_list")
        return
    registry = default_registry()
    names = [op.name for op in info.stripped_op_list.op]
    graph_def = result.meta_graph_def.graph_def
    assert names == oracle.stripped_op_names(graph_def, registry)
    for op in info.stripped_op_list.op:
        expected = registry.get(op.name)
        assert expected is not None
        _same(op, expected, f"the OpDef of {op.name}")


def check_collections(snapshot: GraphSnapshot, options: Options) -> None:
    """Collections are filtered by the scope like the nodes and their names
    stripped like the nodes' names: a collection item that names an exported
    node names it by its exported name."""
    result = export_or_expected_failure(snapshot, options)
    if result is None:
        return
    actual = dict(result.meta_graph_def.collection_def)
    expected = oracle.expected_collections(snapshot, options)
    assert sorted(actual) == sorted(expected), "the exported collection keys"
    for key, collection in expected.items():
        _same(
            canonical_nan(_one(key, actual[key])).collection_def[key],
            canonical_nan(_one(key, collection)).collection_def[key],
            f"collection {key!r}",
        )
    # The same names, from the other side: node-list items of exported nodes.
    if not oracle.rewrites_nodes(options):
        return
    scope = oracle.scope_text(options)
    renamed = {
        source.name: node.name
        for source, node in zip(
            oracle.included_nodes(snapshot, options),
            result.meta_graph_def.graph_def.node,
            strict=True,
        )
    }
    exclude = oracle.excluded(snapshot, options)
    items = oracle.collections_before_export(snapshot, options)
    for key, collection in actual.items():
        if not collection.HasField("node_list"):
            continue
        names = [oracle.primary_name(item) for item in items.get(key, [])]
        originals = [
            name
            for name in names
            if name is not None and oracle.kept(name, scope, exclude) and name.startswith(scope)
        ]
        for original, value in zip(originals, collection.node_list.value, strict=False):
            if oracle.op_of(original) in renamed:
                assert oracle.op_of(value) == renamed[oracle.op_of(original)], (
                    f"collection {key!r} names {original!r} as {value!r}"
                )


def _one(key: str, collection: Any) -> MetaGraphDef:
    message = MetaGraphDef()
    message.collection_def[key].CopyFrom(collection)
    return message


def check_failures(snapshot: GraphSnapshot, options: Options, directory: Path) -> None:
    """An export fails exactly where the specification says it must, with
    InvalidArgumentError, and then leaves the file at ``filename`` as it was
    and nothing else behind."""
    filename = directory / "model.meta"
    directory.mkdir(parents=True, exist_ok=True)
    filename.write_bytes(b"previous content")
    options = {**options, "filename": str(filename)}
    reason = oracle.expected_failure(snapshot, options, writes_debug_info=True)
    try:
        _api.export(graph=snapshot, **options)
    except ExportError as error:
        assert reason is not None, f"the export failed unexpectedly: {error!r}"
        assert isinstance(error, InvalidArgumentError), repr(error)
        assert filename.read_bytes() == b"previous content"
        assert os.listdir(directory) == ["model.meta"]
        return
    assert reason is None, f"the export succeeded but must fail: {reason}"
