"""Options of the benchmark suite: which sizes run, and when peak memory is measured.

pytest benchmarks/                          # quick: 10k nodes and a 10 MB graph
pytest benchmarks/ --bench-size full        # 10k, 100k, 1M nodes; 100 MB, 500 MB, 1 GB
pytest benchmarks/ --bench-size 10k,100k    # any list of sizes
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from .cases import (
    BASELINE,
    CLI,
    GRAPH_DEF,
    NATIVE,
    OPTIONS,
    OURS,
    SNAPSHOT,
    TENSORFLOW,
    TF_GRAPH,
    Case,
)
from .graphs import Size, parse_size, shapes_for

SIZE_PRESETS = {
    "quick": ("10k", "10MB"),
    "full": ("10k", "100k", "1M", "100MB", "500MB", "1GB"),
}
# TensorFlow's export from a tf.Graph is quadratic in the node count: 20k nodes
# already take TensorFlow about 20 seconds.
TF_GRAPH_SIZE_PRESETS = {"quick": ("10k",), "full": ("10k", "20k")}
# Text output of gigabyte tensors measures string escaping, nothing else.
MAX_TEXT_BYTES = 100 * 10**6
# Below these, a subprocess per case costs more than it tells.
RSS_AUTO_MIN_NODES = 100_000
RSS_AUTO_MIN_BYTES = 100 * 10**6


@dataclass(frozen=True)
class Settings:
    sizes: tuple[Size, ...]
    tf_graph_sizes: tuple[Size, ...]
    rss: str
    quick: bool
    models: tuple[str, ...] = ()
    fixed_rounds: int | None = None

    def measures_rss(self, size: Size) -> bool:
        if self.rss == "all":
            return True
        if self.rss == "none":
            return False
        return size.nodes >= RSS_AUTO_MIN_NODES or size.bytes >= RSS_AUTO_MIN_BYTES

    def rounds(self, case: Case) -> int:
        if self.fixed_rounds is not None:
            return self.fixed_rounds
        if case.source == TF_GRAPH and case.implementation == TENSORFLOW:
            return 1
        if self.quick and case.option == "as_text":
            # Text output is the slowest case by far; quick keeps CI near a minute.
            return 1
        if case.size.by_bytes:
            return 3 if case.size.bytes <= 100 * 10**6 else 1
        if case.size.nodes <= 20_000:
            return 3 if self.quick else 5
        return 3 if case.size.nodes <= 200_000 else 1

    def cli_rounds(self, case: Case) -> int:
        """One process per case at the quick size; the best of three from 1M nodes,
        where the ratio of the Rust program to the baseline process is a target."""
        if self.quick or case.size.by_bytes or case.size.nodes < 1_000_000:
            return 1
        return 1 if case.implementation == OURS else 3

    def cases(self) -> Iterator[Case]:
        for size in self.sizes:
            options = [
                option for option in OPTIONS if option != "as_text" or size.bytes <= MAX_TEXT_BYTES
            ]
            for shape in shapes_for(size):
                yield Case(BASELINE, GRAPH_DEF, "none", shape, size)
                for option in options:
                    yield Case(OURS, GRAPH_DEF, option, shape, size)
                for option in ("none", "all"):
                    yield Case(OURS, SNAPSHOT, option, shape, size)
                for option in options:
                    yield Case(NATIVE, GRAPH_DEF, option, shape, size)
                for option in options:
                    yield Case(TENSORFLOW, GRAPH_DEF, option, shape, size)
        for size in self.tf_graph_sizes:
            yield Case(OURS, TF_GRAPH, "clear_devices", "chain", size)
            yield Case(TENSORFLOW, TF_GRAPH, "clear_devices", "chain", size)

    def cli_cases(self) -> Iterator[Case]:
        for size in self.sizes:
            shape = "constants" if size.by_bytes else "chain"
            yield Case(BASELINE, CLI, "none", shape, size)
            for option in ("none", "all"):
                yield Case(OURS, CLI, option, shape, size)
                yield Case(NATIVE, CLI, option, shape, size)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("metagraph-export benchmarks")
    group.addoption(
        "--bench-size",
        default="quick",
        help="quick (default), full, or a comma-separated list such as 10k,100k,500MB",
    )
    group.addoption(
        "--bench-tf-graph-size",
        default=None,
        help="sizes of the chain exported from a tf.Graph (default: 10k; 10k,20k with full)",
    )
    group.addoption(
        "--bench-rounds",
        type=int,
        default=None,
        help="rounds of every in-process case (default: 1 to 5 by size; see Settings.rounds)",
    )
    group.addoption(
        "--bench-model",
        default=None,
        help="tf_keras models exported from a tf.Graph, such as mobilenetv2,resnet50 "
        "(default: none; mobilenetv2 with full); needs tf-keras (benchmarks/README.md)",
    )
    group.addoption(
        "--bench-rss",
        choices=("auto", "all", "none"),
        default="auto",
        help="measure peak RSS in a subprocess per case: auto (from 100k nodes or 100 MB), "
        "all, none",
    )


def _sizes(value: str, presets: dict[str, tuple[str, ...]]) -> tuple[Size, ...]:
    labels = presets.get(value) or tuple(label for label in value.split(",") if label)
    return tuple(parse_size(label) for label in labels)


def settings_of(config: pytest.Config) -> Settings:
    size_option = config.getoption("--bench-size")
    tf_graph_option = config.getoption("--bench-tf-graph-size") or (
        "quick" if size_option == "quick" else "full"
    )
    return Settings(
        sizes=_sizes(size_option, SIZE_PRESETS),
        tf_graph_sizes=_sizes(tf_graph_option, TF_GRAPH_SIZE_PRESETS),
        rss=config.getoption("--bench-rss"),
        quick=size_option == "quick",
        fixed_rounds=config.getoption("--bench-rounds"),
        models=tuple(
            name
            for name in (
                config.getoption("--bench-model")
                or ("" if size_option == "quick" else "mobilenetv2")
            ).split(",")
            if name and name != "none"
        ),
    )


def _case_id(case: Case) -> str:
    return "-".join((case.shape, case.size.label, case.implementation, case.source, case.option))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    settings = settings_of(metafunc.config)
    if "case" in metafunc.fixturenames:
        cases = list(settings.cases())
        metafunc.parametrize("case", cases, ids=[_case_id(case) for case in cases])
    if "model_case" in metafunc.fixturenames:
        model_cases = [
            (implementation, model)
            for model in settings.models
            for implementation in (NATIVE, TENSORFLOW)
        ]
        metafunc.parametrize(
            "model_case", model_cases, ids=[f"{model}-{impl}" for impl, model in model_cases]
        )
    if "cli_case" in metafunc.fixturenames:
        cli_cases = list(settings.cli_cases())
        metafunc.parametrize("cli_case", cli_cases, ids=[_case_id(case) for case in cli_cases])


@pytest.fixture(scope="session")
def settings(request: pytest.FixtureRequest) -> Settings:
    return settings_of(request.config)


@pytest.fixture(scope="session")
def output_digests() -> dict[tuple[str, str, str, str], tuple[str, str]]:
    """The first output digest per (graph, source, option), to compare ours with TensorFlow's."""
    return {}
