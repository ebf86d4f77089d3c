"""Bad input, fuzzed: every export ends in a typed error or a correct export.

Random and mutated bytes as GraphDef, snapshot and MetaGraphDef files (through
``_codec.parse_message`` and through the command line), truncated messages,
wrong message types, nesting beyond protobuf's recursion limit, huge names,
bytes that are not UTF-8, NaN and infinities, cyclic function libraries,
unwritable paths and a disk that fills up mid-write. Each case must end in a
``metagraph_export.ExportError`` (on the command line: exit status 1 and one
line on stderr, no traceback) or in a correct export, never in another
exception, a crash or a hang, and never in a partly written or clobbered file
(spec EXP-ERR-1, EXP-ERR-3, EXP-FILE-4 to EXP-FILE-7).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import metagraph_export
import pytest
from google.protobuf import message as _message
from hypothesis import given
from hypothesis import strategies as st
from metagraph_export import cli
from metagraph_export._codec import parse_message
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem, GraphSnapshot
from metagraph_export.testing import strategies
from metagraph_export.testing._checks import canonical_nan
from metagraph_export.testing.profiles import settings_for
from metagraph_export.tf.attr_value_pb2 import AttrValue
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export.tf.types_pb2 import DT_FLOAT

MESSAGE_TYPES: list[type[_message.Message]] = [GraphSnapshot, GraphDef, MetaGraphDef]
TIME_LIMIT = 60.0


@contextlib.contextmanager
def time_limit(seconds: float = TIME_LIMIT) -> Iterator[None]:
    """Fails the test (TimeoutError) instead of hanging."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mge-fuzz-") as name:
        yield Path(name)


def export_outcome(**kwargs: Any) -> metagraph_export.ExportResult | metagraph_export.ExportError:
    """The result, or the typed error; any other exception fails the test."""
    with time_limit():
        try:
            return metagraph_export.export(**kwargs)
        except metagraph_export.ExportError as error:
            return error


def assert_safe_export(snapshot: Any, **options: Any) -> Any:
    """Exports over an existing file: afterwards it holds either the complete
    new export or its previous content, and nothing else is left behind."""
    with directory() as root:
        target = root / "out" / "model.meta"
        target.parent.mkdir()
        target.write_bytes(b"previous")
        outcome = export_outcome(graph=snapshot, filename=str(target), **options)
        if isinstance(outcome, metagraph_export.ExportError):
            assert target.read_bytes() == b"previous"
            assert os.listdir(target.parent) == ["model.meta"]
        else:
            data = target.read_bytes()
            expected = outcome.meta_graph_def
            if options.get("as_text"):
                parsed = parse_message(data, MetaGraphDef, str(target), "text")
                assert canonical_nan(parsed) == canonical_nan(expected) or _same_bytes(
                    canonical_nan(parsed), canonical_nan(expected)
                )
            else:
                assert data == expected.SerializeToString(deterministic=True)
        return outcome


def _same_bytes(a: _message.Message, b: _message.Message) -> bool:
    return a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)


# Bytes ------------------------------------------------------------------------


