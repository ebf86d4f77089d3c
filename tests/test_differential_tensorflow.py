"""The reference exporter against TensorFlow 2.21 itself (spec: every EXP requirement).

For every graph of ``SCOPES`` (graphs of the conformance generator,
conformance/generator/graphs.py) and every combination of options, TensorFlow's
``export_meta_graph`` and ours run on the same graph; the returned messages,
the written files (binary and text) and the debug files must be equal.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

tf = pytest.importorskip(
    "tensorflow", reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
)

import metagraph_export  # noqa: E402
from metagraph_export._tf_adapter import snapshot_from_graph  # noqa: E402
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot  # noqa: E402
from metagraph_export.tf.control_flow_pb2 import CondContextDef, WhileContextDef  # noqa: E402
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef  # noqa: E402
from metagraph_export_conformance import CONFORMANCE_DIR  # noqa: E402

sys.path.insert(0, str(CONFORMANCE_DIR))
from generator.graphs import BuiltGraph, build_unnumbered  # noqa: E402

pytestmark = pytest.mark.tensorflow

# The graphs that exercise every part of export_meta_graph, and the scopes
# worth exporting each under.
SCOPES: dict[str, list[str]] = {
    "basic": ["s", "s/", "s/inner", "a.b", "aX", "nope"],
    "variables": ["s", "s/part", "outside"],
    "savers": ["model", "keep"],
    "control_flow_v1": ["m", "m/while"],
    "queue_runner": ["s"],
    "functions": ["f"],
    "default_attrs": [],
    "collections": ["s"],
    "empty": [],
}

_CONTEXT_TYPES: dict[str, type[CondContextDef] | type[WhileContextDef]] = {
    "cond_context": CondContextDef,
    "while_context": WhileContextDef,
}


def _cases() -> Iterator[Any]:
    for name, graph_scopes in SCOPES.items():
        scopes: list[str | None] = [None, *graph_scopes]
        for scope, source, flags in itertools.product(
            scopes, ("graph", "graph_def"), itertools.product((False, True), repeat=3)
        ):
            clear_devices, clear_savers, strip_defaults = flags
            label = (
                f"{name}-{source}-scope={scope}-devices={int(clear_devices)}"
                f"-savers={int(clear_savers)}-strip={int(strip_defaults)}"
            )
            yield pytest.param(
                name, source, scope, clear_devices, clear_savers, strip_defaults, id=label
            )


def _normalized(message: MetaGraphDef) -> MetaGraphDef:
    """TensorFlow serializes the items of typed collections without sorting map
    keys (spec: implementation-defined order); compare them as messages."""
    copy = MetaGraphDef()
    copy.CopyFrom(message)
    for key, proto_type in _CONTEXT_TYPES.items():
        if key in copy.collection_def:
            values = copy.collection_def[key].bytes_list.value
            values[:] = [
                proto_type.FromString(value).SerializeToString(deterministic=True)
                for value in values
            ]
    return copy


def _ours(message: Any) -> MetaGraphDef:
    return MetaGraphDef.FromString(message.SerializeToString())


def _assert_same(ours: MetaGraphDef, theirs: MetaGraphDef) -> None:
    from google.protobuf import text_format

    a, b = _normalized(ours), _normalized(theirs)
    if a != b:
        ours_text = text_format.MessageToString(a).splitlines()
        theirs_text = text_format.MessageToString(b).splitlines()
        import difflib

        diff = "\n".join(
            itertools.islice(
                difflib.unified_diff(theirs_text, ours_text, "tensorflow", "ours", lineterm=""), 80
            )
        )
        pytest.fail(f"exports differ:\n{diff}")


def _has_contexts(message: MetaGraphDef) -> bool:
    return any(key in message.collection_def for key in _CONTEXT_TYPES)


def _collections_of(graph: Any) -> dict[Any, list[int]]:
    return {key: [id(item) for item in graph.get_collection(key)] for key in graph.collections}


def _tensorflow_export(built: BuiltGraph, **options: Any) -> Any:
    """TensorFlow rewrites the graph's unbound-inputs collection; put it back."""
    graph = built.graph
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


