"""The native extension (``metagraph_export_native``) against the Python reference.

Every conformance case's arguments, and the bundled example, are exported by
both; the outputs must be byte for byte the same: the MetaGraphDef's
canonical encoding, the meta graph and debug files' bytes, the debug info,
the diagnostics, or the error category. Skipped when the extension is not
installed (``pip install ./native/python``).
"""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import Any

import metagraph_export
import pytest
from metagraph_export import _pipeline
from metagraph_export._pipeline import Arguments, build_and_encode, run
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export_conformance.suite import load_suite

native: Any = pytest.importorskip(
    "metagraph_export_native",
    reason="the native extension is not installed (pip install ./native/python)",
)

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "conformance" / "cases"
EXAMPLE = ROOT / "examples" / "mlp.snapshot.binpb"


def _cases() -> list[Any]:
    return [case for case in load_suite(CASES) if case.input_kind() != "synthesized"]


def _arguments_bytes(case: Any) -> bytes:
    if case.input_kind() == "raw":
        return bytes(case.message.input.raw_arguments)
    encoded: bytes = case.arguments().SerializeToString()
    return encoded


def _localized(data: bytes, directory: Path) -> tuple[bytes, ExportArguments | None]:
    """The arguments with a relative filename moved below ``directory``; None
    where they do not parse (the native side must then fail as malformed)."""
    arguments = ExportArguments()
    try:
        arguments.ParseFromString(data)
    except Exception:
        return data, None
    if arguments.HasField("filename") and arguments.filename and "\x00" not in arguments.filename:
        arguments.filename = str(directory / arguments.filename.lstrip("/"))
    return arguments.SerializeToString(), arguments


def _without_unknown_fields(encoded: bytes) -> bytes:
    message = MetaGraphDef.FromString(encoded)
    message.DiscardUnknownFields()
    canonical: bytes = message.SerializeToString(deterministic=True)
    return canonical


def _compare(data: bytes, directory: Path) -> str:
    """Runs both exporters; returns what was compared, or fails."""
    data, arguments = _localized(data, directory)
    try:
        result = native.export(data)
    except native.Unsupported as declined:
        # Only scopes that depend on Python's regular expressions are declined.
        assert arguments is not None and arguments.HasField("export_scope"), declined
        return f"declined: {declined.reason}"
    except native.ExportFailure as failure:
        native_error: Any = failure
        result = None
    else:
        native_error = None

    if arguments is None:
        assert native_error is not None and native_error.category == "MALFORMED_INPUT"
        return "malformed"
    try:
        reference = run(Arguments.from_proto(arguments, backend="python"))
    except metagraph_export.ExportError as error:
        if error.category == "WRITE_FAILED":
            # The extension writes nothing; the caller's writer fails there.
            return "write failure (not the extension's)"
        assert native_error is not None, f"the reference failed with {error!r}, native did not"
        assert native_error.category == error.category, (native_error, error)
        return f"error {error.category}"
    assert native_error is None, f"native failed with {native_error!r}, the reference did not"
    assert result is not None

    expected = reference.meta_graph_def.SerializeToString(deterministic=True)
    if result.meta_graph_def != expected:
        # The reference keeps unknown fields of the input; the native
        # exporter drops them (implementation-defined, spec item 8).
        assert _without_unknown_fields(expected) == result.meta_graph_def
    assert [
        (d.code, d.severity, d.subject, d.message) for d in reference.diagnostics
    ] == result.diagnostics
    # The debug file may be the meta graph file itself (it is renamed last).
    if reference.files and reference.files[0] not in reference.files[1:]:
        written = Path(reference.files[0]).read_bytes()
        if result.file_bytes != written:
            assert not arguments.as_text
            assert _without_unknown_fields(written) == result.file_bytes
    if not reference.files:
        assert result.debug_info is None
    if len(reference.files) > 1:
        assert Path(reference.files[1]).read_bytes() == result.debug_info_file_bytes
        assert reference.debug_info is not None
        assert reference.debug_info.SerializeToString(deterministic=True) == result.debug_info
    else:
        assert result.debug_info_file_bytes is None
    return "identical"


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.id)
def test_conformance_case_arguments(case: Any, tmp_path: Path) -> None:
    for entry in case.message.input.sandbox:
        # Files and directories a case expects in its sandbox.
        target = tmp_path / entry.path
        if entry.WhichOneof("kind") == "directory":
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(entry.file_content)
    _compare(_arguments_bytes(case), tmp_path)


