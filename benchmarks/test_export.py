"""export_meta_graph, ours and TensorFlow 2.21's, against a parse + serialize baseline.

Each case is timed with pytest-benchmark; its output is checked once after
timing (and compared with TensorFlow's where both ran), and its peak memory
is measured in a fresh process when the size calls for it (conftest.py).
Nothing here asserts a time: RESULTS.md reports the ratios.
"""

from __future__ import annotations

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
    OURS,
    TF_GRAPH,
    TF_SKIP_REASON,
    Case,
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


def test_cli(cli_case: Case, benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    """``metagraph-export export`` file to file: wall time and the process's peak RSS."""
    graph = cli_case.graph
    output = tmp_path / "exported.meta"
    peak_report = tmp_path / "peak_rss"
    command = cli_command(graph, cli_case.option, output, tmp_path, peak_report)

    def run() -> None:
        completed = subprocess.run(
            command, cwd=REPOSITORY, env=_environment(), capture_output=True, text=True
        )
        assert completed.returncode == 0, completed.stderr[-2000:]

    benchmark.group = f"{cli_case.shape}-{cli_case.size.label} command line"
    _time(benchmark, run, rounds=1)
    peak = int(peak_report.read_text())
    benchmark.extra_info.update(_extra_info(cli_case, 1))
    benchmark.extra_info["peak_rss_bytes"] = peak
    benchmark.extra_info["peak_rss_per_input_byte"] = peak / graph.facts.input_bytes
    check_output(cli_case, output.read_bytes())


def test_rss_probe_reports_memory() -> None:
    """The memory probe itself works (the quick size measures no case with it)."""
    case = Case(OURS, GRAPH_DEF, "all", "chain", parse_size("10k"))
    memory = measure_rss(case)
    assert memory["peak_rss_bytes"] >= memory["rss_before_bytes"] > 0, memory
    assert memory["input_bytes"] == case.graph.facts.input_bytes
