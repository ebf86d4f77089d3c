"""Bad input: every one gets a typed error that names the problem, and no file
is written (EXP-ERR, EXP-FILE). Where TensorFlow would have written the meta
graph before failing, nothing is written here either.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import metagraph_export
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf import message as _message
from metagraph_export import (
    ArgumentTypeError,
    DecodeError,
    ExportError,
    GraphSnapshot,
    InvalidArgumentError,
    WriteError,
)
from metagraph_export._codec import parse_message
from metagraph_export.snapshot.v1 import snapshot_pb2
from metagraph_export.tf import meta_graph_pb2
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.op_def_pb2 import OpDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export.tf.variable_pb2 import VariableDef

_OLD_MTIME_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09, far from "now"
_PREVIOUS = b"the previous export, which must survive\n"


def _snapshot(*nodes: tuple[str, str]) -> GraphSnapshot:
    snapshot = GraphSnapshot()
    snapshot.graph_def.versions.producer = 1
    for name, op in nodes:
        snapshot.graph_def.node.add(name=name, op=op)
    return snapshot


def _graph_def(*names: str) -> GraphDef:
    graph_def = GraphDef()
    for name in names:
        graph_def.node.add(name=name, op="NoOp")
    return graph_def


def _saver_def() -> SaverDef:
    return SaverDef(
        filename_tensor_name="save/Const:0",
        save_tensor_name="save/control_dependency:0",
        restore_op_name="save/restore_all",
    )


@dataclass
class Output:
    """An output directory with a previous export in it, to check nothing changes."""

    directory: Path
    meta: Path = field(init=False)
    debug: Path = field(init=False)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.meta = self.directory / "model.meta"
        self.debug = self.directory / "model.debug"
        for path in (self.meta, self.debug):
            path.write_bytes(_PREVIOUS)
            os.utime(path, ns=(_OLD_MTIME_NS, _OLD_MTIME_NS))

    def assert_untouched(self) -> None:
        assert sorted(os.listdir(self.directory)) == ["model.debug", "model.meta"]
        for path in (self.meta, self.debug):
            assert path.read_bytes() == _PREVIOUS
            assert os.stat(path).st_mtime_ns == _OLD_MTIME_NS


@pytest.fixture
def output(tmp_path: Path) -> Output:
    return Output(tmp_path / "out")


def _raises_and_writes_nothing(
    tmp_path: Path,
    output: Output,
    error: type[ExportError],
    match: str,
    **kwargs: Any,
) -> ExportError:
    """Runs the export twice: into a directory that does not exist yet (which
    must not be created) and over a previous export (which must survive)."""
    kwargs.setdefault("save_debug_info", True)
    fresh = tmp_path / "fresh" / "sub"
    with pytest.raises(error, match=match):
        metagraph_export.export(filename=str(fresh / "model.meta"), **kwargs)
    assert not (tmp_path / "fresh").exists()
    with pytest.raises(error, match=match) as raised:
        metagraph_export.export(filename=str(output.meta), **kwargs)
    output.assert_untouched()
    return raised.value


# --- Wrong argument types ---------------------------------------------------------------

_TYPE_ERRORS: dict[str, tuple[dict[str, Any], str]] = {
    "graph_def-is-SaverDef": (
        {"graph_def": SaverDef()},
        r"graph_def: must be a tensorflow\.GraphDef message, not SaverDef \(tensorflow\.SaverDef\)",
    ),
    "graph_def-is-text": ({"graph_def": "node {}"}, r"graph_def: must be .*GraphDef.* not str"),
    "meta_info_def-is-GraphDef": (
        {"graph_def": _graph_def(), "meta_info_def": GraphDef()},
        r"meta_info_def: must be a tensorflow\.MetaGraphDef\.MetaInfoDef message, not GraphDef",
    ),
    "meta_info_def-is-MetaGraphDef": (
        {"graph_def": _graph_def(), "meta_info_def": MetaGraphDef()},
        r"meta_info_def: .*not MetaGraphDef",
    ),
    "saver_def-is-MetaGraphDef": (
        {"graph_def": _graph_def(), "saver_def": MetaGraphDef()},
        r"saver_def: must be a tensorflow\.SaverDef message, not MetaGraphDef",
    ),
    "graph-is-GraphDef": ({"graph": GraphDef()}, r"graph: must be a GraphSnapshot.*GraphDef"),
    "graph-is-object": ({"graph": object()}, r"graph: must be a GraphSnapshot or a tf\.Graph"),
    "as_text-str": ({"graph_def": _graph_def(), "as_text": "yes"}, r"as_text: must be a bool"),
    "clear_devices-int": (
        {"graph_def": _graph_def(), "clear_devices": 1},
        r"clear_devices: must be a bool, not int",
    ),
    "clear_extraneous_savers-None": (
        {"graph_def": _graph_def(), "clear_extraneous_savers": None},
        r"clear_extraneous_savers: must be a bool",
    ),
    "strip_default_attrs-str": (
        {"graph_def": _graph_def(), "strip_default_attrs": "True"},
        r"strip_default_attrs: must be a bool",
    ),
    "save_debug_info-int": (
        {"graph_def": _graph_def(), "save_debug_info": 0},
        r"save_debug_info: must be a bool",
    ),
    "export_scope-bytes": (
        {"graph_def": _graph_def(), "export_scope": b"s"},
        r"export_scope: must be a str or None, not bytes",
    ),
    "collection_list-str": (
        {"graph_def": _graph_def(), "collection_list": "variables"},
        r"collection_list: must be a list of str keys or None, not str",
    ),
    "collection_list-int-key": (
        {"graph_def": _graph_def(), "collection_list": ["ok", 1]},
        r"collection_list: must be a list of str keys, not int",
    ),
    "collection_list-int": (
        {"graph_def": _graph_def(), "collection_list": 5},
        r"collection_list: must be a list of str keys or None, not int",
    ),
    "filename-int": ({"graph_def": _graph_def(), "filename": 123}, r"filename: must be a str"),
    "unknown-kwarg": (
        {"graph_def": _graph_def(), "clear_device": True, "as_txt": True},
        r"unexpected keyword argument\(s\): as_txt, clear_device",
    ),
    "unbound_inputs_col_name-int": (
        {"graph_def": _graph_def(), "unbound_inputs_col_name": 5},
        r"unbound_inputs_col_name: must be a str or None, not int",
    ),
    "op_defs-str": ({"graph_def": _graph_def(), "op_defs": "Identity"}, r"op_defs: must be"),
    "op_defs-items": ({"graph_def": _graph_def(), "op_defs": [GraphDef()]}, r"op_defs: must be"),
    "op_registry-dict": ({"graph_def": _graph_def(), "op_registry": {}}, r"op_registry: must be"),
}


@pytest.mark.parametrize("case", sorted(_TYPE_ERRORS))
def test_wrong_argument_type(tmp_path: Path, output: Output, case: str) -> None:
    kwargs, match = _TYPE_ERRORS[case]
    kwargs = dict(kwargs)
    if "filename" in kwargs:
        bad_filename = kwargs.pop("filename")
        with pytest.raises(ArgumentTypeError, match=match) as raised:
            metagraph_export.export(filename=bad_filename, **kwargs)
    else:
        raised_error = _raises_and_writes_nothing(
            tmp_path, output, ArgumentTypeError, match, **kwargs
        )
        with pytest.raises(ArgumentTypeError) as raised:
            raise raised_error
    assert isinstance(raised.value, TypeError)
    assert raised.value.category == "INVALID_ARGUMENT"


def test_export_meta_graph_raises_the_same_errors() -> None:
    not_a_bool: dict[str, Any] = {"as_text": "yes"}
    with pytest.raises(ArgumentTypeError, match="as_text"):
        metagraph_export.export_meta_graph(graph_def=_graph_def(), **not_a_bool)
    with pytest.raises(ArgumentTypeError, match="clear_device"):
        metagraph_export.export_meta_graph(graph_def=_graph_def(), clear_device=True)


# --- Messages from another descriptor pool -------------------------------------------


def _copy_into(pool: descriptor_pool.DescriptorPool, file: Any) -> None:
    for dependency in file.dependencies:
        _copy_into(pool, dependency)
    try:
        pool.FindFileByName(file.name)
    except KeyError:
        pool.AddSerializedFile(file.serialized_pb)


def _foreign_classes() -> dict[str, type[_message.Message]]:
    """The same message types in a pool of their own, as TensorFlow's are."""
    pool = descriptor_pool.DescriptorPool()
    _copy_into(pool, meta_graph_pb2.DESCRIPTOR)
    _copy_into(pool, snapshot_pb2.DESCRIPTOR)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
        for name in (
            "tensorflow.GraphDef",
            "tensorflow.SaverDef",
            "tensorflow.MetaGraphDef.MetaInfoDef",
            "metagraph_export.snapshot.v1.GraphSnapshot",
        )
    }


