"""Which backend the tests' exports run on, and the known differences.

With the native extension installed and ``METAGRAPH_EXPORT_BACKEND`` unset
(or ``auto`` or ``native``), :func:`metagraph_export.export` runs natively.
A test of a behaviour where the native implementation differs from the
reference (native/README.md lists them) is marked :func:`native_differs`: an
expected failure on the native backend, strict, so a change shows.
"""

from __future__ import annotations

import os

import pytest
from metagraph_export import _native

_REQUESTED = os.environ.get(_native.ENVIRONMENT_VARIABLE, "auto")
NATIVE = _REQUESTED != "python" and _native.module() is not None


def native_differs(reason: str) -> pytest.MarkDecorator:
    """Expected to fail on the native backend, for ``reason``."""
    return pytest.mark.xfail(NATIVE, reason=f"native backend: {reason}", strict=True)
