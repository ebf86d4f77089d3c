"""The benchmark cases: what each one times, and the check of its output.

A case is one implementation exporting one graph from one source with one
option set. :func:`prepare` does the untimed part (reading and parsing the
input) and returns the timed part as a function of no arguments; the pytest
suite times that function, and ``python -m benchmarks._rss`` runs it once in a
fresh process to measure peak memory.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import metagraph_export
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef

from .graphs import EXPORT_SCOPE, BenchGraph, Size, bench_graph, parse_size, saver_def

BASELINE = "baseline"
OURS = "ours"
# Ours with backend="native" from Python, or the Rust program for the command line.
NATIVE = "native"
TENSORFLOW = "tensorflow"
IMPLEMENTATIONS = (BASELINE, OURS, NATIVE, TENSORFLOW)

# Where the exported graph comes from: a GraphDef message (graph_def=), a
# snapshot (graph=), or a tf.Graph (graph=; ours through its TensorFlow adapter).
GRAPH_DEF = "graph_def"
SNAPSHOT = "snapshot"
TF_GRAPH = "tf_graph"
# File to file in a process of its own (test_cli).
CLI = "cli"

# export_meta_graph's keyword arguments per option set; "as_text" and
# "filename" also write a file (see prepare).
OPTIONS: dict[str, dict[str, Any]] = {
    "none": {},
    "clear_devices": {"clear_devices": True},
    "export_scope": {"export_scope": EXPORT_SCOPE},
    "clear_extraneous_savers": {"clear_extraneous_savers": True},
    "strip_default_attrs": {"strip_default_attrs": True},
    "all": {
        "clear_devices": True,
        "export_scope": EXPORT_SCOPE,
        "clear_extraneous_savers": True,
        "strip_default_attrs": True,
    },
    "as_text": {"as_text": True},
    "filename": {},
}
BINARY_OPTIONS = tuple(option for option in OPTIONS if option != "as_text")
FILE_OPTIONS = ("as_text", "filename")

REPOSITORY = Path(__file__).resolve().parent.parent

TF_SKIP_REASON = (
    "TensorFlow 2.21 is not importable here; run with the TensorFlow environment's "
    "python (tools/make-tf-env) for the TensorFlow rows"
)


@dataclass(frozen=True)
class Case:
    implementation: str
    source: str
    option: str
    shape: str
    size: Size

    @property
    def id(self) -> str:
        return ":".join(
            (self.implementation, self.source, self.option, self.shape, self.size.label)
        )

    @classmethod
    def from_id(cls, case_id: str) -> Case:
        implementation, source, option, shape, size = case_id.split(":")
        return cls(implementation, source, option, shape, parse_size(size))

    @property
    def graph(self) -> BenchGraph:
        return bench_graph(self.shape, self.size)

    @property
    def needs_tensorflow(self) -> bool:
        return self.implementation == TENSORFLOW or self.source == TF_GRAPH


def tensorflow_or_none() -> Any:
    """TensorFlow if version 2.21 imports here, else None."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow as tf
    except ImportError:
        return None
    return tf if tf.__version__.startswith("2.21.") else None


Output = bytes | Path | MetaGraphDef


def prepare(case: Case, workdir: Path) -> Callable[[], Output]:
    """Reads and parses the case's input; returns the timed run.

    The run returns the serialized ``MetaGraphDef`` (``SerializeToString``
    with ``deterministic=True``), or the path of the file it wrote for the
    ``as_text`` and ``filename`` options.
    """
    graph = case.graph
    if case.implementation == BASELINE:
        data = _load(graph, "bytes")
        return lambda: GraphDef.FromString(data).SerializeToString(deterministic=True)
    arguments = _arguments(case, workdir)
    if case.implementation == OURS:
        return _ours(case, graph, arguments)
    if case.implementation == NATIVE:
        return _native(case, graph, arguments)
    if case.implementation == TENSORFLOW:
        return _tensorflow(case, graph, arguments)
    raise ValueError(f"unknown implementation {case.implementation!r}")