def test_messages_of_another_pool_are_accepted_by_full_name(tmp_path: Path) -> None:
    classes = _foreign_classes()
    snapshot = _snapshot(("s/a", "NoOp"), ("s/b", "Identity"))
    snapshot.collections.add(key="savers").items.add(saver=_saver_def())
    graph_def = _graph_def("s/x")
    info = MetaGraphDef.MetaInfoDef(tags=["serve"])
    ours = metagraph_export.export(
        graph=snapshot,
        graph_def=graph_def,
        saver_def=_saver_def(),
        meta_info_def=info,
        export_scope="s",
    ).meta_graph_def
    foreign: dict[str, Any] = {
        "graph": classes["metagraph_export.snapshot.v1.GraphSnapshot"].FromString(
            snapshot.SerializeToString()
        ),
        "graph_def": classes["tensorflow.GraphDef"].FromString(graph_def.SerializeToString()),
        "saver_def": classes["tensorflow.SaverDef"].FromString(_saver_def().SerializeToString()),
        "meta_info_def": classes["tensorflow.MetaGraphDef.MetaInfoDef"].FromString(
            info.SerializeToString()
        ),
    }
    for value in foreign.values():
        assert not isinstance(value, (GraphSnapshot, GraphDef, SaverDef, MetaGraphDef.MetaInfoDef))
    before = {name: value.SerializeToString() for name, value in foreign.items()}
    theirs = metagraph_export.export(
        filename=str(tmp_path / "m.meta"), export_scope="s", **foreign
    ).meta_graph_def
    assert theirs == ours
    assert {name: value.SerializeToString() for name, value in foreign.items()} == before


def test_message_of_the_same_short_name_but_another_package_is_refused(
    tmp_path: Path, output: Output
) -> None:
    file = descriptor_pb2.FileDescriptorProto(
        name="other/graph.proto", package="other", syntax="proto3"
    )
    file.message_type.add(name="GraphDef")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    other = message_factory.GetMessageClass(pool.FindMessageTypeByName("other.GraphDef"))()
    _raises_and_writes_nothing(
        tmp_path,
        output,
        ArgumentTypeError,
        r"graph_def: .*not GraphDef \(other\.GraphDef\)",
        graph_def=other,
    )


# --- Values that cannot be exported -------------------------------------------------------


def test_no_graph_and_no_graph_def(tmp_path: Path, output: Output) -> None:
    error = _raises_and_writes_nothing(
        tmp_path, output, InvalidArgumentError, r"graph: there is no default graph"
    )
    assert isinstance(error, InvalidArgumentError)
    assert error.argument == "graph"
    assert isinstance(error, ValueError)


def test_non_utf8_collection_key(tmp_path: Path, output: Output) -> None:
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"collection_list: key b'\\xff' is not UTF-8",
        graph_def=_graph_def(),
        collection_list=[b"\xff"],
    )


def test_filename_with_nul(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="filename: contains a NUL"):
        metagraph_export.export(filename=str(tmp_path / "a\x00b"), graph_def=_graph_def())
    assert os.listdir(tmp_path) == []


def _variables_snapshot() -> GraphSnapshot:
    snapshot = _snapshot(("a", "NoOp"))
    snapshot.collections.add(key="variables").items.add(variable=VariableDef(variable_name="a:0"))
    return snapshot


@pytest.mark.parametrize(
    ("scope", "problem"),
    [("a(", "missing \\)"), ("a[", "unterminated character set"), ("a\\", "bad escape")],
)
def test_invalid_regex_scope_with_a_variables_collection(
    tmp_path: Path, output: Output, scope: str, problem: str
) -> None:
    """TensorFlow looks the variables up with the scope as a regular expression
    (get_collection("variables", scope)), and fails with re.error."""
    error = _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        rf"export_scope: is used as a regular expression and is not a valid one \({problem}",
        graph=_variables_snapshot(),
        export_scope=scope,
    )
    assert isinstance(error, InvalidArgumentError)
    assert error.argument == "export_scope"


def test_invalid_regex_scope_with_an_empty_variables_collection(
    tmp_path: Path, output: Output
) -> None:
    snapshot = _snapshot(("a", "NoOp"))
    snapshot.collections.add(key="variables")
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        "regular expression",
        graph=snapshot,
        export_scope="a(",
    )


