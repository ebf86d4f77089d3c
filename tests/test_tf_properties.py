"""Properties checked against TensorFlow 2.21 itself, on generated graphs.

Hypothesis generates graph descriptions
(:func:`metagraph_export.testing.strategies.tf_graph_descriptions`), which
:func:`metagraph_export.testing.build_tf_graph` builds with real TensorFlow in
graph mode, and export options for them. The differential property compares
TensorFlow's ``tf.compat.v1.train.export_meta_graph`` with ours; the round
trip property imports our export with TensorFlow's ``import_meta_graph``.

The ``ci`` profile runs a bounded number of examples; for 2,000::

    TF_CPP_MIN_LOG_LEVEL=3 .tf-env/bin/python -m pytest tests/test_tf_properties.py \\
        -p metagraph_export.testing.profiles --hypothesis-profile=deep
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

tf = pytest.importorskip(
    "tensorflow", reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
)

import metagraph_export  # noqa: E402
from hypothesis import event, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from metagraph_export._codec import parse_message  # noqa: E402
from metagraph_export._pool import to_text  # noqa: E402
from metagraph_export.testing import (  # noqa: E402
    BuiltGraph,
    GraphDescription,
    build_tf_graph,
    strategies,
)
from metagraph_export.testing._checks import canonical_nan  # noqa: E402
from metagraph_export.testing.profiles import settings_for  # noqa: E402
from metagraph_export.tf.control_flow_pb2 import CondContextDef, WhileContextDef  # noqa: E402
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef  # noqa: E402

pytestmark = pytest.mark.tensorflow

_CONTEXTS: dict[str, type[CondContextDef] | type[WhileContextDef]] = {
    "cond_context": CondContextDef,
    "while_context": WhileContextDef,
}

Case = tuple[GraphDescription, dict[str, Any]]


def _described_cases(control_flow: bool = True) -> st.SearchStrategy[Case]:
    descriptions = strategies.tf_graph_descriptions(control_flow=control_flow)
    return descriptions.flatmap(
        lambda description: st.tuples(
            st.just(description), strategies.tf_export_options(description)
        )
    )


def _ours(message: Any) -> MetaGraphDef:
    """One of TensorFlow's messages as ours (they live in different pools)."""
    return MetaGraphDef.FromString(message.SerializeToString())


def _normalized(message: MetaGraphDef) -> MetaGraphDef:
    """TensorFlow serializes typed collection items with map entries in random
    order (spec: implementation-defined 1): compare those as messages, and
    NaNs as NaNs."""
    copy = canonical_nan(message)
    for key, proto_type in _CONTEXTS.items():
        if key in copy.collection_def:
            values = copy.collection_def[key].bytes_list.value
            values[:] = [
                proto_type.FromString(value).SerializeToString(deterministic=True)
                for value in values
            ]
    return copy


def _assert_same(ours: MetaGraphDef, theirs: MetaGraphDef, what: str) -> None:
    a, b = _normalized(ours), _normalized(theirs)
    if a.SerializeToString(deterministic=True) != b.SerializeToString(deterministic=True):
        diff = difflib.unified_diff(
            to_text(b).splitlines(), to_text(a).splitlines(), "tensorflow", "ours", lineterm=""
        )
        pytest.fail(f"{what} differs:\n" + "\n".join(list(diff)[:120]))


def _tensorflow_export(graph: Any, **options: Any) -> Any:
    """TensorFlow's export; it rewrites the graph's unbound-inputs collection,
    which is put back afterwards (the reference leaves it alone)."""
    name = options.get("unbound_inputs_col_name", "unbound_inputs")
    saved = list(graph.get_collection(name)) if name else []
    try:
        with graph.as_default():
            return tf.compat.v1.train.export_meta_graph(graph=graph, **options)
    finally:
        if name:
            graph.clear_collection(name)
            for item in saved:
                graph.add_to_collection(name, item)


def _arguments(built: BuiltGraph, drawn: dict[str, Any]) -> dict[str, Any]:
    """Export arguments from drawn options: the saver_def of the chosen saver,
    and graph_def= the graph's own with shapes when asked for."""
    options = dict(drawn)
    index = options.pop("saver_index", None)
    if index is not None and index < len(built.saver_defs):
        options["saver_def"] = built.saver_defs[index]
    if options.pop("use_graph_def", False):
        options["graph_def"] = built.graph.as_graph_def(add_shapes=True)
    return options


def _exports_new_saver(built: BuiltGraph, options: dict[str, Any]) -> bool:
    """Where TensorFlow builds a brand-new Saver (spec: deliberate difference 3)."""
    if not options.get("clear_extraneous_savers") or options.get("saver_def") is not None:
        return False
    keys = options.get("collection_list")
    if keys is None:
        keys = built.graph.get_all_collection_keys()
    return "savers" in keys


