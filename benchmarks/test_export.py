"""export_meta_graph, ours and TensorFlow 2.21's, against a parse + serialize baseline.

Each case is timed with pytest-benchmark; its output is checked once after
timing (and compared with TensorFlow's where both ran), and its peak memory
is measured in a fresh process when the size calls for it (conftest.py).
Nothing here asserts a time: RESULTS.md reports the ratios.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from .cases import (
    BASELINE,
    GRAPH_DEF,
    NATIVE,
    NATIVE_PROGRAM,
    OURS,
    TF_GRAPH,
    TF_SKIP_REASON,
    Case,
    assert_runs_natively,
    check_output,
    cli_command,
    digest,
    output_bytes,
    prepare,
    tensorflow_or_none,
)
from .conftest import Settings
from .graphs import parse_size

REPOSITORY = Path(__file__).resolve().parent.parent
NATIVE_PROGRAM_SKIP_REASON = (
    "the Rust program is not built: (cd native && cargo build --release -p metagraph-export-native)"
)
NATIVE_SKIP_REASON = "the native backend is not installed: pip install ./native/python"
T = TypeVar("T")


def _extra_info(case: Case, rounds: int) -> dict[str, Any]:
    facts = case.graph.facts
    return {
        "shape": case.shape,
        "size": case.size.label,
        "nodes": facts.nodes,
        "input_bytes": facts.input_bytes,
        "option": case.option,
        "implementation": case.implementation,
        "source": case.source,
        "rounds": rounds,
    }


def _time(benchmark: BenchmarkFixture, run: Callable[[], T], rounds: int) -> T:
    """Times ``rounds`` calls of ``run``, one each, and returns the last result."""
    result: T = benchmark.pedantic(  # type: ignore[no-untyped-call]  # untyped in pytest-benchmark
        run, rounds=rounds, iterations=1
    )
    return result


def _environment() -> dict[str, str]:
    """This environment, with the repository on the path for ``python -m benchmarks...``."""
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPOSITORY), environment.get("PYTHONPATH")])
    )
    return environment


def native_installed() -> bool:
    return importlib.util.find_spec("metagraph_export_native") is not None


def measure_rss(case: Case) -> dict[str, Any]:
    """Runs the case once in a fresh process (benchmarks._rss) and returns its memory."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks._rss", case.id],
        cwd=REPOSITORY,
        env=_environment(),
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    memory: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
    growth = memory["peak_rss_bytes"] - memory["rss_before_bytes"]
    memory["peak_rss_growth_per_input_byte"] = growth / memory["input_bytes"]
    return memory


def test_export(
    case: Case,
    settings: Settings,
    output_digests: dict[tuple[str, str, str, str], tuple[str, str]],
    benchmark: BenchmarkFixture,
    tmp_path: Path,
) -> None:
    if case.needs_tensorflow and tensorflow_or_none() is None:
        pytest.skip(TF_SKIP_REASON)
    if (
        case.implementation == NATIVE
        and importlib.util.find_spec("metagraph_export_native") is None
    ):
        pytest.skip(NATIVE_SKIP_REASON)
    benchmark.group = f"{case.shape}-{case.size.label}" + (
        " from tf.Graph" if case.source == TF_GRAPH else ""
    )
    run = prepare(case, tmp_path)
    rounds = settings.rounds(case)
    data = output_bytes(_time(benchmark, run, rounds))
    benchmark.extra_info.update(_extra_info(case, rounds))

    check_output(case, data)
    if case.implementation != BASELINE and case.source in (GRAPH_DEF, TF_GRAPH):
        # Ours and TensorFlow's must be byte for byte the same; whichever of the
        # two runs second compares.
        key = (case.shape, case.size.label, case.source, case.option)
        other = output_digests.setdefault(key, (case.implementation, digest(data)))
        if other[0] != case.implementation:
            assert other[1] == digest(data), f"{case.implementation} differs from {other[0]}"
    del data

    if settings.measures_rss(case.size):
        benchmark.extra_info.update(measure_rss(case))


def test_cli(
    cli_case: Case, settings: Settings, benchmark: BenchmarkFixture, tmp_path: Path
) -> None:
    """File to file in a process of its own: ``metagraph-export export``, the
    Rust program, and a Python process that only parses and serializes the
    file. Wall time and the peak RSS of the process doing the work."""
    if cli_case.implementation == NATIVE and not NATIVE_PROGRAM.exists():
        pytest.skip(NATIVE_PROGRAM_SKIP_REASON)
    graph = cli_case.graph
    output = tmp_path / "exported.meta"
    peak_report = tmp_path / "peak_rss"
    command = cli_command(cli_case, output, tmp_path, peak_report)

    def run() -> None:
        completed = subprocess.run(
            command, cwd=REPOSITORY, env=_environment(), capture_output=True, text=True
        )
        assert completed.returncode == 0, completed.stderr[-2000:]

    benchmark.group = f"{cli_case.shape}-{cli_case.size.label} command line"
    _time(benchmark, run, rounds=settings.cli_rounds(cli_case))
    peak = int(peak_report.read_text())
    benchmark.extra_info.update(_extra_info(cli_case, settings.cli_rounds(cli_case)))
    benchmark.extra_info["peak_rss_bytes"] = peak
    benchmark.extra_info["peak_rss_per_input_byte"] = peak / graph.facts.input_bytes
    check_output(cli_case, output.read_bytes())