@settings_for("fast")
@given(
    st.binary(max_size=300),
    st.sampled_from(MESSAGE_TYPES),
    st.sampled_from(("auto", "binary", "text")),
)
def test_random_bytes_parse_or_fail_with_decode_error(
    data: bytes, message_type: type[_message.Message], fmt: str
) -> None:
    """EXP-ERR-3: undecodable input is MALFORMED_INPUT (DecodeError), never another error."""
    with time_limit():
        try:
            parse_message(data, message_type, "fuzz", fmt)
        except metagraph_export.DecodeError as error:
            assert error.category == "MALFORMED_INPUT"


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few bytes flipped, inserted or deleted, or cut short."""
    edited = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("flip", "insert", "delete", "truncate")))
        position = draw(st.integers(0, max(len(edited) - 1, 0)))
        if kind == "flip" and edited:
            edited[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            edited[position:position] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete" and edited:
            del edited[position]
        elif kind == "truncate":
            del edited[position:]
    return bytes(edited)


@st.composite
def mutated_snapshots(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    snapshot, options = draw(strategies.snapshots_and_options(graph_def=False))
    encoded = snapshot.SerializeToString(deterministic=True)
    return draw(mutated(encoded)), options


@settings_for("slow")
@given(mutated_snapshots(), st.sampled_from(MESSAGE_TYPES), st.booleans())
def test_mutated_messages_export_or_fail_typed(
    case: tuple[bytes, dict[str, Any]], message_type: type[_message.Message], as_text: bool
) -> None:
    """EXP-ERR-1: mutated and truncated encodings of snapshots, read as any of
    the three message types, then exported as a snapshot or as graph_def=,
    end in a typed error or an export whose file is complete."""
    data, options = case
    with time_limit():
        try:
            parsed = parse_message(data, message_type, "fuzz", "binary")
        except metagraph_export.DecodeError:
            return
    if isinstance(parsed, GraphSnapshot):
        assert_safe_export(parsed, as_text=as_text, **options)
    elif isinstance(parsed, GraphDef):
        options.pop("collection_list", None)
        assert_safe_export(None, graph_def=parsed, as_text=as_text, **options)


@settings_for("fast")
@given(strategies.graph_snapshots(), st.data())
def test_truncated_messages_are_decode_errors_or_parse(
    snapshot: GraphSnapshot, data: st.DataObject
) -> None:
    """EXP-ERR-3: a message cut short anywhere decodes to a prefix of the
    message or fails with DecodeError."""
    encoded = snapshot.SerializeToString(deterministic=True)
    cut = data.draw(st.integers(0, max(len(encoded) - 1, 0)))
    for message_type in MESSAGE_TYPES:
        with time_limit():
            try:
                parse_message(encoded[:cut], message_type, "truncated", "binary")
            except metagraph_export.DecodeError:
                pass


# Wrong types ------------------------------------------------------------------


_WRONG: list[tuple[str, Any]] = [
    ("graph", GraphDef()),
    ("graph", MetaGraphDef()),
    ("graph", b"\x0a\x00"),
    ("graph_def", GraphSnapshot()),
    ("graph_def", SaverDef()),
    ("meta_info_def", GraphDef()),
    ("saver_def", MetaGraphDef.MetaInfoDef()),
    ("collection_list", "variables"),
    ("collection_list", [1, 2]),
    ("export_scope", b"s"),
    ("clear_devices", 1),
    ("unbound_inputs_col_name", 7),
    ("filename", 3.5),
    ("op_defs", GraphDef()),
]


@pytest.mark.parametrize(("argument", "value"), _WRONG, ids=[a for a, _ in _WRONG])
def test_wrong_message_types_are_argument_errors(argument: str, value: Any) -> None:
    """EXP-ARGS-2 to EXP-ARGS-9: a wrong type is INVALID_ARGUMENT naming the argument."""
    arguments: dict[str, Any] = {"graph": GraphSnapshot(), argument: value}
    with pytest.raises(metagraph_export.ExportError) as raised:
        metagraph_export.export(**arguments)
    assert raised.value.category == "INVALID_ARGUMENT"
    assert argument in str(raised.value)


@settings_for("fast")
@given(strategies.graph_snapshots(), st.sampled_from([GraphDef, MetaGraphDef]))
def test_a_snapshot_read_as_another_type_is_typed(
    snapshot: GraphSnapshot, message_type: type[_message.Message]
) -> None:
    """A snapshot's bytes read as a GraphDef or MetaGraphDef: a DecodeError, or
    a message whose export is correct or fails typed."""
    data = snapshot.SerializeToString(deterministic=True)
    try:
        parsed = parse_message(data, message_type, "wrong type", "binary")
    except metagraph_export.DecodeError:
        return
    if isinstance(parsed, GraphDef):
        assert_safe_export(snapshot, graph_def=parsed)
    elif isinstance(parsed, MetaGraphDef):
        assert_safe_export(GraphSnapshot(graph_def=parsed.graph_def))


# Nesting ----------------------------------------------------------------------


def nested_attr(depth: int) -> AttrValue:
    """An AttrValue whose func.attr nests ``depth`` levels deep."""
    value = AttrValue(s=b"leaf")
    for _ in range(depth):
        outer = AttrValue()
        outer.func.name = "f"
        outer.func.attr["a"].CopyFrom(value)
        value = outer
    return value


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def nested_snapshot(depth: int, name: str = "s/x") -> GraphSnapshot:
    snapshot = GraphSnapshot()
    node = snapshot.graph_def.node.add(name=name, op="PartitionedCall")
    node.attr["f"].CopyFrom(nested_attr(depth))
    return snapshot


@pytest.mark.parametrize("depth", [200, 1000])
@pytest.mark.parametrize("message_type", MESSAGE_TYPES, ids=lambda t: t.__name__)
def test_nesting_beyond_the_recursion_limit_is_a_decode_error(
    depth: int, message_type: type[_message.Message]
) -> None:
    """EXP-ERR-3: protobuf's recursion limit makes too deep an input MALFORMED_INPUT."""
    data = nested_snapshot(depth).SerializeToString()
    if message_type is not GraphSnapshot:
        graph_def = nested_snapshot(depth).graph_def.SerializeToString()
        data = graph_def
        if message_type is MetaGraphDef:
            # Field 2, length-delimited; built by hand, as protobuf itself
            # refuses to copy a message this deep.
            data = b"\x12" + _varint(len(graph_def)) + graph_def
    with time_limit(), pytest.raises(metagraph_export.DecodeError):
        parse_message(data, message_type, "deep", "auto")