def _arguments(case: Case, workdir: Path) -> dict[str, Any]:
    arguments = dict(OPTIONS[case.option])
    if arguments.get("clear_extraneous_savers"):
        arguments["saver_def"] = saver_def()
    if case.option in FILE_OPTIONS:
        suffix = "pbtxt" if case.option == "as_text" else "pb"
        arguments["filename"] = str(workdir / f"{case.implementation}-{case.source}.meta.{suffix}")
    return arguments


def _ours(case: Case, graph: BenchGraph, arguments: dict[str, Any]) -> Callable[[], Output]:
    export = metagraph_export.export_meta_graph
    if case.source == GRAPH_DEF:
        arguments["graph_def"] = _load(graph, "graph_def")
    elif case.source == SNAPSHOT:
        arguments["graph"] = _load(graph, "snapshot")
    else:
        arguments["graph"] = _load(graph, "tf_graph")
    filename = arguments.get("filename")
    if filename is not None:

        def write() -> Output:
            export(**arguments)
            return Path(filename)

        return write
    return lambda: export(**arguments).SerializeToString(deterministic=True)


def _native(case: Case, graph: BenchGraph, arguments: dict[str, Any]) -> Callable[[], Output]:
    """Ours on the native backend: the parse of the input is timed too, and the
    run returns the MetaGraphDef as the API does (serialized after timing)."""
    if case.source != GRAPH_DEF:
        raise ValueError(f"the native cases read a GraphDef, not a {case.source!r}")
    export = metagraph_export.export_meta_graph
    data = _load(graph, "bytes")
    arguments["backend"] = "native"
    filename = arguments.get("filename")

    def run() -> Output:
        meta_graph_def = export(graph_def=GraphDef.FromString(data), **arguments)
        return meta_graph_def if filename is None else Path(filename)

    assert_runs_natively(run)
    return run


def assert_runs_natively(run: Callable[[], Any]) -> None:
    """Runs ``run`` once, untimed, and fails unless the native backend took
    the export: it falls back to the Python stages where it declines."""
    from metagraph_export import _native

    taken: list[bool] = []
    export = _native.export

    def recording(*args: Any, **kwargs: Any) -> Any:
        result = export(*args, **kwargs)
        taken.append(result is not None)
        return result

    _native.export = recording
    try:
        run()
    finally:
        _native.export = export
    assert taken == [True], f"the native backend did not take the export ({taken})"


def _tensorflow(case: Case, graph: BenchGraph, arguments: dict[str, Any]) -> Callable[[], Output]:
    tf = tensorflow_or_none()
    if tf is None:
        raise RuntimeError(TF_SKIP_REASON)
    export = tf.compat.v1.train.export_meta_graph
    if "saver_def" in arguments:
        arguments["saver_def"] = tf.compat.v1.train.SaverDef.FromString(
            arguments["saver_def"].SerializeToString()
        )
    if case.source == GRAPH_DEF:
        arguments["graph_def"] = _load(graph, "tf_graph_def")
        # TensorFlow reads (and adds the unbound inputs to) the default graph:
        # a fresh one per run, as a caller exporting a bare GraphDef would have.
        default_graph = tf.Graph
    elif case.source == TF_GRAPH:
        tf_graph = _load(graph, "tf_graph")
        arguments["graph"] = tf_graph
        default_graph = lambda: tf_graph  # noqa: E731
    else:
        raise ValueError(f"TensorFlow has no {case.source!r} source")
    filename = arguments.get("filename")

    def run() -> Output:
        with default_graph().as_default():
            meta_graph_def = export(**arguments)
        if filename is not None:
            return Path(filename)
        return bytes(meta_graph_def.SerializeToString(deterministic=True))

    return run


# The inputs of the graph being benchmarked, parsed once for all its cases.
# Only one graph is kept, so that a 1 GB graph is not held while the next runs.
_loaded_graph: list[str] = [""]
_loaded: dict[str, Any] = {}


