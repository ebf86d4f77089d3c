"""The exporter as a whole: purity and determinism (EXP-ARGS, EXP-ALGO), and the files it
writes (EXP-FILE, EXP-ENC)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import metagraph_export
import pytest
from _graphs import (
    add_collection,
    export,
    graph_of,
    rich_meta_info_def,
    rich_saver_def,
    rich_snapshot,
    serialized,
)
from google.protobuf import message as _message
from metagraph_export import GraphSnapshot
from metagraph_export._codec import parse_message
from metagraph_export._pool import to_text
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem
from metagraph_export.tf.control_flow_pb2 import CondContextDef
from metagraph_export.tf.graph_debug_info_pb2 import GraphDebugInfo
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.saver_pb2 import SaverDef

_OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"export_scope": "s"},
    {"clear_devices": True, "strip_default_attrs": True},
    {"clear_extraneous_savers": True, "export_scope": "s/", "unbound_inputs_col_name": None},
    {"as_text": True, "save_debug_info": True, "collection_list": ["strings", "variables"]},
]


@pytest.mark.parametrize("options", _OPTION_SETS, ids=lambda options: ",".join(options) or "none")
@pytest.mark.parametrize("with_graph_def", [False, True], ids=["snapshot", "graph_def"])
def test_export_changes_none_of_its_arguments(
    tmp_path: Path, options: dict[str, Any], with_graph_def: bool
) -> None:
    """EXP-ARGS-11: an export changes none of its arguments, and its result shares nothing with
    them."""
    snapshot = rich_snapshot()
    graph_def = GraphDef()
    graph_def.CopyFrom(snapshot.graph_def)
    info, saver_def = rich_meta_info_def(), rich_saver_def()
    arguments: list[_message.Message] = [snapshot, graph_def, info, saver_def]
    before = [serialized(argument) for argument in arguments]
    present = [sorted(field.name for field, _ in argument.ListFields()) for argument in arguments]

    result = export(
        filename=str(tmp_path / "model.meta"),
        graph=snapshot,
        graph_def=graph_def if with_graph_def else None,
        meta_info_def=info,
        saver_def=saver_def,
        **options,
    )

    assert [serialized(argument) for argument in arguments] == before
    assert [sorted(field.name for field, _ in argument.ListFields()) for argument in arguments] == (
        present
    )
    # The result shares nothing with the arguments: changing it changes none of them.
    result.meta_graph_def.graph_def.node[0].name = "changed"
    result.meta_graph_def.meta_info_def.tags.append("changed")
    result.meta_graph_def.saver_def.version = SaverDef.V1
    assert [serialized(argument) for argument in arguments] == before


@pytest.mark.parametrize("options", _OPTION_SETS, ids=lambda options: ",".join(options) or "none")
def test_two_exports_give_identical_files(tmp_path: Path, options: dict[str, Any]) -> None:
    """EXP-ALGO-3: two exports with equal inputs give byte-identical files."""
    first, second = (
        export(
            filename=str(tmp_path / directory / "m.meta"),
            graph=rich_snapshot(),
            saver_def=rich_saver_def(),
            meta_info_def=rich_meta_info_def(),
            **options,
        )
        for directory in ("a", "b")
    )
    assert serialized(first.meta_graph_def) == serialized(second.meta_graph_def)
    for name in os.listdir(tmp_path / "a"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_output_does_not_depend_on_insertion_order_of_maps(tmp_path: Path) -> None:
    """EXP-COLL-22, EXP-COLL-14, EXP-ENC-5: collections and ValuesDef.external_values (which
    TensorFlow serializes in hash order; the reference encodes typed items canonically) come out the
    same whatever order they were built in."""

    def build(order: Sequence[str]) -> GraphSnapshot:
        snapshot = graph_of(("n", "NoOp", []))
        context = CondContextDef(context_name="c", pred_name="p:0", pivot_name="q:0")
        for key in order:
            context.values_def.external_values[key] = key + "_value"
        for key in order:
            add_collection(snapshot, key, CollectionItem(int64_value=len(key)))
            snapshot.output_shapes[key].shape.add()
        add_collection(snapshot, "cond_context", CollectionItem(cond_context=context))
        return snapshot

    keys = [f"k{index}" for index in range(12)]
    forward = export(filename=str(tmp_path / "f.meta"), graph=build(keys))
    backward = export(filename=str(tmp_path / "b.meta"), graph=build(list(reversed(keys))))
    assert (tmp_path / "f.meta").read_bytes() == (tmp_path / "b.meta").read_bytes()
    assert serialized(forward.meta_graph_def) == serialized(backward.meta_graph_def)


@pytest.mark.parametrize("save_debug_info", [False, True])
def test_binary_file_text_file_and_result_agree(tmp_path: Path, save_debug_info: bool) -> None:
    """EXP-FILE-2, EXP-FILE-9, EXP-ENC-16, EXP-DEBUG-1, EXP-DEBUG-2, EXP-DEBUG-3, EXP-ALGO-2: the
    binary and the text file hold the returned message (packed Anys expanded in text); the debug
    file is written beside the meta file, in its encoding; the result lists the files, meta file
    first."""
    snapshot = rich_snapshot()
    binary = export(
        filename=str(tmp_path / "bin" / "m.meta"), graph=snapshot, save_debug_info=save_debug_info
    )
    text = export(
        filename=str(tmp_path / "txt" / "m.meta"),
        graph=snapshot,
        as_text=True,
        save_debug_info=save_debug_info,
    )
    returned = binary.meta_graph_def
    assert text.meta_graph_def == returned
    assert (tmp_path / "bin" / "m.meta").read_bytes() == serialized(returned)
    written_text = (tmp_path / "txt" / "m.meta").read_text("utf-8")
    assert written_text == to_text(returned)
    assert parse_message(written_text.encode(), MetaGraphDef, "m.meta", "text") == returned
    # Packed Any contents are expanded in text, as TensorFlow prints them.
    assert "[type.googleapis.com/tensorflow.SaverDef]" in written_text
    files = ["m.debug", "m.meta"] if save_debug_info else ["m.meta"]
    assert sorted(os.listdir(tmp_path / "bin")) == files
    assert sorted(os.listdir(tmp_path / "txt")) == files
    if save_debug_info:
        assert binary.debug_info is not None
        assert (tmp_path / "bin" / "m.debug").read_bytes() == serialized(binary.debug_info)
        debug_text = (tmp_path / "txt" / "m.debug").read_bytes()
        assert parse_message(debug_text, GraphDebugInfo, "m.debug", "text") == binary.debug_info
        assert binary.files == (str(tmp_path / "bin" / "m.meta"), str(tmp_path / "bin" / "m.debug"))
    else:
        assert binary.debug_info is None
        assert binary.files == (str(tmp_path / "bin" / "m.meta"),)


def test_without_filename_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EXP-FILE-1, EXP-ARGS-7: without a filename, or with an empty one, nothing is written."""
    monkeypatch.chdir(tmp_path)
    for filename in (None, ""):
        result = export(filename=filename, graph=rich_snapshot())
        assert result.files == ()
    assert os.listdir(tmp_path) == []


def test_export_meta_graph_returns_the_message_of_export(tmp_path: Path) -> None:
    """EXP-FILE-2: export_meta_graph writes and returns the message that export builds."""
    snapshot = rich_snapshot()
    message = metagraph_export.export_meta_graph(
        str(tmp_path / "m.meta"), graph=snapshot, export_scope="s", clear_devices=True
    )
    result = export(graph=snapshot, export_scope="s", clear_devices=True)
    assert message == result.meta_graph_def
    assert (tmp_path / "m.meta").read_bytes() == serialized(message)


def test_path_like_filename(tmp_path: Path) -> None:
    """EXP-ARGS-7, EXP-FILE-2, EXP-FILE-3: a path object is accepted as filename; its missing parent
    directory is created."""
    result = export(filename=tmp_path / "p" / "m.meta", graph=rich_snapshot())
    assert (tmp_path / "p" / "m.meta").read_bytes() == serialized(result.meta_graph_def)