def test_rss_probe_reports_memory() -> None:
    """The memory probe itself works (the quick size measures no case with it)."""
    case = Case(OURS, GRAPH_DEF, "all", "chain", parse_size("10k"))
    memory = measure_rss(case)
    assert memory["peak_rss_bytes"] >= memory["rss_before_bytes"] > 0, memory
    assert memory["input_bytes"] == case.graph.facts.input_bytes


# Processes per start-up measurement: the median is reported.
STARTUP_ROUNDS = 11


@pytest.mark.parametrize(
    "command",
    ["metagraph-export --version", "python -c pass", "python -I -S -c pass"],
)
def test_startup(command: str, benchmark: BenchmarkFixture) -> None:
    """Start-up of ``metagraph-export --version``, whole process, next to a bare
    interpreter with and without ``site`` (whose share includes the editable
    install's path finder)."""
    scripts = Path(sys.executable).parent
    program, *arguments = command.split()
    executable = scripts / program if program == "metagraph-export" else Path(sys.executable)
    if not executable.exists():
        pytest.skip(f"{executable} is not installed")

    def run() -> None:
        completed = subprocess.run([str(executable), *arguments], capture_output=True, text=True)
        assert completed.returncode == 0, completed.stderr[-2000:]

    benchmark.group = "start-up"
    _time(benchmark, run, rounds=STARTUP_ROUNDS)
    benchmark.extra_info.update({"kind": "startup", "command": command, "rounds": STARTUP_ROUNDS})


def test_model(model_case: tuple[str, str], benchmark: BenchmarkFixture) -> None:
    """A tf_keras model in graph mode, with an optimizer and a Saver, exported
    from its tf.Graph: ours on the native backend, and TensorFlow's."""
    implementation, model = model_case
    if tensorflow_or_none() is None:
        pytest.skip(TF_SKIP_REASON)
    if importlib.util.find_spec("tf_keras") is None:
        pytest.skip(
            "tf-keras is not installed; install it in a TensorFlow environment of its own "
            "(benchmarks/README.md): it replaces tensorflow-cpu with tensorflow"
        )
    graph, saver_def = keras_graph(model)
    if implementation == NATIVE:
        import metagraph_export

        def run() -> bytes:
            exported = metagraph_export.export_meta_graph(
                graph=graph, saver_def=saver_def, backend="native"
            )
            return exported.SerializeToString(deterministic=True)

        assert_runs_natively(run)
    else:
        tf = tensorflow_or_none()

        def run() -> bytes:
            with graph.as_default():
                exported = tf.compat.v1.train.export_meta_graph(graph=graph, saver_def=saver_def)
            return bytes(exported.SerializeToString(deterministic=True))

    benchmark.group = f"{model} from tf.Graph"
    data = _time(benchmark, run, rounds=3)
    benchmark.extra_info.update(
        {
            "kind": "model",
            "model": model,
            "implementation": implementation,
            "nodes": len(graph.as_graph_def().node),
            "output_bytes": len(data),
            "rounds": 3,
        }
    )
    other = _MODEL_DIGESTS.setdefault(model, (implementation, digest(data)))
    if other[0] != implementation:
        assert other[1] == digest(data), f"{implementation} differs from {other[0]}"


_MODEL_DIGESTS: dict[str, tuple[str, str]] = {}
_MODELS: dict[str, Any] = {}


def keras_graph(model: str) -> tuple[Any, Any]:
    """The model (weights=None: nothing downloaded) built in a tf.Graph with a
    loss, an Adam optimizer's training op and a Saver; the graph and its SaverDef."""
    if model not in _MODELS:
        tf_keras = importlib.import_module("tf_keras")
        tf = tensorflow_or_none()
        applications = {
            "mobilenetv2": tf_keras.applications.MobileNetV2,
            "resnet50": tf_keras.applications.ResNet50,
        }
        graph = tf.Graph()
        with graph.as_default():
            network = applications[model](weights=None)
            labels = tf.compat.v1.placeholder(tf.int64, [None], name="labels")
            loss = tf.reduce_mean(
                tf_keras.losses.sparse_categorical_crossentropy(labels, network.output)
            )
            tf.compat.v1.train.AdamOptimizer().minimize(loss)
            saver = tf.compat.v1.train.Saver()
        _MODELS[model] = (graph, saver.as_saver_def())
    graph_and_saver: tuple[Any, Any] = _MODELS[model]
    return graph_and_saver
