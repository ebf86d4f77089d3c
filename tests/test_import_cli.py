"""``metagraph-export import`` on real files (spec/import.md; the command runs in a process)."""

from __future__ import annotations

from pathlib import Path

import metagraph_export
import pytest
from metagraph_export._codec import parse_message
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from test_cli import assert_clean_error, run

_EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "mlp.snapshot.binpb"


def _read(path: Path) -> GraphSnapshot:
    return parse_message(path.read_bytes(), GraphSnapshot, str(path))


def test_import_the_exported_example(tmp_path: Path) -> None:
    """IMP-READ-3, IMP-SCOPE-3, IMP-NAME-2: export, import, import again into the result."""
    assert run("export", _EXAMPLE, "-o", "x.meta", cwd=tmp_path).returncode == 0
    first = run("import", "x.meta", "-o", "one.binpb", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    one = _read(tmp_path / "one.binpb")
    expected = metagraph_export.import_meta_graph(str(tmp_path / "x.meta")).snapshot
    assert one == expected
    example = _read(_EXAMPLE)
    assert [n.name for n in one.graph_def.node] == [n.name for n in example.graph_def.node]

    second = run(
        "import", "x.meta", "--into", "one.binpb", "--import-scope", "tower", "--clear-devices",
        "-o", "two.binpb", cwd=tmp_path,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    two = _read(tmp_path / "two.binpb")
    added = two.graph_def.node[len(one.graph_def.node) :]
    assert len(added) == len(one.graph_def.node)
    assert all(n.name.startswith("tower/") and not n.device for n in added)


def test_input_map_and_text_output(tmp_path: Path) -> None:
    """IMP-MAP-3: --input-map OLD=NEW remaps an input to a tensor of --into."""
    assert run("export", _EXAMPLE, "-o", "x.meta", cwd=tmp_path).returncode == 0
    assert run("import", "x.meta", "-o", "base.binpb", cwd=tmp_path).returncode == 0
    base = _read(tmp_path / "base.binpb")
    placeholder = next(n.name for n in base.graph_def.node if n.op == "Placeholder")
    result = run(
        "import", "x.meta", "--into", "base.binpb", "--import-scope", "b",
        "--input-map", f"{placeholder}={placeholder}:0", "--as-text", "-o", "m.txtpb",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    mapped = parse_message((tmp_path / "m.txtpb").read_bytes(), GraphSnapshot, "m", "text")
    users = [n for n in mapped.graph_def.node if n.name.startswith("b/") and placeholder in n.input]
    assert users, "no imported node reads the mapped placeholder"


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (("missing.meta",), "does not exist"),
        (("x.meta", "--input-map", "novalue"), "OLD=NEW"),
        (("x.meta", "--input-map", "a=nope:0"), "input_map"),
        (("x.meta", "--import-scope=-bad"), "import_scope"),
    ],
)
def test_errors_leave_no_file(tmp_path: Path, arguments: tuple[str, ...], fragment: str) -> None:
    """IMP-ALGO-2: one clean error line, nothing written."""
    assert run("export", _EXAMPLE, "-o", "x.meta", cwd=tmp_path).returncode == 0
    result = run("import", *arguments, "-o", "out.binpb", cwd=tmp_path)
    assert_clean_error(result, fragment)
    assert not (tmp_path / "out.binpb").exists()


@pytest.mark.tensorflow
@pytest.mark.parametrize("as_text", [False, True])
def test_import_a_file_written_by_tensorflow(tmp_path: Path, as_text: bool) -> None:
    """A .meta written by TensorFlow's export_meta_graph: the command's snapshot
    is what TensorFlow's import leaves in a fresh graph."""
    tf = pytest.importorskip("tensorflow", reason="needs the TensorFlow 2.21 environment")
    from metagraph_export._tf_adapter import snapshot_from_graph
    from tensorflow.python.framework import meta_graph

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/cpu:0"):
            x = v1.placeholder(tf.float32, [None, 2], name="x")
        weights = v1.get_variable("w", [2, 1], use_resource=True)
        with tf.name_scope("model"):
            tf.matmul(x, weights, name="y")
        v1.add_to_collection("inputs", x)
        saver = v1.train.Saver()
        v1.train.export_meta_graph(
            str(tmp_path / "tf.meta"), saver_def=saver.saver_def, as_text=as_text
        )
    result = run("import", "tf.meta", "--import-scope", "m", "-o", "s.binpb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    target = tf.Graph()
    with target.as_default():
        meta_graph.import_scoped_meta_graph_with_return_elements(
            str(tmp_path / "tf.meta"), import_scope="m"
        )
    theirs = snapshot_from_graph(target, stack_traces=False)
    ours = _read(tmp_path / "s.binpb")
    assert ours.graph_def == theirs.graph_def
    assert list(ours.collections) == list(theirs.collections)
    assert dict(ours.output_shapes) == dict(theirs.output_shapes)
