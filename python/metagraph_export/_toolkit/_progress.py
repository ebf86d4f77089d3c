"""A progress bar on stderr for the command line, when one can be seen.

The bar is tqdm's (the ``cli`` extra); without tqdm, or when stderr is not a
terminal, or with ``--quiet``, nothing is shown. It appears only once the
command has worked for a second, so quick commands stay silent.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["progress_bar"]

# Seconds of work, from the start of the command, before a bar appears.
_DELAY = 1.0
_STARTED = time.monotonic()


@contextmanager
def progress_bar(
    description: str, *, quiet: bool = False, unit: str = "nodes"
) -> Iterator[Callable[[int, int], None] | None]:
    """Yields an update function taking (done, total), or None when no bar is shown."""
    bar_class = None if quiet or not _is_terminal() else _tqdm()
    if bar_class is None:
        yield None
        return
    bar: Any = bar_class(
        desc=description,
        unit=f" {unit}",
        unit_scale=True,
        delay=max(0.0, _DELAY - (time.monotonic() - _STARTED)),
        leave=False,
        file=sys.stderr,
        **_size(),
    )

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


def _is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _size() -> dict[str, Any]:
    """tqdm's size options. A pseudo-terminal that reports no size (0 by 0)
    would hide the bar: it is taken as 80 by 24."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):
        return {"ncols": 80, "nrows": 24}
    if size.columns and size.lines:
        return {"dynamic_ncols": True}
    return {"ncols": size.columns or 80, "nrows": size.lines or 24}


def _tqdm() -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm
