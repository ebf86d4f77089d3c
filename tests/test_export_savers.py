"""clear_extraneous_savers (EXP-SAVERS)."""

from __future__ import annotations

from _graphs import export, names, rich_saver_def, rich_snapshot, unpack
from metagraph_export.tf.saver_pb2 import SaverDef


def test_clear_extraneous_savers_keeps_the_scopes_of_saver_def() -> None:
    """EXP-SAVERS-4, EXP-SAVERS-5, EXP-SAVERS-6: the nodes of savers other than saver_def's are left
    out, and the savers collection holds saver_def alone."""
    result = export(graph=rich_snapshot(), clear_extraneous_savers=True, saver_def=rich_saver_def())
    exported = names(result.meta_graph_def.graph_def)
    assert "save_1/SaveV2" not in exported
    assert {"save/Const", "save/SaveV2", "save/restore_all"} <= set(exported)
    assert unpack(result.meta_graph_def.collection_def["savers"], SaverDef) == [rich_saver_def()]
    assert result.meta_graph_def.saver_def == rich_saver_def()


def test_clear_extraneous_savers_without_saver_def_removes_every_saver_scope() -> None:
    """EXP-SAVERS-4, EXP-SAVERS-5, EXP-SAVERS-6: without saver_def every saver scope is extraneous;
    with no savers key, no savers collection is made."""
    snapshot = rich_snapshot()
    del snapshot.collections[1]  # savers
    result = export(graph=snapshot, clear_extraneous_savers=True)
    assert [
        name for name in names(result.meta_graph_def.graph_def) if name.startswith("save")
    ] == []
    assert "savers" not in result.meta_graph_def.collection_def


def test_clear_extraneous_savers_without_saver_def_when_savers_are_not_exported() -> None:
    """EXP-SAVERS-6, EXP-SAVERS-7: without saver_def the export succeeds when the savers key is not
    exported."""
    result = export(
        graph=rich_snapshot(), clear_extraneous_savers=True, collection_list=["variables"]
    )
    assert sorted(result.meta_graph_def.collection_def) == ["variables"]


def test_clear_extraneous_savers_without_a_savers_collection_exports_none() -> None:
    """EXP-SAVERS-8: when the savers key is not exported, saver_def makes no savers collection and
    is still set."""
    snapshot = rich_snapshot()
    del snapshot.collections[1]
    result = export(graph=snapshot, clear_extraneous_savers=True, saver_def=rich_saver_def())
    assert "savers" not in result.meta_graph_def.collection_def
    assert result.meta_graph_def.HasField("saver_def")
