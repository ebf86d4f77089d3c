"""The properties catch a broken exporter.

Each test breaks the reference exporter in one way (a monkeypatch that makes
it do what an implementer might plausibly get wrong), then asks Hypothesis
for an example on which the property that should notice fails. The example
must exist, and must shrink to something small enough to read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, settings
from metagraph_export import _exporter, _nodes, _scope
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.testing import _checks as checks
from metagraph_export.testing import strategies
from metagraph_export.tf.node_def_pb2 import NodeDef

# The breakages patch the Python stages, which the native backend would bypass.
pytestmark = pytest.mark.usefixtures("python_backend")

Case = tuple[GraphSnapshot, dict[str, Any]]
Check = Callable[[GraphSnapshot, dict[str, Any]], None]

_SEARCH = settings(
    max_examples=2000,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.generate, Phase.shrink],
)


def _failure(check: Check, *, shrink: bool = False, **snapshot_options: Any) -> Case:
    """A case on which ``check`` fails (raises AssertionError), the smallest one
    when ``shrink``, among snapshots drawn with ``snapshot_options`` (leaving
    out the parts a breakage cannot show in keeps the search short).
    Shrinking costs seconds per breakage, so only a few tests ask for it."""

    def fails(case: Case) -> bool:
        try:
            check(*case)
        except AssertionError:
            return True
        return False

    cases = strategies.snapshots_and_options(**snapshot_options)
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    return find(cases, fails, settings=settings(_SEARCH, phases=phases))


_NODES_ONLY = {"functions": False, "collections": False, "clusters": False}


def _assert_small(case: Case, max_nodes: int = 6) -> None:
    snapshot, _ = case
    assert len(snapshot.graph_def.node) <= max_nodes, snapshot


def _wrap_rewrite(
    monkeypatch: pytest.MonkeyPatch, after: Callable[[NodeDef, NodeDef, Any, bool], None]
) -> None:
    original = _nodes.rewrite_node

    def broken(node: NodeDef, scope: Any, unbound: list[str], clear_devices: bool) -> None:
        # The node is rewritten in place: keep what it was for the breakage.
        source = NodeDef()
        source.CopyFrom(node)
        original(node, scope, unbound, clear_devices)
        after(source, node, scope, clear_devices)

    monkeypatch.setattr(_exporter, "rewrite_node", broken)


def test_devices_left_in_place_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def keep_device(source: NodeDef, node: NodeDef, scope: Any, clear: bool) -> None:
        node.device = source.device

    _wrap_rewrite(monkeypatch, keep_device)
    snapshot, options = _failure(checks.check_clear_devices, shrink=True, **_NODES_ONLY)
    assert any(node.device for node in snapshot.graph_def.node)
    _assert_small((snapshot, options), max_nodes=1)


def test_devices_cleared_inside_functions_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = _exporter.build

    def clearing_function_devices(request: Any) -> Any:
        built = original(request)
        if request.clear_devices:
            for function in built.meta_graph_def.graph_def.library.function:
                for node in function.node_def:
                    node.device = ""
        return built

    monkeypatch.setattr(_exporter, "build", clearing_function_devices)
    monkeypatch.setattr("metagraph_export._pipeline.build", clearing_function_devices)
    snapshot, _ = _failure(checks.check_clear_devices, collections=False, clusters=False)
    assert any(n.device for f in snapshot.graph_def.library.function for n in f.node_def)


def test_control_inputs_left_unrenamed_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def keep_controls(source: NodeDef, node: NodeDef, scope: Any, clear: bool) -> None:
        for index, name in enumerate(source.input):
            if name.startswith("^"):
                node.input[index] = name

    _wrap_rewrite(monkeypatch, keep_controls)
    for check in (checks.check_scope, checks.check_unbound_inputs):
        snapshot, options = _failure(check, shrink=check is checks.check_scope, **_NODES_ONLY)
        assert options.get("export_scope")
        assert any(i.startswith("^") for n in snapshot.graph_def.node for i in n.input)
        if check is checks.check_scope:
            _assert_small((snapshot, options), max_nodes=3)


def test_path_segment_scope_test_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scope that selects whole path segments ("s" does not select "s_1/x")
    is what the name suggests, and not what TensorFlow does."""

    def segment(self: _scope.Scope, name: str) -> bool:
        text = self.text or ""
        return not text or name == text.rstrip("/") or name.startswith(text.rstrip("/") + "/")

    monkeypatch.setattr(_scope.Scope, "contains", segment)
    snapshot, options = _failure(checks.check_scope, **_NODES_ONLY)
    scope = options["export_scope"]
    assert any(
        n.name.startswith(scope) and not n.name.startswith(scope.rstrip("/") + "/")
        for n in snapshot.graph_def.node
    ), "the failure must involve a node selected by prefix only"


def test_unbound_control_entries_exported_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeping "^$unbound_inputs_x" entries in the exported collection."""
    import metagraph_export._collections as collections

    original = collections.should_include

    def lenient(name: str, scope: Any, exclude: frozenset[str]) -> bool:
        return name.startswith("^$unbound_inputs_") or original(name, scope, exclude)

    monkeypatch.setattr(collections, "should_include", lenient)
    snapshot, options = _failure(checks.check_unbound_inputs, **_NODES_ONLY)
    assert options.get("export_scope")
    assert any(i.startswith("^") for n in snapshot.graph_def.node for i in n.input)


def test_stripping_every_default_named_attribute_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_exporter, "attr_values_equal", lambda a, b: True)
    snapshot, options = _failure(checks.check_strip_default_attrs, shrink=True, **_NODES_ONLY)
    _assert_small((snapshot, options), max_nodes=3)


def test_byte_compared_defaults_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comparing attributes by their encoding misses tensors encoded otherwise."""

    def by_bytes(a: Any, b: Any) -> bool:
        return bool(
            a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)
        )

    monkeypatch.setattr(_exporter, "attr_values_equal", by_bytes)
    snapshot, _ = _failure(checks.check_strip_default_attrs, **_NODES_ONLY)
    assert any(v.HasField("tensor") for n in snapshot.graph_def.node for v in n.attr.values())


def test_functions_not_followed_for_the_op_list_are_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_exporter, "_CALL_OPS", ())
    snapshot, _ = _failure(checks.check_stripped_op_list, collections=False, clusters=False)
    assert snapshot.graph_def.library.function


def test_a_modified_argument_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = _exporter.build

    def consuming(request: Any) -> Any:
        built = original(request)
        request.snapshot.ClearField("stack_traces")
        return built

    monkeypatch.setattr("metagraph_export._pipeline.build", consuming)
    snapshot, _ = _failure(checks.check_pure, **_NODES_ONLY)
    # The example is the object the broken exporter emptied: no traces left.
    assert not snapshot.stack_traces


def test_unstripped_collection_names_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import metagraph_export._collections as collections

    original = collections._variable_to_proto

    def unstripped(variable: Any, scope: Any) -> Any:
        proto = original(variable, scope)
        if proto is not None:
            proto.snapshot_name = variable.snapshot_name
        return proto

    monkeypatch.setitem(collections._TO_PROTO, "variable", unstripped)
    snapshot, options = _failure(checks.check_collections, functions=False)
    assert options.get("export_scope")
    assert any(c.key.endswith("variables") for c in snapshot.collections)