@settings_for("tensorflow")
@given(_described_cases())
def test_export_matches_tensorflow(case: Case) -> None:
    """Every EXP requirement at once: for generated graphs and options,
    TensorFlow 2.21's export and ours return the same MetaGraphDef and write
    the same files (meta graph, binary or text, and debug info); where
    TensorFlow fails, ours fails with a typed error and writes nothing."""
    description, drawn = case
    built = build_tf_graph(description)
    options = _arguments(built, drawn)
    with tempfile.TemporaryDirectory(prefix="mge-tf-") as name:
        root = Path(name)
        ours_path, theirs_path = root / "ours" / "model.meta", root / "tf" / "model.meta"
        if _exports_new_saver(built, options):
            event("TensorFlow would build a new Saver: ours fails")
            with pytest.raises(metagraph_export.InvalidArgumentError):
                metagraph_export.export_meta_graph(str(ours_path), graph=built.graph, **options)
            assert not ours_path.parent.exists()
            return
        try:
            theirs = _tensorflow_export(built.graph, filename=str(theirs_path), **options)
        except Exception as failure:
            event(f"TensorFlow fails: {type(failure).__name__}")
            with pytest.raises(metagraph_export.ExportError):
                metagraph_export.export_meta_graph(str(ours_path), graph=built.graph, **options)
            assert not ours_path.parent.exists() or not os.listdir(ours_path.parent), failure
            return
        ours = metagraph_export.export_meta_graph(str(ours_path), graph=built.graph, **options)
        _assert_same(ours, _ours(theirs), "the returned message")
        fmt = "text" if options.get("as_text") else "binary"
        ours_file, theirs_file = ours_path.read_bytes(), theirs_path.read_bytes()
        event(f"export_scope {'given' if options.get('export_scope') else 'absent'}")
        if any(key in ours.collection_def for key in _CONTEXTS):
            event("v1 control flow contexts")
            _assert_same(
                parse_message(ours_file, MetaGraphDef, "ours", fmt),
                parse_message(theirs_file, MetaGraphDef, "tensorflow", fmt),
                "the meta graph file",
            )
        else:
            assert ours_file == theirs_file, "the meta graph files differ"
        if options.get("save_debug_info"):
            debug = "model.debug"
            assert (ours_path.parent / debug).read_bytes() == (
                theirs_path.parent / debug
            ).read_bytes(), "the debug files differ"
        assert sorted(os.listdir(ours_path.parent)) == sorted(os.listdir(theirs_path.parent))


def _colocation_targets(node: Any) -> list[str]:
    entries = node.attr["_class"].list.s if "_class" in node.attr else []
    names = [entry.decode()[len("loc:@") :] for entry in entries]
    return [name for name in names if name != node.name]


def _devices_after_import(graph_def: Any) -> dict[str, str]:
    """The devices TensorFlow's importer gives the nodes of ``graph_def``: an op
    colocated with others loses its own device and takes the first device
    among them, in node order (importer._ProcessNewOps)."""
    devices = {
        node.name: "" if _colocation_targets(node) else node.device for node in graph_def.node
    }
    for node in graph_def.node:
        for target in _colocation_targets(node):
            if devices.get(target):
                devices[node.name] = devices[target]
                break
    return devices


def _node_summary(graph_def: Any, devices: dict[str, str]) -> dict[str, Any]:
    """What a round trip must keep of each node: op, inputs, device and
    attributes (import_meta_graph adds defaults back and drops _output_shapes)."""
    summary = {}
    for node in graph_def.node:
        attrs = {
            key: value.SerializeToString(deterministic=True)
            for key, value in node.attr.items()
            if key != "_output_shapes"
        }
        summary[node.name] = (node.op, list(node.input), devices[node.name], attrs)
    return summary


