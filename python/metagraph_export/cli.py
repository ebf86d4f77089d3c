"""The ``metagraph-export`` command line.

Every failure ends in one line on stderr and a non-zero exit status: 1 when
the input cannot be exported, 2 when the command line itself is wrong.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

from google.protobuf import message as _message

from . import _codec
from ._api import HandedOver, export
from ._sizes import graph_size
from .errors import DecodeError, ExportError
from .snapshot.v1.snapshot_pb2 import GraphSnapshot
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef
from .tf.op_def_pb2 import OpDef, OpList
from .tf.saver_pb2 import SaverDef

_PROG = "metagraph-export"


# Commands implemented by the packages beside this one, each with a
# ``main(argv, prog) -> int`` of its own, imported only when used.
_DELEGATED = {
    "serve": ("metagraph_export_grpc.cli", "run the gRPC service"),
    "conformance": (
        "metagraph_export_conformance.cli",
        "run the conformance suite against an implementation",
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in _DELEGATED:
        try:
            module = importlib.import_module(_DELEGATED[args[0]][0])
        except ModuleNotFoundError as error:
            print(f"{_PROG} {args[0]}: unavailable ({error})", file=sys.stderr)
            return 1
        status: int = module.main(args[1:], prog=f"{_PROG} {args[0]}")
        return status
    parser = _parser()
    arguments = parser.parse_args(args)
    try:
        result: int = arguments.run(arguments)
        return result
    except ExportError as error:
        print(f"{_PROG}: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{_PROG}: error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="TensorFlow 2.21's export_meta_graph without TensorFlow.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    exporter = commands.add_parser(
        "export",
        help="export a graph as a MetaGraphDef file",
        description="Export a GraphDef or a graph snapshot as TensorFlow's "
        "export_meta_graph would, and print a short summary.",
    )
    exporter.add_argument("input", metavar="INPUT", help="a GraphDef or GraphSnapshot file")
    exporter.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="the MetaGraphDef file to write (filename=)",
    )
    _input_options(exporter)
    exporter.add_argument(
        "--graph-def",
        metavar="FILE",
        help="a GraphDef to export instead of the snapshot's own (graph_def=)",
    )
    exporter.add_argument("--meta-info-def", metavar="FILE", help="a MetaInfoDef (meta_info_def=)")
    exporter.add_argument("--saver-def", metavar="FILE", help="a SaverDef (saver_def=)")
    collections = exporter.add_mutually_exclusive_group()
    collections.add_argument(
        "--collection",
        action="append",
        metavar="KEY",
        dest="collections",
        help="export this collection; repeat for more (collection_list=)",
    )
    collections.add_argument(
        "--no-collections", action="store_true", help="export no collection (collection_list=[])"
    )
    exporter.add_argument("--as-text", action="store_true", help="write text format (as_text=)")
    exporter.add_argument("--export-scope", metavar="SCOPE", help="export_scope=")
    exporter.add_argument("--clear-devices", action="store_true", help="clear_devices=True")
    exporter.add_argument(
        "--clear-extraneous-savers", action="store_true", help="clear_extraneous_savers=True"
    )
    exporter.add_argument(
        "--strip-default-attrs", action="store_true", help="strip_default_attrs=True"
    )
    exporter.add_argument(
        "--save-debug-info",
        action="store_true",
        help="also write <output without extension>.debug (save_debug_info=)",
    )
    unbound = exporter.add_mutually_exclusive_group()
    unbound.add_argument(
        "--unbound-inputs-col-name",
        metavar="NAME",
        default="unbound_inputs",
        help="the collection of inputs that leave the scope (default: unbound_inputs)",
    )
    unbound.add_argument(
        "--no-unbound-inputs-col",
        action="store_true",
        help="do not record inputs that leave the scope",
    )
    exporter.add_argument(
        "--op-defs",
        action="append",
        metavar="FILE",
        default=[],
        help="an OpList of custom ops (binary or text); repeat for more",
    )
    exporter.add_argument("--json", action="store_true", help="print the summary as JSON")
    exporter.add_argument(
        "-v", "--verbose", action="store_true", help="also print informational diagnostics"
    )
    exporter.set_defaults(run=_run_export)

    inspector = commands.add_parser(
        "inspect",
        help="summarize a MetaGraphDef, GraphDef or snapshot file",
        description="Print nodes, ops, functions, collections, sizes and versions.",
    )
    inspector.add_argument("file", metavar="FILE")
    _input_options(inspector, types=("auto", "meta_graph_def", "graph_def", "snapshot"))
    inspector.add_argument("--json", action="store_true", help="print JSON")
    inspector.set_defaults(run=_run_inspect)
    from ._import_cli import add_import_command

    add_import_command(commands)
    for name, (_, description) in _DELEGATED.items():
        commands.add_parser(name, help=description, add_help=False)
    return parser


def _input_options(
    parser: argparse.ArgumentParser, types: Sequence[str] = ("auto", "graph_def", "snapshot")
) -> None:
    parser.add_argument(
        "--input-format",
        choices=("auto", "binary", "text"),
        default="auto",
        help="encoding of the input (default: auto)",
    )
    parser.add_argument(
        "--input-type",
        choices=types,
        default="auto",
        help="message type of the input (default: auto)",
    )


_TYPES: dict[str, type[_message.Message]] = {
    "meta_graph_def": MetaGraphDef,
    "snapshot": GraphSnapshot,
    "graph_def": GraphDef,
}


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as stream:
        return stream.read()


def _load(path: str, kind: str, fmt: str, candidates: Sequence[str]) -> tuple[str, Any, int]:
    """Reads a file as one of ``candidates``; returns the type, the message and the
    size in bytes. "auto" takes a type that parses without unknown fields; where
    several do, the one that reads the most fields into its schema.

    A graph_def comes back as the ``graph_def`` of an otherwise empty
    MetaGraphDef, parsed there so that an export can be built around it."""
    data = _read(path)
    if kind != "auto":
        return kind, _parse(data, kind, path, fmt), len(data)
    best: tuple[int, str, Any] | None = None
    reasons: list[str] = []
    for name in candidates:
        try:
            parsed = _parse(data, name, path, fmt)
        except DecodeError as error:
            reasons.append(f"as {name}: {str(error).split(': ', 1)[-1]}")
            continue
        content = parsed.graph_def if name == "graph_def" else parsed
        if _codec.has_unknown_fields(content, _SAMPLE):
            reasons.append(f"as {name}: fields unknown to {_TYPES[name].DESCRIPTOR.full_name}")
        else:
            score = _field_count(content)
            if best is None or score > best[0]:
                best = (score, name, parsed)
        del parsed, content  # no more than the best parse is kept during the next one
    if best is None:
        names = ", ".join(candidates)
        raise DecodeError(
            path, f"is none of {names} in binary or text format ({'; '.join(reasons)})"
        )
    return best[1], best[2], len(data)


def _parse(data: bytes, kind: str, path: str, fmt: str) -> Any:
    if kind == "graph_def":
        holder = MetaGraphDef()
        _codec.parse_into(data, holder.graph_def, path, fmt)
        return holder
    return _codec.parse_message(data, _TYPES[kind], path, fmt)


# The type of a file is told from the first items of each repeated field: a
# graph of a million nodes is told as fast as one of ten.
_SAMPLE = 64


def _field_count(message: _message.Message) -> int:
    """How many fields a parse filled, nested ones included, in the first
    ``_SAMPLE`` items of each repeated field: the reading of a file as the
    right type interprets more of it as structure."""
    count = 0
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            count += 1
        elif descriptor.message_type.GetOptions().map_entry:
            count += len(value)
        elif descriptor.is_repeated:
            count += sum(1 + _field_count(item) for item in itertools.islice(value, _SAMPLE))
        else:
            count += 1 + _field_count(value)
    return count


def _run_export(arguments: argparse.Namespace) -> int:
    kind, parsed, _ = _load(
        arguments.input, arguments.input_type, arguments.input_format, ("snapshot", "graph_def")
    )
    graph = parsed if kind == "snapshot" else None
    holder = parsed if kind == "graph_def" else None
    if arguments.graph_def:
        holder = _parse(_read(arguments.graph_def), "graph_def", arguments.graph_def, "auto")
    graph_def = None if holder is None else HandedOver(holder)
    del parsed, holder  # the export takes the graph over
    meta_info_def = None
    if arguments.meta_info_def:
        meta_info_def = _codec.parse_message(
            _read(arguments.meta_info_def), MetaGraphDef.MetaInfoDef, arguments.meta_info_def
        )
    saver_def = None
    if arguments.saver_def:
        saver_def = _codec.parse_message(_read(arguments.saver_def), SaverDef, arguments.saver_def)
    op_defs: list[OpDef] = []
    for path in arguments.op_defs:
        op_defs.extend(_codec.parse_message(_read(path), OpList, path).op)
    collection_list: list[str] | None = arguments.collections
    if arguments.no_collections:
        collection_list = []
    result = export(
        arguments.output,
        meta_info_def=meta_info_def,
        graph_def=graph_def,
        saver_def=saver_def,
        collection_list=collection_list,
        as_text=arguments.as_text,
        graph=graph,
        export_scope=arguments.export_scope,
        clear_devices=arguments.clear_devices,
        clear_extraneous_savers=arguments.clear_extraneous_savers,
        strip_default_attrs=arguments.strip_default_attrs,
        save_debug_info=arguments.save_debug_info,
        op_defs=op_defs,
        unbound_inputs_col_name=None
        if arguments.no_unbound_inputs_col
        else arguments.unbound_inputs_col_name,
    )
    summary = _summary(result.meta_graph_def)
    summary["files"] = [{"path": path, "bytes": os.path.getsize(path)} for path in result.files]
    summary["diagnostics"] = [
        {"code": d.code, "severity": d.severity, "subject": d.subject, "message": d.message}
        for d in result.diagnostics
    ]
    if arguments.json:
        print(json.dumps(summary, indent=2))
        return 0
    for entry in summary["files"]:
        print(f"wrote {entry['path']} ({entry['bytes']:,} bytes)")
    _print_summary(summary)
    for diagnostic in result.diagnostics:
        if diagnostic.severity == "warning" or arguments.verbose:
            print(f"{diagnostic.severity}: {diagnostic.message}")
    return 0


def _run_inspect(arguments: argparse.Namespace) -> int:
    kind, parsed, size = _load(
        arguments.file,
        arguments.input_type,
        arguments.input_format,
        ("meta_graph_def", "snapshot", "graph_def"),
    )
    if kind == "meta_graph_def":
        summary = _summary(parsed)
    elif kind == "snapshot":
        meta_graph_def = MetaGraphDef()
        meta_graph_def.graph_def.CopyFrom(parsed.graph_def)
        summary = _summary(meta_graph_def)
        summary["collections"] = {
            collection.key: f"{len(collection.items)} items" for collection in parsed.collections
        }
    else:
        summary = _summary(parsed)
    summary = {
        "file": arguments.file,
        "type": kind,
        "bytes": size,
        **summary,
    }
    if arguments.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{arguments.file}: {kind}, {summary['bytes']:,} bytes")
        _print_summary(summary)
    return 0


def _summary(meta_graph_def: MetaGraphDef) -> dict[str, Any]:
    graph_def = meta_graph_def.graph_def
    info = meta_graph_def.meta_info_def
    ops = Counter(node.op for node in graph_def.node)
    collections: dict[str, str] = {}
    for key in sorted(meta_graph_def.collection_def):
        collection = meta_graph_def.collection_def[key]
        kind = collection.WhichOneof("kind")
        count = len(getattr(collection, kind).value) if kind else 0
        collections[key] = f"{kind or 'empty'} of {count}"
    return {
        "nodes": len(graph_def.node),
        "ops": dict(ops.most_common()),
        "devices": sorted({node.device for node in graph_def.node if node.device}),
        "functions": len(graph_def.library.function),
        "collections": collections,
        "stripped_op_list": len(info.stripped_op_list.op),
        "stripped_default_attrs": info.stripped_default_attrs,
        "tensorflow_version": info.tensorflow_version,
        "tensorflow_git_version": info.tensorflow_git_version,
        "tags": list(info.tags),
        "graph_versions": {
            "producer": graph_def.versions.producer,
            "min_consumer": graph_def.versions.min_consumer,
        },
        "sizes": {
            "graph_def": graph_size(graph_def),
            "stripped_op_list": info.stripped_op_list.ByteSize(),
            "collections": sum(c.ByteSize() for c in meta_graph_def.collection_def.values()),
        },
        "saver": meta_graph_def.saver_def.restore_op_name
        if meta_graph_def.HasField("saver_def")
        else None,
    }


def _print_summary(summary: dict[str, Any]) -> None:
    ops = summary["ops"]
    top = ", ".join(f"{name} x{count}" for name, count in list(ops.items())[:8])
    more = f", +{len(ops) - 8} more" if len(ops) > 8 else ""
    print(f"  nodes: {summary['nodes']:,} ({len(ops)} op types: {top}{more})")
    print(f"  functions: {summary['functions']}")
    print(f"  devices: {', '.join(summary['devices']) or 'none'}")
    collections = summary["collections"]
    listing = ", ".join(f"{key} ({value})" for key, value in collections.items())
    print(f"  collections: {listing or 'none'}")
    if summary.get("saver"):
        print(f"  saver: restore op {summary['saver']}")
    versions = summary["graph_versions"]
    print(
        f"  versions: producer {versions['producer']}, min_consumer {versions['min_consumer']}; "
        f"tensorflow {summary['tensorflow_version'] or '-'}"
    )
    sizes = summary["sizes"]
    print(
        f"  sizes: graph_def {sizes['graph_def']:,} bytes, stripped_op_list "
        f"{summary['stripped_op_list']} ops / {sizes['stripped_op_list']:,} bytes, "
        f"collections {sizes['collections']:,} bytes"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
