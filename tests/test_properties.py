"""Properties of the reference exporter on generated graph snapshots (spec/export.md).

Hypothesis generates valid snapshots and export options
(:mod:`metagraph_export.testing.strategies`); each test states one
requirement of the specification as a property and checks it with the
oracles of ``metagraph_export.testing._oracles``, which restate TensorFlow
2.21's behaviour independently of the exporter. Profiles: see
:mod:`metagraph_export.testing.profiles` (``ci`` unless told otherwise).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.testing import _checks as checks
from metagraph_export.testing import strategies
from metagraph_export.testing.profiles import settings_for

Case = tuple[GraphSnapshot, dict[str, Any]]

CASES = strategies.snapshots_and_options()
FILE_CASES = strategies.snapshots_and_options(files=True)


@contextmanager
def _directory() -> Iterator[Path]:
    """A fresh directory per example (pytest's tmp_path is one per test)."""
    with tempfile.TemporaryDirectory(prefix="mge-prop-") as name:
        yield Path(name)


@settings_for("slow")
@given(FILE_CASES)
def test_export_is_deterministic(case: Case) -> None:
    """EXP-ALGO-3: the same input gives the same message, diagnostics and file bytes."""
    with _directory() as directory:
        checks.check_deterministic(*case, directory)


@settings_for("fast")
@given(FILE_CASES)
def test_export_changes_no_argument(case: Case) -> None:
    """EXP-ARGS-11: the export modifies none of its arguments: the snapshot,
    graph_def, meta_info_def, saver_def and collection_list serialize the same after."""
    checks.check_pure(*case)


@settings_for("slow")
@given(FILE_CASES)
def test_files_and_message_agree(case: Case) -> None:
    """EXP-FILE-2, EXP-FILE-9: the binary file, the text file and the returned
    message are the same MetaGraphDef (up to NaN payloads); EXP-DEBUG-1 to
    EXP-DEBUG-5: the debug file holds the returned debug info, one entry
    "<full name>@" per exported node with a stack trace, with its frames."""
    with _directory() as directory:
        checks.check_files_agree(*case, directory)


@settings_for("fast")
@given(CASES)
def test_exported_nodes_are_the_scope_stripped(case: Case) -> None:
    """EXP-SCOPE-1 to EXP-SCOPE-3, EXP-SCOPE-8 to EXP-SCOPE-13, EXP-GRAPH-3 to
    EXP-GRAPH-10: every exported node comes from the scope (a plain prefix
    test), in graph order, and every name, input, colocation entry and frame
    name is stripped as TensorFlow's strip_name_scope does (the scope as a
    regular expression); nothing else changes; the library is exported whole."""
    checks.check_scope(*case)


@settings_for("fast")
@given(CASES)
def test_unbound_inputs_are_the_inputs_leaving_the_scope(case: Case) -> None:
    """EXP-SCOPE-9, EXP-SCOPE-10, EXP-UNBOUND-1 to EXP-UNBOUND-5: exactly the
    inputs that leave the scope are renamed and collected, in order,
    duplicates kept; control-input entries are filtered out of the exported
    collection, as in TensorFlow."""
    checks.check_unbound_inputs(*case)


@settings_for("fast")
@given(CASES)
def test_clear_devices_clears_top_level_devices_only(case: Case) -> None:
    """EXP-DEV-1 to EXP-DEV-3: clear_devices leaves no device on a top-level
    node and changes nothing else (function bodies keep theirs) beyond taking
    the rewriting path."""
    checks.check_clear_devices(*case)


@settings_for("fast")
@given(CASES)
def test_strip_default_attrs_removes_exactly_the_defaults(case: Case) -> None:
    """EXP-STRIP-1 to EXP-STRIP-4 (and EXP-STRIP-6, EXP-STRIP-8 for tensors):
    exactly the attributes equal to the op's registered default are removed
    (equal as TensorFlow compares: tensors by value); re-adding the defaults
    restores the unstripped export."""
    checks.check_strip_default_attrs(*case)


@settings_for("fast")
@given(CASES)
def test_stripped_op_list_is_the_registered_ops_used(case: Case) -> None:
    """EXP-OPS-1 to EXP-OPS-5: stripped_op_list is exactly the registered ops
    used by the exported graph and the functions it reaches (by op name or a
    call's ``f``), sorted, with their registered OpDefs."""
    checks.check_stripped_op_list(*case)


@settings_for("fast")
@given(CASES)
def test_collections_follow_the_nodes(case: Case) -> None:
    """EXP-COLL-1 to EXP-COLL-21, EXP-SAVERS-5, EXP-SAVERS-6: collections are
    filtered by the scope and stripped consistently with the nodes; typed
    items keep only objects of the scope; a collection whose items its list
    kind cannot hold is dropped."""
    checks.check_collections(*case)


@settings_for("slow")
@given(FILE_CASES)
def test_failures_are_exactly_the_specified_ones(case: Case) -> None:
    """EXP-ERR-2 (EXP-GRAPH-7, EXP-SCOPE-12 to EXP-SCOPE-14, EXP-SAVERS-7,
    EXP-DEBUG-4), EXP-FILE-6: an export fails exactly where the specification
    says, with InvalidArgumentError, and leaves an existing file untouched."""
    with _directory() as directory:
        checks.check_failures(*case, directory)


_DIGEST_SCRIPT = """
import hashlib, sys
import metagraph_export
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
for path in sys.argv[1:]:
    snapshot = GraphSnapshot.FromString(open(path, "rb").read())
    for options in ({}, {"export_scope": "s", "clear_devices": True, "strip_default_attrs": True}):
        try:
            message = metagraph_export.export_meta_graph(graph=snapshot, **options)
            digest = hashlib.sha256(message.SerializeToString(deterministic=True)).hexdigest()
        except metagraph_export.ExportError as error:
            digest = type(error).__name__
        print(digest)
"""


def _digests(paths: list[str], hash_seed: str) -> list[str]:
    environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
    completed = subprocess.run(
        [sys.executable, "-c", _DIGEST_SCRIPT, *paths],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=True,
    )
    return completed.stdout.split()


@settings_for("process")
@given(st.lists(strategies.graph_snapshots(), min_size=1, max_size=8))
def test_export_is_deterministic_across_processes(snapshots: list[GraphSnapshot]) -> None:
    """EXP-ALGO-3: processes with different hash seeds (so different set and dict
    orders) export the same snapshots to the same bytes."""
    with _directory() as directory:
        paths = []
        for index, snapshot in enumerate(snapshots):
            path = directory / f"{index}.binpb"
            path.write_bytes(snapshot.SerializeToString(deterministic=True))
            paths.append(str(path))
        assert _digests(paths, "1") == _digests(paths, "2")


_FEATURES: dict[str, Any] = {
    "a regex-like scope (a.) next to a node it matches only as a pattern (aXb/...)": lambda s, o: (
        o.get("export_scope", "").startswith("a")
        and any(n.name.startswith("aXb/") for n in s.graph_def.node)
    ),
    "a scope that is a string prefix of another (s of s_1)": lambda s, o: (
        o.get("export_scope") == "s" and any(n.name.startswith("s_1/") for n in s.graph_def.node)
    ),
    "control inputs": lambda s, o: any(
        i.startswith("^") for n in s.graph_def.node for i in n.input
    ),
    "operation inputs in creation order": lambda s, o: len(s.operation_inputs) > 0,
    "colocation": lambda s, o: any("_class" in n.attr for n in s.graph_def.node),
    "an Enter frame": lambda s, o: any("frame_name" in n.attr for n in s.graph_def.node),
    "a saver_def for clear_extraneous_savers": lambda s, o: "saver_def" in o,
    "nested function calls": lambda s, o: any(
        n.op in ("PartitionedCall", "StatefulPartitionedCall")
        for f in s.graph_def.library.function
        for n in f.node_def
    ),
    "an attribute equal to its default": lambda s, o: any(
        n.op == "DefaultAttrs" and "int_val" in n.attr and n.attr["int_val"].i == 123
        for n in s.graph_def.node
    ),
    "a variable collection": lambda s, o: any(c.key == "variables" for c in s.collections),
    "a while context": lambda s, o: any(c.key == "while_context" for c in s.collections),
    "a NaN in a collection": lambda s, o: any(
        i.float_value != i.float_value for c in s.collections for i in c.items
    ),
    "graph_def=": lambda s, o: "graph_def" in o,
}


def test_strategies_cover_what_they_promise() -> None:
    """The generated cases do contain what makes the properties meaningful
    (colliding and regex-like scopes, control inputs, savers, defaults, nested
    calls...), over a fixed sample, so that a strategy that stops generating
    one of them is noticed."""
    from hypothesis import Phase, settings

    seen: set[str] = set()

    @settings(max_examples=300, derandomize=True, database=None, phases=[Phase.generate])
    @given(strategies.snapshots_and_options())
    def sample(case: Case) -> None:
        seen.update(label for label, has in _FEATURES.items() if has(*case))

    sample()
    assert not set(_FEATURES) - seen, f"never generated: {sorted(set(_FEATURES) - seen)}"
