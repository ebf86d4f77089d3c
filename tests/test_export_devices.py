"""clear_devices (EXP-DEV)."""

from __future__ import annotations

import pytest
from _graphs import export, rich_snapshot


@pytest.mark.parametrize("with_graph_def", [False, True], ids=["snapshot", "graph_def"])
def test_clear_devices_clears_top_level_nodes_only(with_graph_def: bool) -> None:
    """EXP-DEV-1, EXP-DEV-3: clear_devices clears the devices of top-level nodes, never those in
    function bodies."""
    snapshot = rich_snapshot()
    result = export(
        graph=snapshot,
        graph_def=snapshot.graph_def if with_graph_def else None,
        clear_devices=True,
    )
    graph_def = result.meta_graph_def.graph_def
    assert {node.device for node in graph_def.node} == {""}
    assert [node.device for node in graph_def.library.function[0].node_def] == ["/device:GPU:0"]
    kept = export(graph=snapshot).meta_graph_def.graph_def
    assert {node.device for node in kept.node} == {"/job:w/device:CPU:0"}
