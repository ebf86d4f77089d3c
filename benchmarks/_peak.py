"""A process's own peak RSS, and a launcher that reports a module's.

    python -m benchmarks._peak REPORT_FILE MODULE [ARGUMENTS...]

runs ``python -m MODULE ARGUMENTS...`` in this process and, at exit, writes
its peak RSS in bytes to REPORT_FILE. The peak is the kernel's ``VmHWM``:
``ru_maxrss`` would not do, since Linux carries the parent's peak over into a
child it spawns, so a child of a large benchmark process would report at
least the parent's peak.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import sys
from pathlib import Path


def peak_rss_bytes() -> int:
    """This process's peak resident set size since it started its program."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        # Not Linux: ru_maxrss is in bytes on macOS, and may include the parent's peak.
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(status.split("VmHWM:", 1)[1].split()[0]) * 1024


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit(__doc__)
    report, module, *arguments = argv
    atexit.register(lambda: Path(report).write_text(str(peak_rss_bytes())))
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