def test_invalid_regex_scope_without_variables_is_not_an_error(tmp_path: Path) -> None:
    """As in TensorFlow: no node starts with "a(", so nothing is stripped and
    the pattern is never compiled."""
    snapshot = _snapshot(("a", "NoOp"), ("b", "NoOp"))
    snapshot.collections.add(key="strings").items.add(string_value="a(x")
    result = metagraph_export.export(
        filename=str(tmp_path / "m.meta"), graph=snapshot, export_scope="a("
    )
    assert len(result.meta_graph_def.graph_def.node) == 0
    assert list(result.meta_graph_def.collection_def["strings"].bytes_list.value) == [b"a(x"]
    assert os.listdir(tmp_path) == ["m.meta"]


def test_invalid_regex_scope_that_must_strip_a_node(tmp_path: Path, output: Output) -> None:
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        "regular expression",
        graph_def=_graph_def("a(x/y"),
        export_scope="a(",
    )


def test_invalid_regex_scope_that_must_strip_a_collection_drops_it() -> None:
    snapshot = _snapshot()
    snapshot.collections.add(key="nodes").items.add(name="a(x/y:0")
    result = metagraph_export.export(graph=snapshot, export_scope="a(")
    assert "nodes" not in result.meta_graph_def.collection_def
    assert [(d.code, d.subject) for d in result.diagnostics] == [
        ("SCOPE_MATCHES_NOTHING", "a("),
        ("COLLECTION_DROPPED", "nodes"),
    ]
    assert "regular expression" in result.diagnostics[1].message


def test_colocation_entry_without_at_sign_under_a_scope(tmp_path: Path, output: Output) -> None:
    snapshot = _snapshot(("s/x", "NoOp"))
    snapshot.graph_def.node[0].attr["_class"].list.s.append(b"no-location")
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"node 's/x': _class entry 'no-location' has no '@'",
        graph=snapshot,
        export_scope="s",
    )
    # Without a scope the entry is not looked into.
    exported = metagraph_export.export(graph=snapshot, clear_devices=True).meta_graph_def
    assert list(exported.graph_def.node[0].attr["_class"].list.s) == [b"no-location"]


def test_colocation_entry_that_is_not_utf8(tmp_path: Path, output: Output) -> None:
    snapshot = _snapshot(("s/x", "NoOp"))
    snapshot.graph_def.node[0].attr["_class"].list.s.append(b"loc:@\xff")
    _raises_and_writes_nothing(
        tmp_path, output, InvalidArgumentError, "not UTF-8", graph=snapshot, export_scope="s"
    )


def test_enter_frame_outside_the_scope(tmp_path: Path, output: Output) -> None:
    snapshot = _snapshot(("s/while/Enter", "Enter"))
    snapshot.graph_def.node[0].attr["frame_name"].s = b"t/while/frame"
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"node 's/while/Enter' is in the scope but its frame_name 't/while/frame' is not",
        graph=snapshot,
        export_scope="s",
    )


def test_existing_output_shapes_when_nodes_are_rewritten(tmp_path: Path, output: Output) -> None:
    """TensorFlow asserts that _output_shapes is new when it rebuilds nodes."""
    snapshot = _snapshot(("a", "Placeholder"))
    snapshot.graph_def.node[0].attr["_output_shapes"].list.shape.add()
    snapshot.output_shapes["a"].shape.add().dim.add(size=2)
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"node 'a' already has an _output_shapes attribute",
        graph=snapshot,
        clear_devices=True,
    )
    # Without rewriting, TensorFlow's as_graph_def appends to it.
    exported = metagraph_export.export(graph=snapshot).meta_graph_def
    assert len(exported.graph_def.node[0].attr["_output_shapes"].list.shape) == 2


def _savers_snapshot() -> GraphSnapshot:
    snapshot = _snapshot(
        ("v", "VariableV2"), ("save/SaveV2", "SaveV2"), ("save/restore_all", "NoOp")
    )
    snapshot.collections.add(key="savers").items.add(saver=_saver_def())
    return snapshot


def test_clear_extraneous_savers_without_saver_def_but_with_savers(
    tmp_path: Path, output: Output
) -> None:
    """TensorFlow would build a new Saver into the graph here; a snapshot
    cannot, so this is an error rather than a different result."""
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"saver_def: .*saver_def is required",
        graph=_savers_snapshot(),
        clear_extraneous_savers=True,
    )