@pytest.mark.parametrize("as_text", [False, True])
@pytest.mark.parametrize("scope", [None, "dense", "dense/"])
def test_bundled_example(tmp_path: Path, as_text: bool, scope: str | None) -> None:
    arguments = ExportArguments(
        filename="mlp.meta",
        as_text=as_text,
        save_debug_info=True,
        clear_devices=True,
        strip_default_attrs=True,
    )
    arguments.graph.ParseFromString(EXAMPLE.read_bytes())
    if scope is not None:
        arguments.export_scope = scope
    assert _compare(arguments.SerializeToString(), tmp_path) == "identical"


def _outcome(arguments: Any) -> Any:
    """What the extension gives for ``arguments``: its outputs, or the
    failure's class and category."""
    try:
        result = native.export(arguments)
    except (native.ExportFailure, native.Unsupported) as failure:
        return type(failure).__name__, getattr(failure, "category", None)
    return (
        result.meta_graph_def,
        result.file_bytes,
        result.debug_info,
        result.debug_info_file_bytes,
        result.diagnostics,
    )


@pytest.mark.parametrize("case", _cases()[::7], ids=lambda case: case.id)
def test_arguments_in_pieces_export_as_the_whole(case: Any, tmp_path: Path) -> None:
    # The package hands the graph over in pieces; cut anywhere, including
    # inside a field (which the extension then copies), they read as one.
    data, _ = _localized(_arguments_bytes(case), tmp_path)
    whole = _outcome(data)
    length = len(data)
    for cuts in ([], [0, length], [length // 3, length // 2], list(range(0, min(length, 40)))):
        bounds = [0, *cuts, length]
        pieces = [data[start:end] for start, end in itertools.pairwise(bounds)]
        assert _outcome(pieces) == whole, cuts
        assert _outcome(tuple(pieces)) == whole, cuts


def test_pieces_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        native.export([b"", "text"])
    with pytest.raises(TypeError):
        native.export(3)


def test_errors_are_typed() -> None:
    with pytest.raises(native.ExportFailure) as failure:
        native.export(b"\xff")
    assert failure.value.category == "MALFORMED_INPUT"
    assert failure.value.argument == "arguments"
    with pytest.raises(native.ExportFailure) as failure:
        native.export(ExportArguments().SerializeToString())
    assert failure.value.category == "INVALID_ARGUMENT"
    assert failure.value.argument == "graph"
    arguments = ExportArguments(export_scope="a(")
    arguments.graph.SetInParent()
    with pytest.raises(native.Unsupported):
        native.export(arguments.SerializeToString())


def test_custom_ops_as_registry_argument() -> None:
    from metagraph_export.tf.op_def_pb2 import OpList

    arguments = ExportArguments()
    node = arguments.graph.graph_def.node.add(name="c", op="MyCustomOp")
    del node
    custom = OpList()
    custom.op.add(name="MyCustomOp")
    result = native.export(arguments.SerializeToString(), custom.SerializeToString())
    exported = MetaGraphDef.FromString(result.meta_graph_def)
    assert [op.name for op in exported.meta_info_def.stripped_op_list.op] == ["MyCustomOp"]
    assert os.fspath(EXAMPLE)  # the example ships with the repository


def _large_arguments(nodes: int) -> ExportArguments:
    arguments = ExportArguments(clear_devices=True)
    for index in range(nodes):
        node = arguments.graph.graph_def.node.add(name=f"n{index}", op="NoOp", device="/cpu:0")
        if index:
            node.input.append(f"^n{index - 1}")
    return arguments


def test_a_cancelled_flag_stops_the_export_before_it_starts() -> None:
    cancel = native.Cancel()
    assert not cancel.cancelled
    cancel.cancel()
    assert cancel.cancelled
    with pytest.raises(native.Cancelled):
        native.export(_large_arguments(3).SerializeToString(), None, cancel)


def test_cancel_from_another_thread_stops_a_running_export() -> None:
    """The export runs without the GIL; cancel() from another thread, while it
    runs, makes it raise Cancelled rather than finish."""
    data = _large_arguments(300_000).SerializeToString()
    cancel = native.Cancel()
    started = threading.Event()
    outcome: list[object] = []

    def export() -> None:
        started.set()
        try:
            outcome.append(native.export(data, None, cancel))
        except native.Cancelled as cancelled:
            outcome.append(cancelled)

    thread = threading.Thread(target=export)
    thread.start()
    started.wait()
    cancel.cancel()
    thread.join()
    assert len(outcome) == 1 and isinstance(outcome[0], native.Cancelled)
    # The same arguments, not cancelled, export.
    assert native.export(data).meta_graph_def


def test_pipeline_cancellation_is_typed_and_sticky() -> None:
    """The pipeline's Cancellation raises Cancelled for an export started
    after it was cancelled, and leaves other exports alone."""
    arguments = Arguments.from_proto(_large_arguments(3), backend="native")
    cancellation = _pipeline.Cancellation()
    assert build_and_encode(arguments, contents=True, cancellation=cancellation).content
    cancellation.cancel()
    with pytest.raises(_pipeline.Cancelled):
        build_and_encode(arguments, contents=True, cancellation=cancellation)
    assert build_and_encode(arguments, contents=True).content


def _has_unknown_fields(arguments: ExportArguments) -> bool:
    stripped = ExportArguments()
    stripped.CopyFrom(arguments)
    stripped.DiscardUnknownFields()
    return stripped.ByteSize() != arguments.ByteSize()


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.id)
def test_lossless_declines_exactly_arguments_with_unknown_fields(case: Any) -> None:
    """``lossless=True``, as the package calls the extension, declines the
    arguments whose decoding drops unknown fields, and no others: its check
    (canonical length against the bytes given) has no false positives on
    the suite's arguments, serialized as the package serializes them."""
    try:
        arguments = ExportArguments.FromString(_arguments_bytes(case))
    except Exception:
        pytest.skip("arguments that do not parse never reach the extension from the package")
    arguments.ClearField("filename")  # nothing is written
    data = arguments.SerializeToString()
    try:
        native.export(data, lossless=True)
    except native.Unsupported as declined:
        assert ("unknown" in declined.reason) == _has_unknown_fields(arguments), declined.reason
    except native.ExportFailure:
        assert not _has_unknown_fields(arguments)
    else:
        assert not _has_unknown_fields(arguments)


def test_the_package_falls_back_for_unknown_fields_and_deep_nesting() -> None:
    """Through the package the backends agree byte for byte even where the
    extension alone differs: unknown fields of a node are kept, and an
    attribute nested beyond the native decoder's limit is exported."""
    arguments = _large_arguments(2)
    node = arguments.graph.graph_def.node[0]
    node.ParseFromString(node.SerializeToString() + b"\xf8\x3e\x01")  # field 999, varint 1
    assert _has_unknown_fields(arguments)
    with pytest.raises(native.Unsupported):
        native.export(arguments.SerializeToString(), lossless=True)
    deep = _large_arguments(1)
    value = deep.graph.graph_def.node[0].attr["deep"]
    for _ in range(60):
        value = value.func.attr["a"]
    value.i = 1
    with pytest.raises(native.ExportFailure):
        native.export(deep.SerializeToString())
    for message in (arguments, deep):
        results = [
            metagraph_export.export(
                graph=message.graph, clear_devices=True, backend=backend
            ).meta_graph_def.SerializeToString(deterministic=True)
            for backend in ("python", "native")
        ]
        assert results[0] == results[1]
