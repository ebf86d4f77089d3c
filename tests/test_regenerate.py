"""tools/regenerate.py: one command for every generated file, and its --check."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOL = Path("tools") / "regenerate.py"
PROTOBUF_CODE = Path("python") / "metagraph_export" / "tf"
NOT_CHECKED = "not checked: example: needs the TensorFlow environment (tools/make-tf-env)"


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regenerate", REPO_ROOT / TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def regenerate(tree: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The tree's own copy of the tool, which works on that tree only."""
    return subprocess.run(
        [sys.executable, str(tree / TOOL), *arguments],
        capture_output=True,
        text=True,
        check=False,
    )


def tensorflow_importable() -> bool:
    return importlib.util.find_spec("tensorflow") is not None


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the repository, to edit."""
    copy = tmp_path / "tree"
    load_tool().copy_tree(REPO_ROOT, copy)
    return copy


def test_check_lists_every_stale_file_and_regenerating_restores_them(tree: Path) -> None:
    clean = regenerate(tree, "--check", "--only", "protos")
    assert clean.returncode == 0, clean.stderr
    assert "protos       up to date" in clean.stdout

    edited = tree / PROTOBUF_CODE / "graph_pb2.py"
    edited.write_text(edited.read_text() + "# edited\n")
    (tree / PROTOBUF_CODE / "graph_pb2.pyi").unlink()
    stray = tree / PROTOBUF_CODE / "stray_pb2.py"
    stray.write_text("# no .proto generates this\n")
    hand_written = tree / "python" / "metagraph_export" / "_scope.py"
    hand_written.write_text(hand_written.read_text() + "# not generated, not compared\n")

    stale = regenerate(tree, "--check", "--only", "protos")
    assert stale.returncode == 1, stale.stdout + stale.stderr
    listed = [
        line for line in stale.stderr.splitlines() if line.endswith(("differs", "missing", "over"))
    ]
    assert listed == [
        f"regenerate --check: {PROTOBUF_CODE.as_posix()}/graph_pb2.py: differs",
        f"regenerate --check: {PROTOBUF_CODE.as_posix()}/graph_pb2.pyi: missing",
        f"regenerate --check: {PROTOBUF_CODE.as_posix()}/stray_pb2.py: left over",
    ]
    # --check changed nothing.
    assert edited.read_text().endswith("# edited\n")
    assert stray.exists()
    assert not (tree / PROTOBUF_CODE / "graph_pb2.pyi").exists()

    written = regenerate(tree, "--only", "protos")
    assert written.returncode == 0, written.stderr
    for name in ("graph_pb2.py", "graph_pb2.pyi"):
        assert (tree / PROTOBUF_CODE / name).read_bytes() == (
            REPO_ROOT / PROTOBUF_CODE / name
        ).read_bytes()
    assert not stray.exists()
    assert hand_written.read_text().endswith("# not generated, not compared\n")
    again = regenerate(tree, "--check", "--only", "protos")
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("pinned", "replacement", "distribution"),
    [
        ('"grpcio-tools==1.85.1"', '"grpcio-tools==1.0.0"', "grpcio-tools"),
        ('"mypy-protobuf==5.1.0"', '"mypy-protobuf==1.0"', "mypy-protobuf"),
        ('"protobuf>=7.35.1,<8"', '"protobuf>=99"', "protobuf"),
    ],
)
def test_a_tool_at_another_version_fails_instead_of_skipping(
    tmp_path: Path, pinned: str, replacement: str, distribution: str
) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / TOOL).write_bytes((REPO_ROOT / TOOL).read_bytes())
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert pinned in pyproject
    (tmp_path / "pyproject.toml").write_text(pyproject.replace(pinned, replacement))

    result = regenerate(tmp_path, "--check", "--only", "protos")
    assert result.returncode == 2, result.stdout + result.stderr
    installed = importlib.metadata.version(distribution)
    assert f"{distribution} {installed} is installed; pyproject.toml pins " in result.stderr
    assert "up to date" not in result.stdout


@pytest.mark.skipif(
    tensorflow_importable(), reason="TensorFlow is importable: the TensorFlow parts run here"
)
def test_without_tensorflow_its_parts_are_named_as_not_checked() -> None:
    result = regenerate(REPO_ROOT, "--check", "--only", "example")
    assert result.returncode == 0, result.stderr
    assert f"warning: {NOT_CHECKED}" in result.stderr
    required = regenerate(REPO_ROOT, "--check", "--only", "example", "--require-all")
    assert required.returncode == 2
    assert f"error: {NOT_CHECKED}" in required.stderr


@pytest.mark.tensorflow
@pytest.mark.skipif(
    not tensorflow_importable(), reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
)
def test_tensorflow_parts_check_the_example_and_the_goldens(tree: Path) -> None:
    clean = regenerate(tree, "--check", "--require-all", "--only", "example", "goldens")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    example = tree / "examples" / "mlp.snapshot.binpb"
    example.write_bytes(example.read_bytes() + b"\x00")
    golden = tree / "conformance" / "cases" / "scope" / "Required.Scope.NestedOuter.textproto"
    golden.write_text(golden.read_text().replace("a/b/c/x", "a/b/c/y", 1))

    stale = regenerate(tree, "--check", "--require-all", "--only", "example", "goldens")
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "regenerate --check: examples/mlp.snapshot.binpb: differs" in stale.stderr
    assert (
        "regenerate --check: conformance/cases/scope/"
        "Required.Scope.NestedOuter.textproto: differs" in stale.stderr
    )
    assert example.read_bytes().endswith(b"\x00")


def test_a_generator_writing_outside_its_files_fails(tree: Path) -> None:
    generator = tree / "tools" / "gen_protos.py"
    source = generator.read_text()
    marker = "    args = parser.parse_args(argv)\n"
    assert source.count(marker) == 1
    stray = "    (REPO_ROOT / 'python' / 'stray.txt').write_text('written by gen_protos')\n"
    generator.write_text(source.replace(marker, marker + stray))

    result = regenerate(tree, "--only", "protos")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "protos wrote outside the files it owns: python/stray.txt" in result.stderr
    assert not (tree / "python" / "stray.txt").exists()