def test_clear_extraneous_savers_without_saver_def_or_savers_is_fine(tmp_path: Path) -> None:
    snapshot = _savers_snapshot()
    del snapshot.collections[0]
    result = metagraph_export.export(
        filename=str(tmp_path / "m.meta"), graph=snapshot, clear_extraneous_savers=True
    )
    assert [node.name for node in result.meta_graph_def.graph_def.node] == ["v"]
    assert os.listdir(tmp_path) == ["m.meta"]


@pytest.mark.parametrize(
    ("saver_def", "match"),
    [
        (SaverDef(save_tensor_name="save/x:0"), r"restore_op_name"),
        (SaverDef(restore_op_name="save/restore_all"), r"save_tensor_name"),
        (SaverDef(save_tensor_name="a:0:1", restore_op_name="r"), r"more than one ':'"),
    ],
)
def test_clear_extraneous_savers_with_an_incomplete_saver_def(
    tmp_path: Path, output: Output, saver_def: SaverDef, match: str
) -> None:
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        match,
        graph=_savers_snapshot(),
        clear_extraneous_savers=True,
        saver_def=saver_def,
    )


def test_clear_extraneous_savers_with_a_malformed_input(tmp_path: Path, output: Output) -> None:
    snapshot = _snapshot(("a", "NoOp"))
    snapshot.graph_def.node[0].input.append("b:0:1")
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"'b:0:1'",
        graph=snapshot,
        clear_extraneous_savers=True,
    )


def test_custom_op_redefining_a_builtin(tmp_path: Path, output: Output) -> None:
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"op_defs: op 'Identity' is already registered",
        graph_def=_graph_def(),
        op_defs=[OpDef(name="Identity")],
    )


def test_non_string_collection_keys_are_a_diagnostic_not_an_error(tmp_path: Path) -> None:
    snapshot = _snapshot(("a", "NoOp"))
    snapshot.non_string_collection_keys.extend(["3", "b'bytes'"])
    snapshot.collections.add(key="k").items.add(int64_value=1)
    result = metagraph_export.export(filename=str(tmp_path / "m.meta"), graph=snapshot)
    assert [(d.code, d.subject) for d in result.diagnostics] == [
        ("COLLECTION_KEY_NOT_STRING", "3"),
        ("COLLECTION_KEY_NOT_STRING", "b'bytes'"),
    ]
    assert "not a string" in result.diagnostics[0].message
    assert sorted(result.meta_graph_def.collection_def) == ["k"]
    assert os.listdir(tmp_path) == ["m.meta"]


def test_debug_info_for_a_node_missing_from_the_graph(tmp_path: Path, output: Output) -> None:
    """TensorFlow writes the .meta, then fails looking up the node; here the
    debug info is built first, so neither file is written."""
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"save_debug_info looks up operation 'ghost' .* no such operation",
        graph=_snapshot(("a", "NoOp")),
        graph_def=_graph_def("a", "ghost"),
    )


def test_debug_info_under_a_scope_looks_up_full_names(tmp_path: Path, output: Output) -> None:
    _raises_and_writes_nothing(
        tmp_path,
        output,
        InvalidArgumentError,
        r"operation 's/x' \(exported as 'x'\)",
        graph=_snapshot(("x", "NoOp")),
        graph_def=_graph_def("s/x"),
        export_scope="s",
    )


# --- Files that cannot be written ----------------------------------------------------------


def test_filename_whose_parent_is_a_file(tmp_path: Path) -> None:
    parent = tmp_path / "afile"
    parent.write_bytes(_PREVIOUS)
    with pytest.raises(WriteError, match=r"afile' is not a directory") as raised:
        metagraph_export.export(filename=str(parent / "model.meta"), graph_def=_graph_def("a"))
    assert raised.value.path == str(parent / "model.meta")
    assert raised.value.category == "WRITE_FAILED"
    assert parent.read_bytes() == _PREVIOUS
    assert os.listdir(tmp_path) == ["afile"]


def test_filename_whose_grandparent_is_a_file(tmp_path: Path) -> None:
    parent = tmp_path / "afile"
    parent.write_bytes(_PREVIOUS)
    with pytest.raises(WriteError, match=r"is not a directory"):
        metagraph_export.export(
            filename=str(parent / "sub" / "model.meta"), graph_def=_graph_def("a")
        )
    assert os.listdir(tmp_path) == ["afile"]


@pytest.mark.parametrize("trailing_slash", [False, True])
def test_filename_that_is_a_directory(tmp_path: Path, trailing_slash: bool) -> None:
    directory = tmp_path / "model.meta"
    directory.mkdir()
    (directory / "keep").write_bytes(_PREVIOUS)
    filename = str(directory) + ("/" if trailing_slash else "")
    with pytest.raises(WriteError, match="is a directory"):
        metagraph_export.export(filename=filename, graph_def=_graph_def("a"))
    assert os.listdir(tmp_path) == ["model.meta"]
    assert os.listdir(directory) == ["keep"]


def test_debug_file_that_cannot_be_written_leaves_the_meta_file(tmp_path: Path) -> None:
    meta = tmp_path / "model.meta"
    meta.write_bytes(_PREVIOUS)
    os.utime(meta, ns=(_OLD_MTIME_NS, _OLD_MTIME_NS))
    (tmp_path / "model.debug").mkdir()
    with pytest.raises(WriteError, match=r"model\.debug"):
        metagraph_export.export(
            filename=str(meta), graph=_snapshot(("a", "NoOp")), save_debug_info=True
        )
    assert meta.read_bytes() == _PREVIOUS
    assert os.stat(meta).st_mtime_ns == _OLD_MTIME_NS
    assert sorted(os.listdir(tmp_path)) == ["model.debug", "model.meta"]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes into read-only directories regardless of permissions",
)
def test_directory_without_write_permission(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "model.meta").write_bytes(_PREVIOUS)
    locked.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="ermission denied"):
            metagraph_export.export(filename=str(locked / "model.meta"), graph_def=_graph_def())
        assert os.listdir(locked) == ["model.meta"]
        assert (locked / "model.meta").read_bytes() == _PREVIOUS
    finally:
        locked.chmod(0o755)


# --- Bytes that do not decode ------------------------------------------------------------


def _serialized_graph_def() -> bytes:
    graph_def = _graph_def("a_rather_long_node_name", "another_node")
    graph_def.versions.producer = 2474
    return graph_def.SerializeToString()


_MALFORMED: dict[str, bytes] = {
    "truncated": _serialized_graph_def()[:-3],
    "truncated-in-first-node": _serialized_graph_def()[:4],
    "bad-wire-type": b"\x0f\x00",
    "bad-text": b"node { name: ",
    "unknown-text-field": b"nodes { name: 'a' }",
    "not-a-graph": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
}


@pytest.mark.parametrize("fmt", ["auto", "binary", "text"])
@pytest.mark.parametrize("case", sorted(_MALFORMED))
def test_parse_message_rejects_malformed_bytes(case: str, fmt: str) -> None:
    with pytest.raises(DecodeError) as raised:
        parse_message(_MALFORMED[case], GraphDef, "model.pb", fmt)
    message = str(raised.value)
    assert message.startswith("model.pb: not a valid tensorflow.GraphDef (")
    if fmt in ("auto", "binary"):
        assert "binary format:" in message
    if fmt in ("auto", "text"):
        assert "text format:" in message
    assert raised.value.category == "MALFORMED_INPUT"
    assert isinstance(raised.value, ValueError)


def test_parse_message_reads_what_it_rejects_when_whole() -> None:
    data = _serialized_graph_def()
    assert parse_message(data, GraphDef, "model.pb").SerializeToString() == data


def test_parse_message_with_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'json'"):
        parse_message(b"", GraphDef, "x", "json")


def _cli(*arguments: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metagraph_export", *map(str, arguments)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("case", sorted(_MALFORMED))
def test_cli_rejects_malformed_input_and_writes_nothing(
    tmp_path: Path, output: Output, case: str
) -> None:
    source = tmp_path / "input.pb"
    source.write_bytes(_MALFORMED[case])
    for extra in ([], ["--input-type", "graph_def"], ["--input-format", "binary"]):
        result = _cli(
            "export", source, "-o", output.meta, "--save-debug-info", *extra, cwd=tmp_path
        )
        assert result.returncode == 1, result
        assert result.stdout == ""
        assert result.stderr.startswith("metagraph-export: error: ")
        assert str(source) in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
        output.assert_untouched()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"graph_def": SaverDef()},
        {},
        {"graph": _variables_snapshot(), "export_scope": "a("},
        {"graph_def": _graph_def(), "collection_list": [b"\xff"]},
        {"filename": "/dev/null/model.meta", "graph_def": _graph_def()},
    ],
    ids=["type", "no-graph", "scope", "key", "write"],
)
def test_one_except_clause_catches_every_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ExportError):
        metagraph_export.export(**kwargs)