@settings_for("tensorflow")
@given(
    strategies.tf_graph_descriptions(control_flow=False),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_import_meta_graph_gives_back_the_graph(
    description: GraphDescription, clear_devices: bool, strip_defaults: bool, as_text: bool
) -> None:
    """EXP-FILE-9, and what the format is for: TensorFlow's import_meta_graph of
    our file rebuilds the graph it came from (each node's op, inputs,
    attributes with defaults put back, device unless cleared; the functions),
    and exporting the imported graph again gives the same collections."""
    built = build_tf_graph(description)
    options: dict[str, Any] = {
        "clear_devices": clear_devices,
        "strip_default_attrs": strip_defaults,
    }
    with tempfile.TemporaryDirectory(prefix="mge-tf-") as name:
        path = Path(name) / "model.meta"
        first = metagraph_export.export_meta_graph(
            str(path), graph=built.graph, as_text=as_text, **options
        )
        imported = tf.Graph()
        with imported.as_default():
            tf.compat.v1.train.import_meta_graph(str(path))
    original_def = built.graph.as_graph_def()
    if clear_devices:
        for node in original_def.node:
            node.device = ""
    original = _node_summary(original_def, _devices_after_import(original_def))
    imported_def = imported.as_graph_def()
    restored = _node_summary(imported_def, {node.name: node.device for node in imported_def.node})
    # import_meta_graph builds a Saver of its own when the graph has variables.
    added = [name for name in restored if name not in original]
    assert all(re.match(r"save(_\d+)?/", name) for name in added), added
    assert {name: restored[name] for name in original if name in restored} == original
    assert set(original) <= set(restored)
    assert sorted(f.signature.name for f in imported_def.library.function) == sorted(
        f.signature.name for f in built.graph.as_graph_def().library.function
    )
    again = metagraph_export.export_meta_graph(graph=imported, **options)
    for key in ("savers",):
        # import_meta_graph restores savers from the SaverDef; none is in a collection.
        first.collection_def.pop(key, None)
        again.collection_def.pop(key, None)
    _assert_same(_only_collections(again), _only_collections(first), "the collections")


def _only_collections(message: MetaGraphDef) -> MetaGraphDef:
    result = MetaGraphDef()
    for key, collection in message.collection_def.items():
        result.collection_def[key].CopyFrom(collection)
    return result


@settings_for("tensorflow")
@given(strategies.tf_graph_descriptions(control_flow=False), st.data())
def test_scoped_export_imports_back_into_its_scope(
    description: GraphDescription, data: st.DataObject
) -> None:
    """EXP-SCOPE, EXP-UNBOUND: exporting the name scope S/ and importing the
    result with TensorFlow under import_scope S, the unbound inputs mapped to
    the rest of the graph, rebuilds every node of the scope under its own
    name, with the same op, inputs and attributes."""
    built = build_tf_graph(description)
    scopes = [scope for scope in built.scopes if "/" not in scope]
    if not scopes:
        event("no name scope")
        return
    scope = data.draw(st.sampled_from(scopes))
    # Collections are left out: TensorFlow's import prepends the scope to every
    # bytes item, and fails on one that is not UTF-8.
    exported = metagraph_export.export_meta_graph(
        graph=built.graph, export_scope=scope + "/", collection_list=[]
    )
    rebuilt = tf.Graph()
    with rebuilt.as_default():
        tf.graph_util.import_graph_def(built.graph.as_graph_def(), name="orig")
        input_map: dict[str, Any] = {}
        for node in exported.graph_def.node:
            for name in node.input:
                if "$unbound_inputs_" not in name or name in input_map:
                    continue
                original = name.replace("$unbound_inputs_", "")
                if original.startswith("^"):
                    # A control input is remapped through a tensor of the op; an
                    # op without outputs gets a stand-in, renamed back below.
                    target = rebuilt.get_operation_by_name("orig/" + original[1:])
                    if target.outputs:
                        input_map[name] = target.outputs[0]
                    else:
                        with rebuilt.name_scope(None):
                            input_map[name] = tf.constant(0, name="standin/" + original[1:])
                else:
                    tensor = original if ":" in original else original + ":0"
                    input_map[name] = rebuilt.get_tensor_by_name("orig/" + tensor)
        meta_graph = importlib.import_module("tensorflow.python.framework.meta_graph")
        # unbound_inputs_col_name=None: TensorFlow's own check wants the keys of
        # input_map to be the exported collection, which has no control inputs
        # and repeats an input used twice.
        meta_graph.import_scoped_meta_graph(
            tf.compat.v1.MetaGraphDef.FromString(exported.SerializeToString()),
            import_scope=scope,
            input_map=input_map,
            unbound_inputs_col_name=None,
        )
    prefix = scope + "/"

    def summary(graph_def: Any, keep: Any, rename: Any) -> dict[str, Any]:
        result = {}
        for node in graph_def.node:
            if not keep(node.name):
                continue
            data_inputs = [rename(i) for i in node.input if not i.startswith("^")]
            controls = sorted("^" + rename(i[1:]) for i in node.input if i.startswith("^"))
            attrs = {
                key: value.SerializeToString(deterministic=True)
                for key, value in node.attr.items()
                if key not in ("_output_shapes", "_class")
            }
            result[node.name] = (node.op, data_inputs, controls, attrs)
        return result

    expected = summary(
        built.graph.as_graph_def(),
        lambda name: name.startswith(prefix),
        lambda name: name if name.startswith(prefix) else "orig/" + name,
    )
    actual = summary(
        rebuilt.as_graph_def(),
        lambda name: not name.startswith(("orig/", "standin/")),
        lambda name: "orig/" + name[len("standin/") :] if name.startswith("standin/") else name,
    )
    assert actual == expected