def _load(graph: BenchGraph, kind: str) -> Any:
    if _loaded_graph[0] != graph.name:
        _loaded.clear()
        _loaded_graph[0] = graph.name
    if kind not in _loaded:
        loaders: dict[str, Callable[[], Any]] = {
            "bytes": graph.graph_def_bytes,
            "graph_def": graph.graph_def,
            "snapshot": graph.snapshot,
            "tf_graph_def": graph.tf_graph_def,
            "tf_graph": graph.tf_graph,
        }
        _loaded[kind] = loaders[kind]()
    return _loaded[kind]


def release_inputs() -> None:
    _loaded.clear()
    _loaded_graph[0] = ""


def output_bytes(output: Output) -> bytes:
    if isinstance(output, MetaGraphDef):
        return output.SerializeToString(deterministic=True)
    return output.read_bytes() if isinstance(output, Path) else output


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_output(case: Case, data: bytes) -> None:
    """Cheap checks that the run exported what the options ask for.

    Raises AssertionError otherwise, so that a benchmark cannot silently time
    a broken export.
    """
    facts = case.graph.facts
    if case.implementation == BASELINE:
        assert len(data) == facts.input_bytes, "the baseline round trip changed the size"
        return
    options = OPTIONS[case.option]
    expected_nodes = facts.nodes_in_scope if options.get("export_scope") else facts.nodes
    if options.get("clear_extraneous_savers") and not options.get("export_scope"):
        expected_nodes -= facts.extraneous_saver_nodes
    if case.option == "as_text":
        # Parsing text is slower than the export itself; count the nodes instead.
        assert data.startswith(b"meta_info_def {"), data[:80]
        nodes = data.count(b"\n  node {\n")
        assert nodes == expected_nodes, (
            f"{nodes} nodes in the text output, {expected_nodes} expected"
        )
        return
    meta_graph_def = MetaGraphDef.FromString(data)
    nodes = len(meta_graph_def.graph_def.node)
    assert nodes == expected_nodes, f"{nodes} nodes exported, {expected_nodes} expected"
    if options.get("clear_devices"):
        assert not any(node.device for node in meta_graph_def.graph_def.node), "devices left"
    if options.get("export_scope") and case.shape != "constants":
        unbound = meta_graph_def.collection_def["unbound_inputs"].bytes_list.value
        assert unbound, "no unbound inputs recorded for export_scope"


NATIVE_PROGRAM = REPOSITORY / "native" / "target" / "release" / "metagraph-export-native"


def cli_command(case: Case, output: Path, workdir: Path, peak_report: Path) -> list[str]:
    """The case's process, file to file, under ``benchmarks._peak`` (which writes
    the peak RSS of the process doing the work to ``peak_report``).

    ``ours``: ``metagraph-export export GRAPHDEF -o OUT``, run as a module;
    ``native``: the Rust program ``metagraph-export-native export`` with the
    same flags; ``baseline``: a Python process that only parses the GraphDef
    file and writes it serialized again (``benchmarks._roundtrip``).
    """
    graph = case.graph
    launcher = [sys.executable, "-m", "benchmarks._peak", str(peak_report)]
    if case.implementation == BASELINE:
        return [*launcher, "benchmarks._roundtrip", str(graph.graph_def_path), str(output)]
    if case.implementation == NATIVE:
        command = [*launcher, "--program", str(NATIVE_PROGRAM)]
    else:
        command = [*launcher, "metagraph_export"]
    command += ["export", str(graph.graph_def_path)]
    command += ["-o", str(output), "--input-type", "graph_def", "--input-format", "binary"]
    options = OPTIONS[case.option]
    if options.get("clear_devices"):
        command.append("--clear-devices")
    if options.get("export_scope"):
        command += ["--export-scope", options["export_scope"]]
    if options.get("strip_default_attrs"):
        command.append("--strip-default-attrs")
    if options.get("clear_extraneous_savers"):
        saver_path = workdir / "saver_def.pb"
        saver_path.write_bytes(saver_def().SerializeToString())
        command += ["--clear-extraneous-savers", "--saver-def", str(saver_path)]
    if options.get("as_text"):
        command.append("--as-text")
    return command