@pytest.mark.parametrize(
    ("graph_name", "source", "scope", "clear_devices", "clear_savers", "strip_defaults"),
    list(_cases()),
)
def test_export_matches_tensorflow(
    tmp_path: Path,
    graph_name: str,
    source: str,
    scope: str | None,
    clear_devices: bool,
    clear_savers: bool,
    strip_defaults: bool,
) -> None:
    built = build_unnumbered(graph_name)
    graph = built.graph
    if clear_savers and built.saver_def is None and graph.get_collection("savers"):
        pytest.skip("TensorFlow builds a new Saver here (spec: deliberate difference)")
    as_text = (clear_devices + clear_savers + strip_defaults) % 2 == 1
    options: dict[str, Any] = dict(
        export_scope=scope,
        clear_devices=clear_devices,
        clear_extraneous_savers=clear_savers,
        strip_default_attrs=strip_defaults,
        saver_def=built.saver_def if clear_savers else None,
        as_text=as_text,
        save_debug_info=True,
    )
    if source == "graph_def":
        options["graph_def"] = graph.as_graph_def(add_shapes=True)
    snapshot = GraphSnapshot.FromString(snapshot_from_graph(graph).SerializeToString())

    _compare_exports(tmp_path, built, snapshot, options)
    if options["save_debug_info"]:
        # Where the debug file fails, the meta graph alone must still agree.
        _compare_exports(
            tmp_path / "no_debug", built, snapshot, {**options, "save_debug_info": False}
        )


def _compare_exports(
    tmp_path: Path, built: BuiltGraph, snapshot: GraphSnapshot, options: dict[str, Any]
) -> None:
    as_text = options["as_text"]
    theirs_path = tmp_path / "tf" / "model.meta"
    ours_path = tmp_path / "ours" / "model.meta"
    try:
        theirs = _tensorflow_export(built, filename=str(theirs_path), **options)
    except Exception as failure:
        # Where TensorFlow fails, the reference must fail with a typed error,
        # and, unlike TensorFlow, before writing anything (spec EXP-FILE-3).
        with pytest.raises(metagraph_export.ExportError) as raised:
            metagraph_export.export_meta_graph(filename=str(ours_path), graph=snapshot, **options)
        assert not ours_path.parent.exists() or not os.listdir(ours_path.parent)
        print(f"both fail: tensorflow {failure!r}; ours {raised.value!r}")
        return
    ours = metagraph_export.export_meta_graph(filename=str(ours_path), graph=snapshot, **options)

    _assert_same(ours, _ours(theirs))
    theirs_bytes, ours_bytes = theirs_path.read_bytes(), ours_path.read_bytes()
    if not _has_contexts(ours):
        assert ours_bytes == theirs_bytes
    else:
        from metagraph_export._codec import parse_message

        fmt = "text" if as_text else "binary"
        _assert_same(
            parse_message(ours_bytes, MetaGraphDef, "ours", fmt),
            parse_message(theirs_bytes, MetaGraphDef, "tensorflow", fmt),
        )
    if options["save_debug_info"]:
        assert (ours_path.parent / "model.debug").read_bytes() == (
            theirs_path.parent / "model.debug"
        ).read_bytes()
    assert sorted(os.listdir(ours_path.parent)) == sorted(os.listdir(theirs_path.parent))


@pytest.mark.parametrize("graph_name", sorted(SCOPES))
@pytest.mark.parametrize(
    "collection_list", [None, [], ["variables", "no_such_key", "tensors", "ints"]]
)
@pytest.mark.parametrize("unbound_name", ["unbound_inputs", None, "custom"])
def test_collection_options_match_tensorflow(
    graph_name: str, collection_list: list[str] | None, unbound_name: str | None
) -> None:
    built = build_unnumbered(graph_name)
    scope = SCOPES[graph_name][0] if SCOPES[graph_name] else None
    options: dict[str, Any] = dict(
        export_scope=scope,
        collection_list=collection_list,
        unbound_inputs_col_name=unbound_name,
    )
    before = _collections_of(built.graph)
    ours = metagraph_export.export_meta_graph(graph=built.graph, **options)
    assert _collections_of(built.graph) == before, "the caller's graph must not change"
    theirs = _tensorflow_export(built, **options)
    _assert_same(ours, _ours(theirs))


def test_meta_info_def_and_graph_unchanged() -> None:
    built = build_unnumbered("variables")
    info = tf.compat.v1.MetaGraphDef.MetaInfoDef(meta_graph_version="v7", tags=["serve", "train"])
    info.any_info.Pack(tf.compat.v1.GraphOptions(build_cost_model=2))
    before = _collections_of(built.graph)
    ours_info = type(info)()
    ours_info.CopyFrom(info)
    ours = metagraph_export.export_meta_graph(
        graph=built.graph, meta_info_def=ours_info, export_scope="s", clear_devices=True
    )
    assert ours_info == info, "the caller's meta_info_def must not change"
    assert _collections_of(built.graph) == before, "the caller's graph must not change"
    theirs = _tensorflow_export(built, meta_info_def=info, export_scope="s", clear_devices=True)
    _assert_same(ours, _ours(theirs))