@pytest.mark.parametrize(
    ("depth", "options"),
    [
        pytest.param(200, {}, id="200-direct-binary"),
        pytest.param(32, {"export_scope": "s"}, id="32-scope"),
        pytest.param(32, {"as_text": True}, id="32-text"),
        pytest.param(200, {"export_scope": "s"}, id="200-scope"),
        pytest.param(200, {"clear_devices": True}, id="200-clear-devices"),
        pytest.param(200, {"as_text": True}, id="200-text"),
    ],
)
def test_deep_nesting_in_memory_exports_or_fails_typed(depth: int, options: dict[str, Any]) -> None:
    """EXP-ERR-1: a deeply nested attribute built in memory (no decoding) is
    exported, or fails with a typed error, never with protobuf's exception."""
    outcome = assert_safe_export(nested_snapshot(depth), **options)
    if not isinstance(outcome, metagraph_export.ExportError):
        assert outcome.meta_graph_def.graph_def.node[0].attr["f"] == nested_attr(depth)


def test_minimal_deep_attr_on_the_rewriting_path() -> None:
    """One node, one attribute 33 levels deep, clear_devices: the node is
    rewritten in place, never re-encoded, so the depth does not matter."""
    snapshot = nested_snapshot(33, name="x")
    exported = metagraph_export.export_meta_graph(graph=snapshot, clear_devices=True)
    assert exported.graph_def.node[0].attr["f"] == nested_attr(33)


def test_deep_attr_in_text_output_is_a_typed_error() -> None:
    """Text format cannot print an attribute 34 levels deep (protobuf's limit):
    a typed error, and no file."""
    snapshot = nested_snapshot(34, name="x")
    with directory() as root:
        with pytest.raises(metagraph_export.ExportError):
            metagraph_export.export_meta_graph(str(root / "m.pbtxt"), graph=snapshot, as_text=True)
        assert not os.listdir(root)


# Huge names, bytes, numbers, cycles ---------------------------------------------

_MEGABYTE = 1 << 20


@pytest.mark.parametrize("as_text", [False, True], ids=["binary", "text"])
@pytest.mark.parametrize("scope", [None, "s", "s/" + "x" * 1000], ids=["none", "s", "long"])
def test_huge_names_export(as_text: bool, scope: str | None) -> None:
    """A 1 MB node name, input, device and collection item: a correct export."""
    name = "s/" + "x" * _MEGABYTE
    snapshot = GraphSnapshot()
    snapshot.graph_def.node.add(name=name, op="NoOp", device="/device:" + "d" * _MEGABYTE)
    snapshot.graph_def.node.add(name="s/y", op="Identity", input=[name, "^" + "o" * _MEGABYTE])
    snapshot.collections.add(key="k" * _MEGABYTE).items.add(name=name)
    outcome = assert_safe_export(snapshot, export_scope=scope, as_text=as_text)
    assert not isinstance(outcome, metagraph_export.ExportError), outcome
    exported = outcome.meta_graph_def.graph_def.node
    if scope == "s":
        assert [len(node.name) for node in exported] == [_MEGABYTE, 1]
        assert exported[1].input[1] == "^$unbound_inputs_" + "o" * _MEGABYTE


