"""meta_info_def and saver_def (EXP-INFO)."""

from __future__ import annotations

import metagraph_export
from _graphs import export, graph_of, op_list, rich_meta_info_def, rich_saver_def
from metagraph_export.tf.saver_pb2 import SaverDef


def test_meta_info_def_is_kept_and_versions_are_set() -> None:
    """EXP-INFO-1, EXP-INFO-2, EXP-INFO-3, EXP-OPS-1: the caller's meta_info_def is copied with the
    registry's version strings, and stripped_op_list is computed when it holds no op."""
    registry = metagraph_export.default_registry()
    info = rich_meta_info_def()
    info.tensorflow_version = "0.0"
    result = export(graph=graph_of(("n", "NoOp", [])), meta_info_def=info)
    exported = result.meta_graph_def.meta_info_def
    assert exported.tensorflow_version == registry.tensorflow_version == "2.21.0"
    assert exported.tensorflow_git_version == registry.tensorflow_git_version
    assert exported.meta_graph_version == "v1"
    assert list(exported.tags) == ["serve"]
    assert exported.any_info == info.any_info
    assert op_list(result.meta_graph_def) == ["NoOp"]


def test_saver_def_is_set_only_when_given() -> None:
    """EXP-INFO-4: saver_def is present, as a copy, exactly when given (an empty SaverDef too)."""
    snapshot = graph_of(("n", "NoOp", []))
    assert not export(graph=snapshot).meta_graph_def.HasField("saver_def")
    empty = export(graph=snapshot, saver_def=SaverDef()).meta_graph_def
    assert empty.HasField("saver_def")
    assert empty.saver_def == SaverDef()
    given = rich_saver_def()
    assert export(graph=snapshot, saver_def=given).meta_graph_def.saver_def == given
