"""The least a process exporting a GraphDef file must do, as a whole process.

    python -m benchmarks._roundtrip GRAPHDEF_FILE OUTPUT_FILE

Reads the file, parses it as a GraphDef and writes it serialized again
(deterministically): the baseline of the command-line cases.
"""

from __future__ import annotations

import sys
from pathlib import Path

from metagraph_export.tf.graph_pb2 import GraphDef


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, target = argv
    data = GraphDef.FromString(Path(source).read_bytes()).SerializeToString(deterministic=True)
    Path(target).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