@pytest.mark.parametrize("attr", ["_class", "frame_name"])
@pytest.mark.parametrize("scope", [None, "s", "s/"])
def test_non_utf8_bytes_under_a_scope(attr: str, scope: str | None) -> None:
    """EXP-SCOPE-14: bytes that are not UTF-8 where a scope must decode them are
    INVALID_ARGUMENT; without a scope they are copied unchanged."""
    snapshot = GraphSnapshot()
    node = snapshot.graph_def.node.add(name="s/x", op="Enter")
    raw = b"loc:@s/\xff\xfe" if attr == "_class" else b"s/\xc3("
    if attr == "_class":
        node.attr["_class"].list.s.append(raw)
    else:
        node.attr["frame_name"].s = raw
    outcome = assert_safe_export(snapshot, export_scope=scope, clear_devices=True)
    if scope:
        assert isinstance(outcome, metagraph_export.InvalidArgumentError), outcome
        assert attr in str(outcome)
    else:
        assert not isinstance(outcome, metagraph_export.ExportError), outcome
        value = outcome.meta_graph_def.graph_def.node[0].attr[attr]
        assert (value.list.s[0] if attr == "_class" else value.s) == raw
    assert_safe_export(snapshot, export_scope=scope, as_text=True)


@settings_for("fast")
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=5),
    st.booleans(),
)
def test_nan_and_infinities_in_float_collections(values: list[float], as_text: bool) -> None:
    """EXP-COLL-17: NaN stays NaN, finite values beyond binary32 become infinities,
    in the message and in both file formats."""
    snapshot = GraphSnapshot()
    snapshot.collections.add(key="floats").items.extend(
        CollectionItem(float_value=value) for value in values
    )
    outcome = assert_safe_export(snapshot, as_text=as_text)
    assert not isinstance(outcome, metagraph_export.ExportError), outcome
    exported = outcome.meta_graph_def.collection_def["floats"].float_list.value
    for value, narrowed in zip(values, exported, strict=True):
        if math.isnan(value):
            assert math.isnan(narrowed)
        elif math.isinf(value) or abs(value) > 3.4028235677973366e38:
            assert math.isinf(narrowed) and (narrowed > 0) == (value > 0)
        else:
            assert math.isclose(narrowed, value, rel_tol=1e-6, abs_tol=1e-44)


def cyclic_snapshot(names: list[str], op: str) -> GraphSnapshot:
    """Functions that call each other in a ring, by PartitionedCall ``f`` or by op name."""
    snapshot = GraphSnapshot()
    for index, name in enumerate(names):
        function = snapshot.graph_def.library.function.add()
        function.signature.name = name
        callee = names[(index + 1) % len(names)]
        body = function.node_def.add(name="call", op=op if op != "by_name" else callee)
        if op != "by_name":
            body.attr["f"].func.name = callee
        function.node_def.add(name="relu", op="Relu", attr={"T": AttrValue(type=DT_FLOAT)})
    top = snapshot.graph_def.node.add(name="s/x", op="PartitionedCall")
    top.attr["f"].func.name = names[0]
    return snapshot


@pytest.mark.parametrize("op", ["PartitionedCall", "StatefulPartitionedCall", "by_name"])
@pytest.mark.parametrize("names", [["f"], ["f", "g"], ["f", "g", "h"]], ids=len)
@pytest.mark.parametrize(
    "options",
    [{}, {"strip_default_attrs": True}, {"export_scope": "s", "clear_devices": True}],
    ids=["plain", "strip", "scope"],
)
def test_cyclic_function_libraries_terminate(
    op: str, names: list[str], options: dict[str, Any]
) -> None:
    """EXP-OPS-2: each function is traversed once, so a cycle (f calls g calls f)
    terminates, and the ops of every function in the cycle are listed."""
    outcome = assert_safe_export(cyclic_snapshot(names, op), **options)
    assert not isinstance(outcome, metagraph_export.ExportError), outcome
    listed = [o.name for o in outcome.meta_graph_def.meta_info_def.stripped_op_list.op]
    expected = {"PartitionedCall", "Relu"} | ({op} if op != "by_name" else set())
    assert listed == sorted(expected)


# Arbitrary names -----------------------------------------------------------------

# Regular-expression and replacement-template characters, separators, a
# newline, non-ASCII: names TensorFlow would refuse, which a snapshot can hold.
_name_text = st.text(alphabet="sa/._^$@:\\()[]*+?{}|\n\u00e9", min_size=1, max_size=6)


