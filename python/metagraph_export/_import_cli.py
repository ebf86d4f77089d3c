"""``metagraph-export import``: a meta graph file into a snapshot file (spec/import.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .errors import InvalidArgumentError

__all__ = ["add_import_command"]


def add_import_command(commands: Any) -> None:
    """Adds the ``import`` subcommand to the ``metagraph-export`` parser."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "import",
        help="import a MetaGraphDef file into a graph snapshot",
        description="What TensorFlow 2.21's import_meta_graph leaves in a graph, as a snapshot.",
    )
    parser.add_argument("file", metavar="FILE", help="a MetaGraphDef, binary or text")
    parser.add_argument(
        "-o", "--output", required=True, metavar="SNAPSHOT", help="snapshot to write"
    )
    parser.add_argument("--import-scope", metavar="S", help="name scope to import into")
    parser.add_argument(
        "--input-map",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="map an input of the meta graph to a tensor of the target (repeatable)",
    )
    parser.add_argument("--clear-devices", action="store_true", help="clear the nodes' devices")
    parser.add_argument("--into", metavar="SNAPSHOT", help="target graph (default: a fresh graph)")
    parser.add_argument("--as-text", action="store_true", help="write the snapshot in text format")
    parser.set_defaults(run=_run_import)


def _run_import(arguments: argparse.Namespace) -> int:
    # Loaded when the command runs, not when the command line is parsed.
    from . import _codec
    from ._files import write_files
    from ._import_api import import_meta_graph
    from .snapshot.v1.snapshot_pb2 import GraphSnapshot

    input_map: dict[str, str] = {}
    for entry in arguments.input_map:
        old, separator, new = entry.partition("=")
        if not separator or not old or not new:
            raise InvalidArgumentError("--input-map", f"expected OLD=NEW, got {entry!r}")
        input_map[old] = new
    graph = None
    if arguments.into is not None:
        with open(arguments.into, "rb") as stream:
            graph = _codec.parse_message(stream.read(), GraphSnapshot, arguments.into)
    result = import_meta_graph(
        arguments.file,
        arguments.clear_devices,
        arguments.import_scope,
        graph=graph,
        input_map=input_map or None,
    )
    write_files([(arguments.output, _codec.encode(result.snapshot, arguments.as_text))])
    for diagnostic in result.diagnostics:
        print(f"{diagnostic.severity}: {diagnostic.message}", file=sys.stderr)
    print(
        f"wrote {arguments.output}: {len(result.snapshot.graph_def.node)} nodes, "
        f"{len(result.snapshot.collections)} collections"
        + ("" if result.saver_def is None else ", with a SaverDef")
    )
    return 0
