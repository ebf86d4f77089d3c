"""Diagnostics (EXP-DIAG)."""

from __future__ import annotations

import logging

import pytest
from _graphs import add_collection, export, graph_of, rich_snapshot
from metagraph_export import GraphSnapshot, InvalidArgumentError
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem


def _diagnostic_snapshot() -> GraphSnapshot:
    snapshot = graph_of(("n", "UnregisteredOp", []))
    snapshot.non_string_collection_keys.extend(["7", "b'bytes'"])
    add_collection(snapshot, "bad", CollectionItem(int64_value=1), CollectionItem(bool_value=True))
    add_collection(snapshot, "good", CollectionItem(int64_value=1))
    return snapshot


def test_diagnostics_are_returned_in_order() -> None:
    """EXP-ALGO-1, EXP-DIAG-1, EXP-DIAG-2, EXP-DIAG-3, EXP-DIAG-4, EXP-DIAG-5, EXP-DEBUG-9:
    diagnostics are returned in the order of the steps that emit them."""
    result = export(graph=_diagnostic_snapshot(), save_debug_info=True)
    assert [(d.code, d.subject) for d in result.diagnostics] == [
        ("COLLECTION_KEY_NOT_STRING", "7"),
        ("COLLECTION_KEY_NOT_STRING", "b'bytes'"),
        ("OP_NOT_REGISTERED", "UnregisteredOp"),
        ("COLLECTION_DROPPED", "bad"),
        ("DEBUG_INFO_NOT_WRITTEN", ""),
    ]
    messages = [d.message for d in result.diagnostics]
    assert "7" in messages[0]
    assert "'UnregisteredOp'" in messages[2]
    assert "'bad'" in messages[3] and "bool" in messages[3]
    assert "filename" in messages[4]
    assert sorted(result.meta_graph_def.collection_def) == ["good"]


def test_a_clean_export_has_no_diagnostics(caplog: pytest.LogCaptureFixture) -> None:
    """EXP-DIAG-1, EXP-DIAG-3: an export with nothing to report returns no diagnostic but those of
    non-string keys, and logs nothing."""
    caplog.set_level(logging.DEBUG, logger="metagraph_export")
    result = export(graph=rich_snapshot(), export_scope="s")
    assert [d.code for d in result.diagnostics] == ["COLLECTION_KEY_NOT_STRING"]
    snapshot = rich_snapshot()
    snapshot.ClearField("non_string_collection_keys")
    caplog.clear()
    assert export(graph=snapshot).diagnostics == ()
    assert caplog.records == []


def test_diagnostics_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    """EXP-DIAG-1: the reference logs each diagnostic it returns (logging is
    implementation-defined), warnings as warnings."""
    caplog.set_level(logging.DEBUG, logger="metagraph_export")
    result = export(graph=_diagnostic_snapshot(), save_debug_info=True)
    records = [record for record in caplog.records if record.name == "metagraph_export"]
    assert [record.getMessage() for record in records] == [d.message for d in result.diagnostics]
    levels = {d.code: record.levelno for d, record in zip(result.diagnostics, records, strict=True)}
    for code in ("COLLECTION_DROPPED", "OP_NOT_REGISTERED", "DEBUG_INFO_NOT_WRITTEN"):
        assert levels[code] == logging.WARNING
    assert levels["COLLECTION_KEY_NOT_STRING"] <= logging.WARNING


def test_a_failed_export_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """EXP-SCOPE-15, EXP-ALGO-2: a failed export (a scope that is no valid pattern, checked against
    variables) logs none of the diagnostics it had emitted."""
    caplog.set_level(logging.DEBUG, logger="metagraph_export")
    snapshot = _diagnostic_snapshot()
    add_collection(snapshot, "variables")
    with pytest.raises(InvalidArgumentError):
        export(graph=snapshot, export_scope="a(")
    assert caplog.records == []
