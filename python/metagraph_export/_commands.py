"""The commands of ``metagraph-export``: what each does once its command line
is parsed (``cli`` parses it, and imports this module only then, so that
``--version`` and ``--help`` load no protobuf code)."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

from google.protobuf import message as _message

from . import _codec, _pipeline
from ._sizes import graph_size
from .cli import INSPECTED_TYPES
from .errors import DecodeError, InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import GraphSnapshot
from .tf.graph_debug_info_pb2 import GraphDebugInfo
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef
from .tf.op_def_pb2 import OpDef, OpList
from .tf.saver_pb2 import SaverDef

_TYPES: dict[str, type[_message.Message]] = {
    "meta_graph_def": MetaGraphDef,
    "snapshot": GraphSnapshot,
    "graph_def": GraphDef,
    "debug_info": GraphDebugInfo,
}


def _read(path: str, *, allow_empty: bool = False) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as stream:
            data = stream.read()
    if not data and not allow_empty:
        # An empty file parses as an empty message of any type: it is far more
        # often a failed earlier step than an empty graph.
        raise DecodeError(
            "standard input" if path == "-" else path,
            "is empty (pass --allow-empty to export an empty graph)",
        )
    return data


def _load(
    path: str, kind: str, fmt: str, candidates: Sequence[str], *, allow_empty: bool = False
) -> tuple[str, Any, int]:
    """Reads a file as one of ``candidates``; returns the type, the message and the
    size in bytes. "auto" takes a type that parses without unknown fields; where
    several do, the one that reads the most fields into its schema.

    A graph_def comes back as the ``graph_def`` of an otherwise empty
    MetaGraphDef, parsed there so that an export can be built around it."""
    data = _read(path, allow_empty=allow_empty)
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


def run_export(arguments: argparse.Namespace) -> int:
    to_stdout = arguments.output == "-"
    if to_stdout and arguments.save_debug_info:
        raise InvalidArgumentError(
            "--save-debug-info", "writes a file beside the output, and the output is stdout"
        )
    _refuse_overwriting_inputs(arguments)
    kind, parsed, _ = _load(
        arguments.input,
        arguments.input_type,
        arguments.input_format,
        ("snapshot", "graph_def"),
        allow_empty=arguments.allow_empty,
    )
    graph = parsed if kind == "snapshot" else None
    holder = parsed if kind == "graph_def" else None
    if arguments.graph_def:
        holder = _parse(_read(arguments.graph_def), "graph_def", arguments.graph_def, "auto")
    if arguments.save_debug_info and graph is None:
        # TensorFlow looks every exported node up in the graph it exports from
        # (spec EXP-DEBUG-4), and a GraphDef alone is no such graph.
        raise InvalidArgumentError(
            "--save-debug-info",
            f"{arguments.input} is a GraphDef, which has no creation stack traces to save; "
            "export a graph snapshot (spec/snapshot.md) instead",
        )
    del parsed  # the export takes the graph over
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
    export_arguments = _pipeline.export_arguments(
        None if to_stdout else arguments.output,
        meta_info_def=meta_info_def,
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
    if holder is not None:
        export_arguments = export_arguments.adopting(holder)
    del holder
    if to_stdout:
        meta_graph_def, diagnostics = _export_to_stdout(export_arguments)
        files: list[dict[str, Any]] = [{"path": "-", "bytes": None}]
    else:
        result = _pipeline.run(export_arguments)
        meta_graph_def, diagnostics = result.meta_graph_def, result.diagnostics
        files = [{"path": path, "bytes": os.path.getsize(path)} for path in result.files]
    summary = _summary(meta_graph_def)
    summary["files"] = files
    summary["diagnostics"] = [
        {"code": d.code, "severity": d.severity, "subject": d.subject, "message": d.message}
        for d in diagnostics
    ]
    out = sys.stderr if to_stdout else sys.stdout
    if arguments.json:
        print(json.dumps(summary, indent=2), file=out)
        return 0
    if not to_stdout:
        for entry in files:
            print(f"wrote {entry['path']} ({entry['bytes']:,} bytes)", file=out)
    _print_summary(summary, out)
    for diagnostic in diagnostics:
        if diagnostic.severity == "warning" or arguments.verbose:
            print(f"{diagnostic.severity}: {diagnostic.message}", file=out)
    return 0


def _export_to_stdout(
    arguments: _pipeline.Arguments,
) -> tuple[MetaGraphDef, tuple[_pipeline.Diagnostic, ...]]:
    """The export's file content on standard output; binary is refused on a
    terminal, where it would only garble the screen."""
    if not arguments.as_text and sys.stdout.isatty():
        raise InvalidArgumentError(
            "--output", "binary output to a terminal; redirect it, or pass --as-text"
        )
    encoded = _pipeline.build_and_encode(arguments, contents=True)
    assert isinstance(encoded.content, bytes)
    sys.stdout.buffer.write(encoded.content)
    sys.stdout.flush()
    return encoded.meta_graph_def, encoded.diagnostics


def _refuse_overwriting_inputs(arguments: argparse.Namespace) -> None:
    """An output that is one of the inputs (the same file, by device and inode,
    whatever its name) would replace what the export reads."""
    if arguments.output == "-":
        return
    outputs = [arguments.output]
    if arguments.save_debug_info:
        outputs.append(_pipeline.debug_file_name(arguments.output))
    inputs = [arguments.input, arguments.graph_def, arguments.meta_info_def, arguments.saver_def]
    inputs += arguments.op_defs
    identities = {}
    for path in inputs:
        if path and path != "-":
            try:
                status = os.stat(path)
            except OSError:
                continue  # reported when it is read
            identities[(status.st_dev, status.st_ino)] = path
    for output in outputs:
        try:
            status = os.stat(output)
        except OSError:
            continue
        source = identities.get((status.st_dev, status.st_ino))
        if source is not None:
            raise InvalidArgumentError(
                "--output", f"{output} is the input {source}; write the export elsewhere"
            )


def run_inspect(arguments: argparse.Namespace) -> int:
    kind, parsed, size = _load(
        arguments.file,
        arguments.input_type,
        arguments.input_format,
        # A debug info file goes by TensorFlow's name for it: its messages are
        # so loose that many other files parse as one.
        INSPECTED_TYPES if arguments.file.endswith(".debug") else INSPECTED_TYPES[:-1],
    )
    if kind == "debug_info":
        return _inspect_debug_info(arguments, parsed, size)
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


def _inspect_debug_info(
    arguments: argparse.Namespace, debug_info: GraphDebugInfo, size: int
) -> int:
    summary = {
        "file": arguments.file,
        "type": "debug_info",
        "bytes": size,
        "files": list(debug_info.files),
        "frames": len(debug_info.frames_by_id),
        "traces": len(debug_info.traces) + len(debug_info.traces_by_id),
        "nodes": len(debug_info.name_to_trace_id) + len(debug_info.traces),
    }
    if arguments.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{arguments.file}: debug_info, {size:,} bytes")
    print(f"  nodes with a stack trace: {summary['nodes']:,}")
    print(f"  traces: {summary['traces']:,}, frames: {summary['frames']:,}")
    print(f"  source files: {len(debug_info.files)}")
    for name in debug_info.files[:8]:
        print(f"    {name}")
    if len(debug_info.files) > 8:
        print(f"    +{len(debug_info.files) - 8} more")
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


def _print_summary(summary: dict[str, Any], out: TextIO | None = None) -> None:
    def say(text: str) -> None:
        print(text, file=out or sys.stdout)

    ops = summary["ops"]
    top = ", ".join(f"{name} x{count}" for name, count in list(ops.items())[:8])
    more = f", +{len(ops) - 8} more" if len(ops) > 8 else ""
    say(f"  nodes: {summary['nodes']:,} ({len(ops)} op types: {top}{more})")
    say(f"  functions: {summary['functions']}")
    say(f"  devices: {', '.join(summary['devices']) or 'none'}")
    collections = summary["collections"]
    listing = ", ".join(f"{key} ({value})" for key, value in collections.items())
    say(f"  collections: {listing or 'none'}")
    if summary.get("saver"):
        say(f"  saver: restore op {summary['saver']}")
    versions = summary["graph_versions"]
    say(
        f"  versions: producer {versions['producer']}, min_consumer {versions['min_consumer']}; "
        f"tensorflow {summary['tensorflow_version'] or '-'}"
    )
    sizes = summary["sizes"]
    say(
        f"  sizes: graph_def {sizes['graph_def']:,} bytes, stripped_op_list "
        f"{summary['stripped_op_list']} ops / {sizes['stripped_op_list']:,} bytes, "
        f"collections {sizes['collections']:,} bytes"
    )
