"""The ``metagraph-export`` command line, run as a real process (EXP-CLI).

Every option must reach the export: the file the command writes is compared
byte for byte with what the Python API writes for the same arguments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import metagraph_export
import pytest
from google.protobuf import text_format
from metagraph_export import GraphSnapshot
from metagraph_export._codec import parse_message
from metagraph_export._pool import to_text
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.op_def_pb2 import OpDef, OpList
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export.tf.variable_pb2 import VariableDef


def run(
    *arguments: str | Path, cwd: Path, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "metagraph_export", *map(str, arguments)],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8"),
        completed.stderr.decode("utf-8"),
    )


def assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit status 1, one line on stderr naming the problem, no traceback."""
    assert result.returncode == 1, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("metagraph-export: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def _snapshot() -> GraphSnapshot:
    snapshot = GraphSnapshot()
    graph_def = snapshot.graph_def
    graph_def.versions.producer = 2474
    for name, op, inputs in [
        ("outside", "Placeholder", []),
        ("s/x", "LeakyRelu", ["outside"]),
        ("s/y", "MyOp", ["s/x", "^outside"]),
        ("save/Const", "Const", []),
        ("save/SaveV2", "SaveV2", ["save/Const"]),
        ("save/control_dependency", "Identity", ["save/Const"]),
        ("save/restore_all", "NoOp", []),
        ("save_1/SaveV2", "SaveV2", []),
    ]:
        node = graph_def.node.add(name=name, op=op, device="/device:CPU:0")
        node.input.extend(inputs)
    graph_def.node[1].attr["alpha"].f = 0.2
    snapshot.output_shapes["s/x"].shape.add().dim.add(size=3)
    snapshot.stack_traces["s/x"].frames.add(file="model.py", line=7, function="build")
    snapshot.collections.add(key="variables").items.add(
        variable=VariableDef(variable_name="s/v:0", snapshot_name="s/v/read:0")
    )
    snapshot.collections.add(key="savers").items.add(saver=_saver_def())
    snapshot.collections.add(key="strings").items.extend(
        [CollectionItem(string_value="s/a"), CollectionItem(string_value="t/b")]
    )
    snapshot.collections.add(key="unbound_inputs").items.add(string_value="$unbound_inputs_old")
    snapshot.collections.add(key="bad").items.extend(
        [CollectionItem(int64_value=1), CollectionItem(string_value="x")]
    )
    return snapshot


def _saver_def() -> SaverDef:
    return SaverDef(
        filename_tensor_name="save/Const:0",
        save_tensor_name="save/control_dependency:0",
        restore_op_name="save/restore_all",
    )


def _my_op() -> OpDef:
    op = OpDef(name="MyOp")
    op.input_arg.add(name="x", type_attr="T")
    op.attr.add(name="T", type="type")
    return op


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Inputs of every kind, binary and text."""
    snapshot = _snapshot()
    graph_def = GraphDef()
    graph_def.CopyFrom(snapshot.graph_def)
    paths = {
        "snapshot.pb": snapshot.SerializeToString(),
        "snapshot.pbtxt": to_text(snapshot).encode(),
        "graph.pb": graph_def.SerializeToString(),
        "graph.pbtxt": text_format.MessageToString(graph_def).encode(),
        "saver.pbtxt": text_format.MessageToString(_saver_def()).encode(),
        "info.pb": MetaGraphDef.MetaInfoDef(tags=["serve"]).SerializeToString(),
        "ops.pbtxt": text_format.MessageToString(OpList(op=[_my_op()])).encode(),
    }
    result = {}
    for name, content in paths.items():
        (tmp_path / name).write_bytes(content)
        result[name] = tmp_path / name
    return result


# --- export -----------------------------------------------------------------------------


def test_export_of_a_text_graph_def(tmp_path: Path, files: dict[str, Path]) -> None:
    result = run("export", files["graph.pbtxt"], "-o", "out/model.meta", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "out" / "model.meta"
    graph_def = GraphDef()
    graph_def.CopyFrom(_snapshot().graph_def)
    expected = metagraph_export.export(graph_def=graph_def).meta_graph_def
    assert written.read_bytes() == expected.SerializeToString(deterministic=True)
    assert (
        result.stdout.splitlines()[0] == f"wrote out/model.meta ({written.stat().st_size:,} bytes)"
    )
    assert "nodes: 8" in result.stdout
    assert "warning: op 'MyOp' is not in the op registry" in result.stdout
    assert result.stderr == ""


def test_export_of_a_binary_snapshot(tmp_path: Path, files: dict[str, Path]) -> None:
    result = run("export", files["snapshot.pb"], "-o", "model.meta", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = metagraph_export.export(graph=_snapshot()).meta_graph_def
    assert (tmp_path / "model.meta").read_bytes() == expected.SerializeToString(deterministic=True)
    assert "collections: savers (bytes_list of 1), strings (bytes_list of 2)" in result.stdout
    assert "warning: collection 'bad' is not exported" in result.stdout


@pytest.mark.parametrize("source", ["snapshot.pb", "snapshot.pbtxt"])
@pytest.mark.parametrize(
    ("flags", "kwargs"),
    [
        (["--as-text"], {"as_text": True}),
        (["--export-scope", "s"], {"export_scope": "s"}),
        (["--clear-devices"], {"clear_devices": True}),
        (
            ["--clear-extraneous-savers", "--saver-def", "saver.pbtxt"],
            {"clear_extraneous_savers": True, "saver_def": "saver"},
        ),
        (["--strip-default-attrs"], {"strip_default_attrs": True}),
        (
            ["--collection", "strings", "--collection", "variables"],
            {"collection_list": ["strings", "variables"]},
        ),
        (["--no-collections"], {"collection_list": []}),
        (
            ["--export-scope", "s", "--unbound-inputs-col-name", "custom"],
            {"export_scope": "s", "unbound_inputs_col_name": "custom"},
        ),
        (
            ["--export-scope", "s", "--no-unbound-inputs-col"],
            {"export_scope": "s", "unbound_inputs_col_name": None},
        ),
        (
            ["--graph-def", "graph.pbtxt", "--clear-devices"],
            {"graph_def": "graph", "clear_devices": True},
        ),
        (["--meta-info-def", "info.pb"], {"meta_info_def": "info"}),
        (
            ["--op-defs", "ops.pbtxt", "--strip-default-attrs"],
            {"op_defs": "ops", "strip_default_attrs": True},
        ),
        (["--input-format", "auto", "--input-type", "snapshot"], {}),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_every_option_reaches_the_export(
    tmp_path: Path, files: dict[str, Path], source: str, flags: list[str], kwargs: dict[str, Any]
) -> None:
    result = run("export", files[source], "-o", "out/model.meta", *flags, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    arguments = dict(kwargs)
    replacements: dict[str, Any] = {
        "saver": _saver_def(),
        "graph": _snapshot().graph_def,
        "info": MetaGraphDef.MetaInfoDef(tags=["serve"]),
        "ops": [_my_op()],
    }
    for key, value in arguments.items():
        if isinstance(value, str) and value in replacements:
            arguments[key] = replacements[value]
    expected_dir = tmp_path / "expected"
    metagraph_export.export(
        filename=str(expected_dir / "model.meta"), graph=_snapshot(), **arguments
    )
    assert (tmp_path / "out" / "model.meta").read_bytes() == (
        expected_dir / "model.meta"
    ).read_bytes()
    assert sorted(os.listdir(tmp_path / "out")) == ["model.meta"]


@pytest.mark.parametrize("source", ["graph.pb", "graph.pbtxt"])
@pytest.mark.parametrize(
    ("flags", "kwargs"),
    [
        ([], {}),
        (["--as-text"], {"as_text": True}),
        (["--export-scope", "s"], {"export_scope": "s"}),
        (
            ["--clear-devices", "--strip-default-attrs"],
            {"clear_devices": True, "strip_default_attrs": True},
        ),
        (
            ["--clear-extraneous-savers", "--saver-def", "saver.pbtxt"],
            {"clear_extraneous_savers": True, "saver_def": _saver_def()},
        ),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_graph_def_input_exports_as_through_the_api(
    tmp_path: Path, files: dict[str, Path], source: str, flags: list[str], kwargs: dict[str, Any]
) -> None:
    """The command builds the export in its own parse of the input file; the
    result is the API's export of the same GraphDef."""
    result = run("export", files[source], "-o", "out/model.meta", *flags, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    graph_def = GraphDef()
    graph_def.CopyFrom(_snapshot().graph_def)
    expected = tmp_path / "expected.meta"
    metagraph_export.export(filename=str(expected), graph_def=graph_def, **kwargs)
    assert (tmp_path / "out" / "model.meta").read_bytes() == expected.read_bytes()


@pytest.mark.parametrize("as_text", [False, True])
def test_save_debug_info_writes_the_debug_file(
    tmp_path: Path, files: dict[str, Path], as_text: bool
) -> None:
    flags = ["--as-text"] if as_text else []
    result = run(
        "export",
        files["snapshot.pb"],
        "-o",
        "out/model.meta",
        "--save-debug-info",
        *flags,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    expected = metagraph_export.export(
        filename=str(tmp_path / "expected" / "model.meta"),
        graph=_snapshot(),
        save_debug_info=True,
        as_text=as_text,
    )
    assert expected.debug_info is not None
    for name in ("model.meta", "model.debug"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "expected" / name).read_bytes()
    assert "wrote out/model.debug" in result.stdout


def test_json_summary(tmp_path: Path, files: dict[str, Path]) -> None:
    result = run(
        "export",
        files["snapshot.pb"],
        "-o",
        "model.meta",
        "--json",
        "--save-debug-info",
        "--export-scope",
        "s/",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    exported = metagraph_export.export(graph=_snapshot(), export_scope="s/")
    assert summary["nodes"] == len(exported.meta_graph_def.graph_def.node) == 2
    assert summary["ops"] == {"LeakyRelu": 1, "MyOp": 1}
    assert summary["devices"] == ["/device:CPU:0"]
    assert summary["files"] == [
        {"path": "model.meta", "bytes": (tmp_path / "model.meta").stat().st_size},
        {"path": "model.debug", "bytes": (tmp_path / "model.debug").stat().st_size},
    ]
    assert [(d["code"], d["subject"]) for d in summary["diagnostics"]] == [
        (d.code, d.subject) for d in exported.diagnostics
    ]
    assert {"code", "subject", "message"} <= set(summary["diagnostics"][0])
    assert summary["tensorflow_version"] == "2.21.0"
    assert summary["graph_versions"] == {"producer": 2474, "min_consumer": 0}
    assert summary["stripped_op_list"] == 1
    assert summary["collections"]["unbound_inputs"] == "bytes_list of 1"


def test_export_reads_standard_input(tmp_path: Path, files: dict[str, Path]) -> None:
    result = run(
        "export", "-", "-o", "model.meta", cwd=tmp_path, stdin=files["snapshot.pbtxt"].read_bytes()
    )
    assert result.returncode == 0, result.stderr
    expected = metagraph_export.export(graph=_snapshot()).meta_graph_def
    assert (tmp_path / "model.meta").read_bytes() == expected.SerializeToString(deterministic=True)


# --- inspect ---------------------------------------------------------------------------


@pytest.mark.parametrize("as_text", [False, True])
def test_inspect_a_written_meta_graph(
    tmp_path: Path, files: dict[str, Path], as_text: bool
) -> None:
    flags = ["--as-text"] if as_text else []
    assert (
        run("export", files["snapshot.pb"], "-o", "model.meta", *flags, cwd=tmp_path).returncode
        == 0
    )
    size = (tmp_path / "model.meta").stat().st_size
    text = run("inspect", "model.meta", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0] == f"model.meta: meta_graph_def, {size:,} bytes"
    assert "nodes: 8" in text.stdout
    assert "saver" not in text.stdout.split("collections:")[0]
    summary = json.loads(run("inspect", "model.meta", "--json", cwd=tmp_path).stdout)
    assert summary["type"] == "meta_graph_def"
    assert summary["bytes"] == size
    assert summary["nodes"] == 8
    assert sorted(summary["collections"]) == ["savers", "strings", "unbound_inputs", "variables"]
    assert (
        summary["tensorflow_git_version"]
        == metagraph_export.default_registry().tensorflow_git_version
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("snapshot.pb", "snapshot"),
        ("snapshot.pbtxt", "snapshot"),
        ("graph.pb", "graph_def"),
        ("graph.pbtxt", "graph_def"),
    ],
)
def test_inspect_detects_the_input_type(
    tmp_path: Path, files: dict[str, Path], name: str, kind: str
) -> None:
    result = run("inspect", files[name], "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["type"] == kind
    assert summary["nodes"] == 8
    if kind == "snapshot":
        assert summary["collections"]["strings"] == "2 items"


def test_input_type_and_format_overrides(tmp_path: Path, files: dict[str, Path]) -> None:
    assert (
        json.loads(
            run(
                "inspect",
                files["graph.pb"],
                "--json",
                "--input-type",
                "graph_def",
                "--input-format",
                "binary",
                cwd=tmp_path,
            ).stdout
        )["type"]
        == "graph_def"
    )
    assert_clean_error(
        run("inspect", files["graph.pbtxt"], "--input-format", "binary", cwd=tmp_path),
        str(files["graph.pbtxt"]),
    )
    assert_clean_error(
        run("export", files["graph.pb"], "-o", "m.meta", "--input-format", "text", cwd=tmp_path),
        str(files["graph.pb"]),
    )
    assert_clean_error(
        run(
            "export",
            files["snapshot.pbtxt"],
            "-o",
            "m.meta",
            "--input-type",
            "graph_def",
            cwd=tmp_path,
        ),
        "tensorflow.GraphDef",
    )
    assert not (tmp_path / "m.meta").exists()


def test_input_type_override_for_a_message_that_fits_several_types(tmp_path: Path) -> None:
    """A small snapshot without versions is also a valid MetaGraphDef;
    --input-type says which it is."""
    snapshot = GraphSnapshot()
    snapshot.graph_def.node.add(name="a", op="NoOp")
    (tmp_path / "small.pb").write_bytes(snapshot.SerializeToString())
    result = run("inspect", "small.pb", "--json", "--input-type", "snapshot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["nodes"] == 1


def test_inspect_does_not_mistake_a_small_snapshot_for_a_meta_graph(tmp_path: Path) -> None:
    snapshot = GraphSnapshot()
    snapshot.graph_def.node.add(name="a", op="NoOp")
    (tmp_path / "small.pb").write_bytes(snapshot.SerializeToString())
    result = run("inspect", "small.pb", "--json", cwd=tmp_path)
    # Either the right type, or a clear error that the type is ambiguous.
    if result.returncode == 0:
        assert json.loads(result.stdout)["type"] == "snapshot"
    else:
        assert_clean_error(result, "small.pb")


def test_inspect_reads_standard_input(tmp_path: Path, files: dict[str, Path]) -> None:
    result = run("inspect", "-", "--json", cwd=tmp_path, stdin=files["graph.pb"].read_bytes())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["type"] == "graph_def"


# --- Errors -----------------------------------------------------------------------------


def test_malformed_input(tmp_path: Path) -> None:
    (tmp_path / "bad.pbtxt").write_text("node { name: ")
    assert_clean_error(run("export", "bad.pbtxt", "-o", "m.meta", cwd=tmp_path), "bad.pbtxt")
    assert_clean_error(run("inspect", "bad.pbtxt", cwd=tmp_path), "bad.pbtxt")
    assert os.listdir(tmp_path) == ["bad.pbtxt"]


def test_malformed_text_input_error_says_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "bad.pbtxt").write_text('node { name: "a" op: }')
    result = run("export", "bad.pbtxt", "-o", "m.meta", cwd=tmp_path)
    assert_clean_error(result, "bad.pbtxt")
    assert "1:" in result.stderr, "the position of the syntax error"


def test_file_of_no_known_type(tmp_path: Path) -> None:
    meta = metagraph_export.export(graph_def=GraphDef()).meta_graph_def
    (tmp_path / "model.meta").write_bytes(meta.SerializeToString())
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert_clean_error(
        run("export", "model.meta", "-o", "out.meta", cwd=tmp_path),
        "model.meta",
        "is no GraphSnapshot or GraphDef in binary or text format (as snapshot: ",
    )
    assert_clean_error(
        run("inspect", "image.png", cwd=tmp_path),
        "image.png",
        "is no MetaGraphDef, GraphSnapshot or GraphDef in binary or text format",
    )
    assert sorted(os.listdir(tmp_path)) == ["image.png", "model.meta"]


@pytest.mark.parametrize(
    "flag", ["input", "--graph-def", "--meta-info-def", "--saver-def", "--op-defs"]
)
def test_missing_file(tmp_path: Path, files: dict[str, Path], flag: str) -> None:
    arguments = (
        ["missing.pb"] if flag == "input" else [str(files["snapshot.pb"]), flag, "missing.pb"]
    )
    result = run("export", *arguments, "-o", "m.meta", cwd=tmp_path)
    assert_clean_error(result, "missing.pb", "No such file or directory")
    assert not (tmp_path / "m.meta").exists()


def test_inspect_missing_file(tmp_path: Path) -> None:
    assert_clean_error(
        run("inspect", "missing.meta", cwd=tmp_path), "missing.meta", "No such file or directory"
    )


def test_unwritable_output(tmp_path: Path, files: dict[str, Path]) -> None:
    (tmp_path / "afile").write_bytes(b"keep")
    result = run("export", files["snapshot.pb"], "-o", "afile/model.meta", cwd=tmp_path)
    assert_clean_error(result, "afile/model.meta", "is not a directory")
    assert (tmp_path / "afile").read_bytes() == b"keep"
    (tmp_path / "adir.meta").mkdir()
    result = run("export", files["snapshot.pb"], "-o", "adir.meta", cwd=tmp_path)
    assert_clean_error(result, "adir.meta", "is a directory")
    assert os.listdir(tmp_path / "adir.meta") == []


@pytest.mark.parametrize(
    ("flags", "fragments"),
    [
        (["--export-scope", "a(", "--graph-def", "graph.pbtxt"], ["export_scope", "regular"]),
        (["--clear-extraneous-savers"], ["saver_def"]),
        (["--saver-def", "junk.bin"], ["junk.bin", "tensorflow.SaverDef"]),
        (["--op-defs", "junk.bin"], ["junk.bin", "tensorflow.OpList"]),
        (["--meta-info-def", "junk.bin"], ["junk.bin", "tensorflow.MetaGraphDef.MetaInfoDef"]),
        (["--graph-def", "junk.bin"], ["junk.bin", "tensorflow.GraphDef"]),
    ],
)
def test_export_errors_are_one_line(
    tmp_path: Path, files: dict[str, Path], flags: list[str], fragments: list[str]
) -> None:
    snapshot = _snapshot()
    (tmp_path / "scoped.pb").write_bytes(snapshot.SerializeToString())
    (tmp_path / "junk.bin").write_bytes(b"\x0f\xff")
    if "a(" in flags:
        (tmp_path / "graph.pbtxt").write_text('node { name: "a(x/y" op: "NoOp" }')
    result = run("export", "scoped.pb", "-o", "out/m.meta", *flags, cwd=tmp_path)
    assert_clean_error(result, *fragments)
    assert not (tmp_path / "out").exists()


def test_conflicting_custom_op(tmp_path: Path, files: dict[str, Path]) -> None:
    (tmp_path / "identity.pbtxt").write_text('op { name: "Identity" }')
    result = run(
        "export", files["snapshot.pb"], "-o", "m.meta", "--op-defs", "identity.pbtxt", cwd=tmp_path
    )
    assert_clean_error(result, "op_defs", "'Identity' is already registered")


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["frobnicate"],
        ["export", "snapshot.pb"],
        ["export", "-o", "m.meta"],
        ["export", "snapshot.pb", "-o", "m.meta", "--no-such-flag"],
        ["export", "snapshot.pb", "-o", "m.meta", "--input-type", "meta_graph_def"],
        ["export", "snapshot.pb", "-o", "m.meta", "--input-format", "json"],
        ["export", "snapshot.pb", "-o", "m.meta", "--collection", "a", "--no-collections"],
        [
            "export",
            "snapshot.pb",
            "-o",
            "m.meta",
            "--unbound-inputs-col-name",
            "x",
            "--no-unbound-inputs-col",
        ],
        ["inspect"],
        ["inspect", "a", "b"],
    ],
    ids=lambda arguments: " ".join(arguments) or "nothing",
)
def test_bad_usage_exits_with_status_2(
    tmp_path: Path, files: dict[str, Path], arguments: list[str]
) -> None:
    result = run(*arguments, cwd=tmp_path)
    assert result.returncode == 2, result
    assert "usage: metagraph-export" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "m.meta").exists()


def test_help_exits_with_status_0(tmp_path: Path) -> None:
    for arguments in (["--help"], ["export", "--help"], ["inspect", "--help"]):
        result = run(*arguments, cwd=tmp_path)
        assert result.returncode == 0
        assert result.stdout.startswith("usage: metagraph-export")


def test_text_output_parses_back(tmp_path: Path, files: dict[str, Path]) -> None:
    assert (
        run("export", files["snapshot.pb"], "-o", "m.pbtxt", "--as-text", cwd=tmp_path).returncode
        == 0
    )
    parsed = parse_message((tmp_path / "m.pbtxt").read_bytes(), MetaGraphDef, "m", "text")
    assert parsed == metagraph_export.export(graph=_snapshot()).meta_graph_def


# --- What the command line refuses, and how it ends --------------------------------------


def _snapshot_file(root: Path) -> Path:
    path = root / "s.binpb"
    path.write_bytes(_snapshot().SerializeToString())
    return path


def test_version(tmp_path: Path) -> None:
    result = run("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"metagraph-export {metagraph_export.__version__}"


@pytest.mark.parametrize("alias", ["same", "hard link", "symbolic link"])
def test_output_onto_the_input_is_refused(tmp_path: Path, alias: str) -> None:
    source = _snapshot_file(tmp_path)
    before = source.read_bytes()
    output = source
    if alias == "hard link":
        output = tmp_path / "linked.meta"
        os.link(source, output)
    elif alias == "symbolic link":
        output = tmp_path / "alias.meta"
        output.symlink_to(source.name)
    result = run("export", source, "-o", output, cwd=tmp_path)
    assert_clean_error(result, "is the input")
    assert source.read_bytes() == before


def test_debug_file_onto_an_input_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "model.debug"
    source.write_bytes(_snapshot().SerializeToString())
    result = run("export", source, "-o", tmp_path / "model.meta", "--save-debug-info", cwd=tmp_path)
    assert_clean_error(result, "model.debug is the input")
    assert not (tmp_path / "model.meta").exists()


def test_empty_input_is_refused_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "empty.pb").write_bytes(b"")
    (tmp_path / "out.meta").write_bytes(b"keep")
    result = run("export", "empty.pb", "-o", "out.meta", cwd=tmp_path)
    assert_clean_error(result, "empty.pb", "is empty", "--allow-empty")
    assert (tmp_path / "out.meta").read_bytes() == b"keep"
    allowed = run("export", "empty.pb", "-o", "out.meta", "--allow-empty", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    exported = MetaGraphDef.FromString((tmp_path / "out.meta").read_bytes())
    assert exported.HasField("graph_def") and not exported.graph_def.node


def test_empty_standard_input_is_refused(tmp_path: Path) -> None:
    result = run("export", "-", "-o", "out.meta", cwd=tmp_path, stdin=b"")
    assert_clean_error(result, "standard input", "is empty")


def test_save_debug_info_of_a_graph_def_input_is_refused_with_the_reason(tmp_path: Path) -> None:
    """A GraphDef has no stack traces, and EXP-DEBUG-4 looks nodes up in a graph."""
    (tmp_path / "g.pb").write_bytes(_snapshot().graph_def.SerializeToString())
    result = run("export", "g.pb", "-o", "g.meta", "--save-debug-info", cwd=tmp_path)
    assert_clean_error(result, "g.pb is a GraphDef", "snapshot")
    assert not (tmp_path / "g.meta").exists()


def test_inspect_reads_the_debug_files_export_writes(tmp_path: Path) -> None:
    _snapshot_file(tmp_path)
    exported = run("export", "s.binpb", "-o", "m.meta", "--save-debug-info", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    result = run("inspect", "m.debug", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["type"] == "debug_info"
    assert summary["files"] == ["model.py"]
    assert summary["nodes"] == summary["traces"] == 1
    text = run("inspect", "m.debug", cwd=tmp_path)
    assert "model.py" in text.stdout


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    _snapshot_file(tmp_path)
    pipeline = subprocess.run(
        f"'{sys.executable}' -m metagraph_export inspect --json s.binpb | head -c 1",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
        executable="/bin/bash",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert pipeline.stdout == b"{"
    assert pipeline.stderr == b""


def test_output_dash_writes_standard_output(tmp_path: Path) -> None:
    source = _snapshot_file(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "metagraph_export", "export", str(source), "-o", "-"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert not (tmp_path / "-").exists()
    expected = metagraph_export.export_meta_graph(graph=_snapshot())
    assert result.stdout == expected.SerializeToString(deterministic=True)
    assert b"nodes:" in result.stderr
    text = run("export", source, "-o", "-", "--as-text", cwd=tmp_path)
    assert text_format.Parse(text.stdout, MetaGraphDef()) == expected


def test_output_dash_refuses_binary_to_a_terminal(tmp_path: Path) -> None:
    import pty

    source = _snapshot_file(tmp_path)
    leader, follower = pty.openpty()
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "metagraph_export", "export", str(source), "-o", "-"],
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert completed.returncode == 1
    assert b"binary output to a terminal" in completed.stderr


def test_output_dash_with_a_debug_file_is_refused(tmp_path: Path) -> None:
    _snapshot_file(tmp_path)
    result = run("export", "s.binpb", "-o", "-", "--save-debug-info", cwd=tmp_path)
    assert_clean_error(result, "--save-debug-info")


def test_serve_without_its_extra_says_how_to_install_it(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    # A module that refuses to import stands for the extra not installed.
    (blocker / "grpc_health").mkdir()
    (blocker / "grpc_health" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'grpc_health'\", name='grpc_health')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "metagraph_export", "serve", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            **os.environ,
            "PYTHONPATH": f"{blocker}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        },
    )
    assert result.returncode == 1
    assert "pip install 'metagraph-export[server]'" in result.stderr


def test_conformance_generate_help_needs_no_tensorflow(tmp_path: Path) -> None:
    result = run("conformance", "generate", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--check" in result.stdout and "TensorFlow environment" in result.stdout


@pytest.mark.parametrize(
    ("options", "warning"),
    [
        (["--export-scope", "nope"], "export scope 'nope' matches no node"),
        (["--collection", "no_such_key"], "collection_list names 'no_such_key'"),
    ],
)
def test_a_scope_or_collection_matching_nothing_is_warned_about(
    tmp_path: Path, options: list[str], warning: str
) -> None:
    """EXP-DIAG-6, EXP-DIAG-7: TensorFlow says nothing; the command line says why."""
    _snapshot_file(tmp_path)
    result = run("export", "s.binpb", "-o", "m.meta", *options, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"warning: {warning}" in result.stdout
