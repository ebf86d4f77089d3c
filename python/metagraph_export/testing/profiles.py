"""Hypothesis settings profiles for the property tests.

Importing this module registers three profiles; it loads none, so other
Hypothesis tests in the same run keep their own settings:

``ci``
    Bounded and derandomized: the same examples on every run, no example
    database, no deadline. The default of the property tests.
``dev``
    Random examples, remembered in Hypothesis's example database, a few
    times more of them than ``ci``.
``deep``
    Long runs: 2,000 examples for every property (fewer for the slowest,
    those that start processes).

Property tests take their settings from :func:`settings_for`, which follows
the profile in force: the one ``--hypothesis-profile`` loaded, else the one
named by the ``HYPOTHESIS_PROFILE`` environment variable, else ``ci``.
Hypothesis loads ``--hypothesis-profile`` before test modules are imported,
so name this module as a plugin for that option to find the profiles::

    pytest -p metagraph_export.testing.profiles --hypothesis-profile=deep
    HYPOTHESIS_PROFILE=deep pytest              # the same, without the plugin
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["BUDGETS", "PROFILES", "active_profile", "settings_for"]

PROFILES = ("ci", "dev", "deep")

BUDGETS: dict[str, dict[str, int]] = {
    # fast: an in-process property; slow: one that exports many times or
    # writes files; process: one that starts a process per example;
    # tensorflow: one that builds a TensorFlow graph per example.
    "ci": {"fast": 100, "slow": 40, "process": 6, "tensorflow": 40},
    "dev": {"fast": 200, "slow": 100, "process": 20, "tensorflow": 100},
    "deep": {"fast": 2000, "slow": 2000, "process": 200, "tensorflow": 2000},
}

_COMMON = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile("ci", derandomize=True, database=None, max_examples=100, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("dev", max_examples=200, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("deep", max_examples=2000, **_COMMON)  # type: ignore[arg-type]


def active_profile() -> str:
    """The profile in force: loaded by ``--hypothesis-profile``, else named by
    ``HYPOTHESIS_PROFILE``, else ``ci``."""
    name = settings.get_current_profile_name()
    if name == "default":
        name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    return name


def settings_for(budget: str = "fast") -> settings:
    """Settings for a property of the given cost ("fast", "slow", "process" or
    "tensorflow"): the active profile, with that cost's number of examples.
    A profile this module does not know keeps its own ``max_examples``."""
    name = active_profile()
    profile = settings.get_profile(name)
    examples = BUDGETS.get(name, {}).get(budget, profile.max_examples)
    return settings(profile, max_examples=examples)
