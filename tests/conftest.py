"""Test options: tests marked ``slow`` run only with ``--run-slow``."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="also run the tests marked slow (minutes, or gigabytes of memory)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: needs minutes or gigabytes; run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def python_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports run on the Python stages (METAGRAPH_EXPORT_BACKEND=python), for
    tests that patch those stages: with the native extension installed, the
    default backend would not run the patched code."""
    monkeypatch.setenv("METAGRAPH_EXPORT_BACKEND", "python")