@st.composite
def arbitrary_snapshots(draw: st.DrawFn) -> tuple[GraphSnapshot, dict[str, Any]]:
    """Snapshots whose node names, inputs, colocation entries, frame names and
    collection items are arbitrary text, with a scope that is a prefix of one
    of them or arbitrary text too."""
    names = draw(st.lists(_name_text, min_size=1, max_size=4, unique=True))
    snapshot = GraphSnapshot()
    for name in names:
        node = snapshot.graph_def.node.add(name=name, op=draw(st.sampled_from(("Enter", "NoOp"))))
        node.input.extend(draw(st.lists(st.sampled_from([*names, *("^" + n for n in names)]))))
        if draw(st.booleans()):
            node.attr["_class"].list.s.append(("loc:@" + draw(st.sampled_from(names))).encode())
        if draw(st.booleans()):
            node.attr["frame_name"].s = draw(_name_text).encode()
        if draw(st.booleans()):
            snapshot.stack_traces[name].frames.add(file="f.py", line=1, function="g")
    items = snapshot.collections.add(
        key=draw(st.sampled_from(("variables", "names", "text")))
    ).items
    for name in draw(st.lists(st.sampled_from(names), max_size=3)):
        if draw(st.booleans()):
            items.add(name=name)
        else:
            items.add(string_value=name)
    base = draw(st.sampled_from(names))
    scope = draw(st.one_of(st.just(base[: draw(st.integers(1, len(base)))]), _name_text))
    options = {
        "export_scope": scope,
        "clear_devices": draw(st.booleans()),
        "as_text": draw(st.booleans()),
        "save_debug_info": draw(st.booleans()),
    }
    return snapshot, options


@settings_for("fast")
@given(arbitrary_snapshots())
def test_arbitrary_names_and_scopes_export_or_fail_typed(
    case: tuple[GraphSnapshot, dict[str, Any]],
) -> None:
    """EXP-SCOPE-7, EXP-ERR-1: scopes and names with regular-expression
    characters, template escapes, newlines and non-ASCII text end in a typed
    error or a correct export, never in re.error or another exception."""
    snapshot, options = case
    assert_safe_export(snapshot, **options)


# Files ------------------------------------------------------------------------


def _unwritable_paths(root: Path) -> list[str]:
    regular = root / "regular"
    regular.write_bytes(b"not a directory")
    return [
        str(regular / "model.meta"),
        str(regular / "deeper" / "model.meta"),
        "/proc/self/model.meta",
        "/proc/1/no_such_directory/model.meta",
        str(root),
        str(root / "trailing") + "/",
    ]


def test_unwritable_filenames_are_write_errors() -> None:
    """EXP-FILE-7: a parent that is a regular file, a directory that cannot be
    created or written (under /proc, where even root cannot), a target that is
    a directory: WRITE_FAILED, and the file in the way is untouched."""
    snapshot = GraphSnapshot()
    snapshot.graph_def.node.add(name="x", op="NoOp")
    with directory() as root:
        for path in _unwritable_paths(root):
            for debug in (False, True):
                with pytest.raises(metagraph_export.WriteError) as raised:
                    metagraph_export.export(graph=snapshot, filename=path, save_debug_info=debug)
                assert raised.value.category == "WRITE_FAILED"
        assert (root / "regular").read_bytes() == b"not a directory"
        leftovers = [name for name in os.listdir(root) if name.endswith(".tmp")]
        assert not leftovers


_FILL_UP = """
import resource, sys
import metagraph_export
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
snapshot = GraphSnapshot()
snapshot.graph_def.node.add(name="x" * 300000, op="NoOp")
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    metagraph_export.export_meta_graph(sys.argv[1], graph=snapshot, save_debug_info=True)
except metagraph_export.WriteError as error:
    print("WriteError", error)
    sys.exit(3)
"""


