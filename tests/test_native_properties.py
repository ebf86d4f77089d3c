"""The native backend against the Python reference on generated snapshots.

For every snapshot and options Hypothesis draws
(:func:`metagraph_export.testing.strategies.snapshots_and_options`), the
export through ``backend="python"`` and through ``backend="native"`` must
agree exactly: the message's deterministic bytes, the meta graph file's bytes
in binary and in text format, the debug file, the debug info, the
diagnostics (code, severity, subject, message), or, where the export fails,
the exception's class and message and the untouched output directory; and
the same for the file contents asked for without a filename (the gRPC
service's export).
Profiles: see :mod:`metagraph_export.testing.profiles` (``ci`` unless told
otherwise). Skipped when the extension is not installed.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from metagraph_export import ExportError, _api, _pipeline
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.testing import strategies
from metagraph_export.testing.profiles import settings_for

native: Any = pytest.importorskip(
    "metagraph_export_native",
    reason="the native extension is not installed (pip install ./native/python)",
)

Case = tuple[GraphSnapshot, dict[str, Any]]
# An outcome, comparable with ==: what the export returned and wrote, or how it failed.
Outcome = tuple[Any, ...]


class _NativeCalls:
    """Counts the extension's exports and declines (a non-portable scope,
    EXP-SCOPE-7), and keeps the severities it gave, which the package's
    Diagnostic derives from the code rather than carries."""

    def __init__(self, export: Any) -> None:
        self._export = export
        self.declined = 0
        self.severities: list[list[str]] = []

    def __call__(self, *arguments: Any, **options: Any) -> Any:
        try:
            result = self._export(*arguments, **options)
        except native.Unsupported:
            self.declined += 1
            raise
        self.severities.append([severity for _, severity, _, _ in result.diagnostics])
        return result


# EXP-SCOPE-4: S' (S without one trailing "/") is literals, "." and escapes
# of a character that is not an ASCII letter or digit.
_PORTABLE = re.compile(r"(?:[^\\.^$*+?{}\[\]|()]|\.|\\[^A-Za-z0-9])*", re.DOTALL)


def _portable(scope: str | None) -> bool:
    if not scope:
        return True
    return _PORTABLE.fullmatch(scope.removesuffix("/")) is not None


@contextmanager
def _spied() -> Iterator[_NativeCalls]:
    calls = _NativeCalls(native.export)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(native, "export", calls)
        yield calls


def _outcome(snapshot: GraphSnapshot, options: dict[str, Any], directory: Path) -> Outcome:
    """The export's result and files below ``directory``, or its failure."""
    filename = directory / "out" / "model.meta"
    try:
        result = _api.export(graph=snapshot, filename=str(filename), **options)
    except ExportError as error:
        left = sorted(p.name for p in directory.rglob("*"))
        return ("failed", type(error), str(error), left)
    files = [
        (Path(name).relative_to(directory).as_posix(), Path(name).read_bytes())
        for name in result.files
    ]
    left = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())
    debug_info = (
        None
        if result.debug_info is None
        else result.debug_info.SerializeToString(deterministic=True)
    )
    return (
        "exported",
        result.meta_graph_def.SerializeToString(deterministic=True),
        files,
        left,
        debug_info,
        [(d.code, d.severity, d.subject, d.message) for d in result.diagnostics],
    )


@settings_for("fast")
@given(strategies.snapshots_and_options(files=True))
def test_native_and_python_agree(case: Case) -> None:
    """Both backends give the same message, files, debug info and
    diagnostics, or fail with the same exception, in binary and text."""
    snapshot, options = case
    for as_text in (False, True):
        drawn = {**options, "as_text": as_text}
        with tempfile.TemporaryDirectory(prefix="mge-native-") as name:
            root = Path(name)
            (root / "python").mkdir()
            (root / "native").mkdir()
            expected = _outcome(snapshot, {**drawn, "backend": "python"}, root / "python")
            with _spied() as calls:
                actual = _outcome(snapshot, {**drawn, "backend": "native"}, root / "native")
        event(f"{expected[0]}, {'declined' if calls.declined else 'native'}")
        if calls.declined:
            # The pipeline fell back to Python: only a non-portable scope may do that.
            assert not _portable(options.get("export_scope")), options
        assert actual == expected
        if expected[0] == "exported" and calls.severities:
            assert calls.severities == [[d[1] for d in expected[-1]]]


def _contents(snapshot: GraphSnapshot, options: dict[str, Any]) -> Outcome:
    """The encoded export without a filename, contents asked for, or its failure."""
    try:
        arguments = _pipeline.export_arguments(graph=snapshot, **options)
        encoded = _pipeline.build_and_encode(arguments, contents=True)
    except ExportError as error:
        return ("failed", type(error), str(error))
    debug_info = encoded.debug_info
    return (
        "exported",
        encoded.meta_graph_def.SerializeToString(deterministic=True),
        encoded.content,
        None if debug_info is None else debug_info.SerializeToString(deterministic=True),
        encoded.debug_content,
        [(d.code, d.severity, d.subject, d.message) for d in encoded.diagnostics],
    )


@settings_for("fast")
@given(strategies.snapshots_and_options(files=True))
def test_contents_without_a_filename_agree(case: Case) -> None:
    """The contents the gRPC service returns (no filename): the same message,
    file and debug file contents, debug info and diagnostics, or failure."""
    snapshot, options = case
    expected = _contents(snapshot, {**options, "backend": "python"})
    with _spied() as calls:
        actual = _contents(snapshot, {**options, "backend": "native"})
    event(f"{expected[0]}, {'declined' if calls.declined else 'native'}")
    assert actual == expected
