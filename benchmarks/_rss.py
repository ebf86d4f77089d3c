"""Peak memory of one benchmark case, run once in this (fresh) process.

    python -m benchmarks._rss CASE_ID

CASE_ID is ``implementation:source:option:shape:size`` (see cases.Case.id).
Prints one JSON object: the process's peak RSS after the imports (before the
input is read) and after the case ran, in bytes, and the input's size. The
growth between the two is what reading, parsing and exporting the graph took.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from ._peak import peak_rss_bytes
from .cases import Case, check_output, output_bytes, prepare, tensorflow_or_none


def measure(case: Case) -> dict[str, int]:
    if case.needs_tensorflow and tensorflow_or_none() is None:
        raise SystemExit("TensorFlow 2.21 is not importable in this environment")
    input_bytes = case.graph.facts.input_bytes
    with tempfile.TemporaryDirectory() as workdir:
        before = peak_rss_bytes()
        output = prepare(case, Path(workdir))()
        peak = peak_rss_bytes()
        check_output(case, output_bytes(output))
    return {"rss_before_bytes": before, "peak_rss_bytes": peak, "input_bytes": input_bytes}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(measure(Case.from_id(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