@pytest.mark.parametrize("limit", [0, 1, 4096, 200000])
def test_a_disk_that_fills_up_mid_write_leaves_the_old_file(limit: int) -> None:
    """EXP-FILE-6: when the file system refuses more bytes (RLIMIT_FSIZE in a child
    process), the export is WRITE_FAILED and the existing file keeps its content;
    no temporary file remains."""
    with directory() as root:
        target = root / "model.meta"
        target.write_bytes(b"previous content")
        completed = subprocess.run(
            [sys.executable, "-c", _FILL_UP, str(target), str(limit)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert completed.returncode == 3, completed.stderr
        assert "File too large" in completed.stdout
        assert target.read_bytes() == b"previous content"
        assert os.listdir(root) == ["model.meta"]


def _run_cli(*arguments: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def restrict() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "metagraph_export", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=restrict,
    )


def assert_one_line_error(completed: subprocess.CompletedProcess[str]) -> None:
    assert completed.returncode == 1, (completed.returncode, completed.stderr)
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
    assert completed.stderr.startswith("metagraph-export: ")


def test_cli_disk_full_and_unwritable_paths() -> None:
    """Through the command line: exit status 1, one line, no traceback."""
    snapshot = GraphSnapshot()
    snapshot.graph_def.node.add(name="x" * 300000, op="NoOp")
    with directory() as root:
        source = root / "input.binpb"
        source.write_bytes(snapshot.SerializeToString())
        target = root / "out" / "model.meta"
        target.parent.mkdir()
        target.write_bytes(b"previous content")
        assert_one_line_error(_run_cli("export", str(source), "-o", str(target), limit=100000))
        assert target.read_bytes() == b"previous content"
        assert os.listdir(target.parent) == ["model.meta"]
        for path in _unwritable_paths(root)[:3]:
            assert_one_line_error(_run_cli("export", str(source), "-o", path))


# The command line, fuzzed -----------------------------------------------------


def _cli_in_process(*arguments: str) -> tuple[int, str]:
    stderr = io.StringIO()
    with (
        time_limit(),
        contextlib.redirect_stderr(stderr),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        status = cli.main(list(arguments))
    return status, stderr.getvalue()


def _meta_graph_bytes(snapshot: GraphSnapshot) -> bytes:
    try:
        exported = metagraph_export.export_meta_graph(graph=snapshot)
    except metagraph_export.ExportError:
        return b""
    return exported.SerializeToString(deterministic=True)


_snapshots = strategies.graph_snapshots()
_inputs = st.one_of(
    st.binary(max_size=200),
    _snapshots.map(lambda s: s.SerializeToString()),
    _snapshots.flatmap(lambda s: mutated(s.SerializeToString())),
    _snapshots.map(lambda s: s.graph_def.SerializeToString()),
    _snapshots.map(_meta_graph_bytes),
    _snapshots.map(_meta_graph_bytes).flatmap(mutated),
    _snapshots.map(lambda s: str(s).encode()),
)


@settings_for("slow")
@given(_inputs, st.sampled_from(("export", "inspect")), st.sampled_from(("auto", "binary", "text")))
def test_cli_on_fuzzed_files_in_process(data: bytes, command: str, fmt: str) -> None:
    """``metagraph-export export|inspect`` on any bytes: status 0, or status 1
    and one line on stderr; never an exception."""
    with directory() as root:
        source = root / "input"
        source.write_bytes(data)
        arguments = [command, str(source), "--input-format", fmt]
        if command == "export":
            arguments += ["-o", str(root / "out" / "model.meta"), "--export-scope", "s"]
        status, stderr = _cli_in_process(*arguments)
        assert status in (0, 1), (status, stderr)
        if status == 1:
            assert len(stderr.strip().splitlines()) == 1, stderr
        if command == "export" and status == 1:
            assert not (root / "out" / "model.meta").exists()


@settings_for("process")
@given(_inputs, st.sampled_from(("export", "inspect")))
def test_cli_on_fuzzed_files_in_a_process(data: bytes, command: str) -> None:
    """``python -m metagraph_export export|inspect`` on any bytes: exit status 0,
    or 1 with one line on stderr and no traceback; no crash, no hang."""
    with directory() as root:
        source = root / "input"
        source.write_bytes(data)
        arguments = [command, str(source)]
        if command == "export":
            arguments += ["-o", str(root / "model.meta"), "--clear-devices"]
        completed = _run_cli(*arguments)
        assert completed.returncode in (0, 1), completed.stderr
        assert "Traceback" not in completed.stderr
        if completed.returncode == 1:
            assert_one_line_error(completed)


@pytest.mark.parametrize("command", ["export", "inspect"])
def test_cli_on_too_deep_a_file(command: str) -> None:
    """A file nested beyond protobuf's recursion limit: one line, status 1."""
    with directory() as root:
        source = root / "deep.binpb"
        source.write_bytes(nested_snapshot(200).SerializeToString())
        arguments = [command, str(source)]
        if command == "export":
            arguments += ["-o", str(root / "model.meta")]
        assert_one_line_error(_run_cli(*arguments))
