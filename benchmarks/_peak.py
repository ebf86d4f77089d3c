"""A process's own peak RSS, and a launcher that reports a module's.

    python -m benchmarks._peak REPORT_FILE MODULE [ARGUMENTS...]

    python -m benchmarks._peak REPORT_FILE --program PROGRAM [ARGUMENTS...]

runs ``python -m MODULE ARGUMENTS...`` in this process and, at exit, writes
its peak RSS in bytes to REPORT_FILE; with ``--program``, runs PROGRAM as a
child and writes the child's peak (``ru_maxrss`` from ``wait4``: the child
starts from this small process, so what it carries over is this process's
few megabytes, not a benchmark's). The peak is the kernel's ``VmHWM``:
``ru_maxrss`` would not do, since Linux carries the parent's peak over into a
child it spawns, so a child of a large benchmark process would report at
least the parent's peak.
"""

from __future__ import annotations

import atexit
import os
import resource
import runpy
import subprocess
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


def run_program(report: Path, command: list[str]) -> int:
    """Runs ``command``, writes its peak RSS to ``report``, returns its exit status."""
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux.
    report.write_text(str(usage.ru_maxrss * 1024))
    return process.returncode


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit(__doc__)
    report, module, *arguments = argv
    if module == "--program":
        raise SystemExit(run_program(Path(report), arguments))
    atexit.register(lambda: Path(report).write_text(str(peak_rss_bytes())))
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
