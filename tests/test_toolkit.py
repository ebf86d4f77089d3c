"""The toolkit (diff, canonical, hash, summarize, prune, convert) on real files:
the bundled example exported by the command line, and the meta graphs
TensorFlow 2.21 wrote for the conformance goldens; run as real processes."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import metagraph_export
import pytest
from google.protobuf import json_format
from metagraph_export._codec import parse_message
from metagraph_export._toolkit import load
from metagraph_export.tf.control_flow_pb2 import WhileContextDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.variable_pb2 import VariableDef
from metagraph_export_conformance.suite import load_case
from test_toolkit_properties import scrambled

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "mlp.snapshot.binpb"
CASES = ROOT / "conformance" / "cases"
# A while loop TensorFlow exported, with external values in its context.
WHILE_FILE = CASES / "controlflow" / "Required.ControlFlow.ExternalValuesBinary.files" / "cf.pb"


def run(*arguments: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metagraph_export", *map(str, arguments)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _golden_meta_graphs() -> Iterator[tuple[Path, MetaGraphDef]]:
    """Every MetaGraphDef file TensorFlow wrote for a golden, with the message
    the same export returned (the case's expectation)."""
    logging.disable(logging.WARNING)
    for directory in sorted(CASES.glob("*/*.files")):
        case = load_case(directory.with_name(directory.name.removesuffix(".files") + ".textproto"))
        if not case.message.expected.HasField("export"):
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix in (".meta", ".pb", ".pbtxt"):
                yield path, case.message.expected.export.meta_graph_def
    logging.disable(logging.NOTSET)


GOLDENS = list(_golden_meta_graphs())


@pytest.fixture(scope="module")
def mlp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example, exported with ``metagraph-export export``."""
    directory = tmp_path_factory.mktemp("mlp")
    result = run("export", EXAMPLE, "-o", "mlp.meta", cwd=directory)
    assert result.returncode == 0, result.stderr
    return directory / "mlp.meta"


def test_goldens_are_many() -> None:
    assert len(GOLDENS) >= 100
    kinds = {load(str(path)).kind for path, _ in GOLDENS[:20]}
    assert kinds == {"meta_graph_def"}


@pytest.mark.parametrize(("path", "expected"), GOLDENS, ids=lambda v: getattr(v, "name", ""))
def test_tensorflow_file_equals_the_returned_message(path: Path, expected: MetaGraphDef) -> None:
    """The file TensorFlow wrote and the message it returned are the same meta
    graph, versions included, binary and text alike; the hash agrees."""
    written = load(str(path)).meta_graph_def
    result = metagraph_export.diff(written, expected, include_versions=True)
    assert result.equal, result.to_text()
    assert metagraph_export.content_hash(written) == metagraph_export.content_hash(expected)


def test_tensorflow_control_flow_context_reencoded(tmp_path: Path) -> None:
    """A while context TensorFlow wrote, its external_values map encoded in
    other orders: other bytes, same meaning, same hash."""
    original = load(str(WHILE_FILE)).meta_graph_def
    contexts = original.collection_def["while_context"].bytes_list.value
    context = WhileContextDef()
    context.ParseFromString(contexts[0])
    assert len(context.values_def.external_values) >= 2
    hashes = set()
    encodings = set()
    for seed in range(8):
        other = MetaGraphDef()
        other.CopyFrom(original)
        other.collection_def["while_context"].bytes_list.value[0] = scrambled(
            context, random.Random(seed)
        )
        encodings.add(other.SerializeToString(deterministic=True))
        assert metagraph_export.diff(original, other).equal
        hashes.add(metagraph_export.content_hash(other))
        (tmp_path / f"cf{seed}.pb").write_bytes(other.SerializeToString())
    assert len(encodings) > 1
    assert hashes == {metagraph_export.content_hash(original)}
    result = run("hash", *sorted(tmp_path.glob("*.pb")), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {line.split("  ")[0] for line in result.stdout.splitlines()} == hashes
    # A real change inside the context is reported by field, parsed.
    context.values_def.external_values["w/while/Less/Enter"] = "elsewhere"
    other = MetaGraphDef()
    other.CopyFrom(original)
    other.collection_def["while_context"].bytes_list.value[0] = context.SerializeToString()
    text = metagraph_export.diff(original, other).to_text()
    assert (
        'bytes_list.value[0]<WhileContextDef>.values_def.external_values["w/while/Less/Enter"]'
        in text
    ), text


def test_summarize_the_example(mlp: Path) -> None:
    result = run("summarize", mlp, "--json", cwd=mlp.parent)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["type"] == "meta_graph_def"
    assert summary["inputs"] == ["input/images", "input/labels"]
    assert "probabilities" in summary["outputs"]
    assert not any(name.startswith("saver/") for name in summary["outputs"])
    variables = {v["name"]: v for v in summary["variables"]}
    assert variables["model/hidden/kernel"]["shape"] == [784, 128]
    assert variables["model/hidden/kernel"]["elements"] == 100_352
    assert variables["model/hidden/kernel"]["trainable"] is True
    assert variables["global_step"]["trainable"] is False
    assert sum(summary["ops"].values()) == summary["nodes"] == 176
    text = run("summarize", mlp, cwd=mlp.parent).stdout
    assert "model/hidden/kernel: float [784, 128], 100,352 elements" in text


def test_convert_round_trips(mlp: Path) -> None:
    directory = mlp.parent
    original = parse_message(mlp.read_bytes(), MetaGraphDef, "mlp")
    for fmt in ("text", "json", "binary"):
        result = run("convert", mlp, "-o", f"mlp.{fmt}", "--to", fmt, cwd=directory)
        assert result.returncode == 0, result.stderr
    assert (directory / "mlp.binary").read_bytes() == original.SerializeToString(deterministic=True)
    from_json = json_format.Parse((directory / "mlp.json").read_text(), MetaGraphDef())
    assert from_json == original
    assert parse_message((directory / "mlp.text").read_bytes(), MetaGraphDef, "t") == original
    result = run("diff", mlp, directory / "mlp.text", cwd=directory)
    assert (result.returncode, result.stdout) == (0, "equal\n")
    hashes = run("hash", mlp, directory / "mlp.text", "--json", cwd=directory)
    assert hashes.returncode == 0
    assert len({entry["sha256"] for entry in json.loads(hashes.stdout)}) == 1


def test_diff_reports_changes_and_versions(mlp: Path, tmp_path: Path) -> None:
    original = parse_message(mlp.read_bytes(), MetaGraphDef, "mlp")
    changed = MetaGraphDef()
    changed.CopyFrom(original)
    changed.meta_info_def.tensorflow_version = "2.99.0"
    (tmp_path / "version.meta").write_bytes(changed.SerializeToString())
    assert run("diff", mlp, tmp_path / "version.meta", cwd=tmp_path).returncode == 0
    strict = run("diff", "--include-versions", mlp, tmp_path / "version.meta", cwd=tmp_path)
    assert strict.returncode == 1
    assert 'meta_info_def.tensorflow_version: "2.21.0" -> "2.99.0"' in strict.stdout
    node = next(node for node in changed.graph_def.node if node.name == "model/hidden/MatMul")
    node.attr["transpose_a"].b = True
    del changed.graph_def.node[0]
    changed.graph_def.node.add(name="extra", op="NoOp")
    (tmp_path / "changed.meta").write_bytes(changed.SerializeToString())
    result = run("diff", mlp, tmp_path / "changed.meta", "--json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    entries = {(e["section"], e["name"], e["status"]): e for e in report["entries"]}
    assert ("nodes", "extra", "added") in entries
    assert ("nodes", original.graph_def.node[0].name, "removed") in entries
    matmul = entries["nodes", "model/hidden/MatMul", "changed"]
    assert matmul["changes"] == [
        {"path": 'attr["transpose_a"].b', "before": "false", "after": "true"}
    ]
    assert report["counts"]["nodes"] == {"added": 1, "removed": 1, "changed": 1}


def test_canonical_file_hashes_like_the_input(mlp: Path) -> None:
    directory = mlp.parent
    result = run("canonical", mlp, "-o", "mlp.canonical", cwd=directory)
    assert result.returncode == 0, result.stderr
    canonical = (directory / "mlp.canonical").read_bytes()
    assert canonical == metagraph_export.canonical_bytes(
        parse_message(mlp.read_bytes(), MetaGraphDef, "mlp")
    )
    hashes = run("hash", mlp, directory / "mlp.canonical", cwd=directory)
    assert hashes.returncode == 0
    first, second = hashes.stdout.splitlines()
    assert first.split("  ")[0] == second.split("  ")[0]
    reported = run("canonical", mlp, "-o", "again.canonical", "--json", cwd=directory)
    assert json.loads(reported.stdout)["sha256"] == first.split("  ")[0]
    assert second.endswith("  " + str(directory / "mlp.canonical"))


def test_prune_the_example(mlp: Path) -> None:
    directory = mlp.parent
    result = run(
        "prune", mlp, "--outputs", "probabilities", "-o", "probabilities.meta", cwd=directory
    )
    assert result.returncode == 0, result.stderr
    pruned = parse_message((directory / "probabilities.meta").read_bytes(), MetaGraphDef, "p")
    names = [node.name for node in pruned.graph_def.node]
    original = parse_message(mlp.read_bytes(), MetaGraphDef, "mlp")
    # Original order kept; everything probabilities needs is there.
    order = [node.name for node in original.graph_def.node]
    assert names == sorted(names, key=order.index)
    assert {"probabilities", "input/images", "model/hidden/kernel"} <= set(names)
    assert "train/GradientDescent" not in names
    kept = set(names)
    for key, collection in pruned.collection_def.items():
        if collection.WhichOneof("kind") == "node_list":
            assert all(
                value.split(":")[0].lstrip("^") in kept for value in collection.node_list.value
            ), key
    variables = pruned.collection_def["variables"].bytes_list.value
    assert sorted(VariableDef.FromString(v).variable_name.split(":")[0] for v in variables) == [
        "model/hidden/bias",
        "model/hidden/kernel",
        "model/logits/bias",
        "model/logits/kernel",
    ]
    assert "train_op" not in pruned.collection_def
    used = {node.op for node in pruned.graph_def.node}
    assert {op.name for op in pruned.meta_info_def.stripped_op_list.op} == used & {
        op.name for op in original.meta_info_def.stripped_op_list.op
    }


def _assert_input_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("metagraph-export: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is empty"),
        (b"not a graph at all", "is no MetaGraphDef, GraphDef or GraphSnapshot"),
        (b"\x0a\xff\xff\xff\x0f", "is no MetaGraphDef"),
    ],
    ids=["empty", "text", "truncated"],
)
def test_bad_input_writes_nothing(tmp_path: Path, content: bytes, fragment: str) -> None:
    bad = tmp_path / "bad.meta"
    bad.write_bytes(content)
    commands = [
        ("canonical", bad, "-o", "out"),
        ("prune", bad, "--outputs", "x", "-o", "out"),
        ("convert", bad, "-o", "out", "--to", "json"),
        ("summarize", bad),
        ("hash", bad),
        ("diff", bad, bad),
    ]
    for command in commands:
        _assert_input_error(run(*command, cwd=tmp_path), "bad.meta", fragment)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad.meta"]


def test_unusable_paths_and_outputs(mlp: Path, tmp_path: Path) -> None:
    _assert_input_error(run("hash", mlp, "missing.meta", cwd=tmp_path), "missing.meta")
    _assert_input_error(run("summarize", tmp_path, cwd=tmp_path), "is a directory")
    (tmp_path / "taken").mkdir()
    _assert_input_error(
        run("convert", mlp, "-o", "taken", "--to", "text", cwd=tmp_path), "it is a directory"
    )
    _assert_input_error(
        run("prune", mlp, "--outputs", "nope", "-o", "p.meta", cwd=tmp_path),
        "nope is not in graph",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["taken"]
    assert list((tmp_path / "taken").iterdir()) == []
    usage = run("diff", mlp, cwd=tmp_path)
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_existing_output_is_replaced_whole_or_kept(mlp: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.meta"
    target.write_bytes(b"before")
    failed = run("prune", mlp, "--outputs", "nope", "-o", target, cwd=tmp_path)
    assert failed.returncode == 2
    assert target.read_bytes() == b"before"
    done = run("prune", mlp, "--outputs", "probabilities", "-o", target, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert parse_message(target.read_bytes(), MetaGraphDef, "out").graph_def.node
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.meta"]


def test_api_arguments_are_checked_and_kept() -> None:
    with pytest.raises(metagraph_export.ArgumentTypeError, match="MetaGraphDef or"):
        metagraph_export.diff(b"bytes", MetaGraphDef())
    with pytest.raises(metagraph_export.ArgumentTypeError, match="outputs"):
        metagraph_export.prune(MetaGraphDef(), "a")
    graph = load(str(WHILE_FILE)).meta_graph_def
    before = graph.SerializeToString()
    metagraph_export.prune(graph, ["w/while/Exit"])
    metagraph_export.canonical_bytes(graph)
    assert graph.SerializeToString() == before
    summary = metagraph_export.summarize(graph)
    assert json.loads(summary.to_json())["nodes"] == len(graph.graph_def.node)
    assert summary.outputs == ["w/while/Exit", "w/while/Exit_1"]


def test_inspect_lists_nodes_and_reads_debug_files(tmp_path: Path) -> None:
    exported = run("export", EXAMPLE, "-o", "mlp.meta", "--save-debug-info", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    listed = run("inspect", "mlp.meta", "--op", "VarHandleOp", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [row["name"] for row in json.loads(listed.stdout)] == [
        "global_step",
        "model/hidden/kernel",
        "model/hidden/bias",
        "model/logits/kernel",
        "model/logits/bias",
    ]
    globbed = run("inspect", "mlp.meta", "--nodes", "model/*/kernel", cwd=tmp_path)
    assert globbed.stdout.splitlines()[-1] == "2 of 176 nodes"
    debug = run("inspect", "mlp.debug", "--json", cwd=tmp_path)
    assert debug.returncode == 0, debug.stderr
    details = json.loads(debug.stdout)
    assert details["type"] == "debug_info"
    assert details["nodes"] == 176 and "tools/make_example.py" in details["files"]
    missing = run("inspect", tmp_path, cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("(no saved_model.pb or saved_model.pbtxt)")


def _in_a_terminal(*arguments: str | Path, cwd: Path) -> tuple[int, str]:
    """Runs the command with stderr on a pseudo-terminal; returns its status
    and what it wrote there."""
    import os
    import pty

    # A new pseudo-terminal reports a size of 0 by 0, as some real ones do.
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "metagraph_export", *map(str, arguments)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=secondary,
    )
    os.close(secondary)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal is closed once the process is gone
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    return process.wait(timeout=300), seen.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def large_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300k nodes of the benchmarks' fan_in shape: seconds of work."""
    from benchmarks.graphs import build_graph_def, parse_size

    path = tmp_path_factory.mktemp("large") / "fan_in_300k.pb"
    path.write_bytes(build_graph_def("fan_in", parse_size("300k")).SerializeToString())
    return path


def test_progress_bar_on_a_terminal_only(large_graph: Path, tmp_path: Path) -> None:
    pytest.importorskip("tqdm", reason="the progress bar is tqdm's (the cli extra)")
    status, shown = _in_a_terminal("summarize", large_graph, cwd=tmp_path)
    assert status == 0
    assert "summarizing:" in shown and "nodes/s" in shown, shown[-500:]
    status, shown = _in_a_terminal("summarize", "--quiet", large_graph, cwd=tmp_path)
    assert (status, shown) == (0, "")
    piped = run("summarize", large_graph, cwd=tmp_path)
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout.splitlines()[1].startswith("nodes: 300,016 ")


def test_public_functions_stay_functions_after_their_modules_are_imported() -> None:
    # A fresh interpreter: the toolkit's modules imported first (as the command
    # line and other callers do), the package's public names asked for after.
    code = (
        "import importlib\n"
        "for name in ('diff', 'prune', 'summarize', 'canonical', 'saved_model'):\n"
        "    importlib.import_module('metagraph_export._toolkit.' + name)\n"
        "import metagraph_export\n"
        "for name in ('diff', 'prune', 'summarize', 'canonical_bytes', 'content_hash',\n"
        "             'read_saved_model'):\n"
        "    assert callable(getattr(metagraph_export, name)), name\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
