"""The commands of ``metagraph-export``: what each does once its command line
is parsed (``cli`` parses it, and imports this module only then, so that
``--version`` and ``--help`` load no protobuf code)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

from . import _codec, _input, _pipeline
from ._sizes import graph_size
from .cli import INSPECTED_TYPES
from .errors import InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import GraphSnapshot
from .tf.graph_debug_info_pb2 import GraphDebugInfo
from .tf.meta_graph_pb2 import MetaGraphDef
from .tf.op_def_pb2 import OpDef, OpList
from .tf.saver_pb2 import SaverDef


def _load(
    path: str, kind: str, fmt: str, candidates: Sequence[str], *, allow_empty: bool = False
) -> tuple[_input.Parsed, int]:
    """Reads a file as one of ``candidates`` (``kind`` "auto") or as ``kind``;
    returns it parsed and its size in bytes."""
    data = _input.read(
        path, allow_empty=allow_empty, empty_hint=" (pass --allow-empty to export an empty graph)"
    )
    if kind == "auto":
        return _input.tell(data, candidates, path, fmt), len(data)
    return _input.parse(data, kind, path, fmt), len(data)


def run_export(arguments: argparse.Namespace) -> int:
    to_stdout = arguments.output == "-"
    if to_stdout and arguments.save_debug_info:
        raise InvalidArgumentError(
            "--save-debug-info", "writes a file beside the output, and the output is stdout"
        )
    _refuse_overwriting_inputs(arguments)
    parsed, _ = _load(
        arguments.input,
        arguments.input_type,
        arguments.input_format,
        ("snapshot", "graph_def"),
        allow_empty=arguments.allow_empty,
    )
    graph = parsed.message if parsed.kind == "snapshot" else None
    holder = parsed.holder if parsed.kind == "graph_def" else None
    if arguments.graph_def:
        data = _input.read(arguments.graph_def)
        holder = _input.parse(data, "graph_def", arguments.graph_def, "auto").holder
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
            _input.read(arguments.meta_info_def), MetaGraphDef.MetaInfoDef, arguments.meta_info_def
        )
    saver_def = None
    if arguments.saver_def:
        data = _input.read(arguments.saver_def)
        saver_def = _codec.parse_message(data, SaverDef, arguments.saver_def)
    op_defs: list[OpDef] = []
    for path in arguments.op_defs:
        op_defs.extend(_codec.parse_message(_input.read(path), OpList, path).op)
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
    loaded, size = _load(
        arguments.file,
        arguments.input_type,
        arguments.input_format,
        # A debug info file goes by TensorFlow's name for it: its messages are
        # so loose that many other files parse as one.
        INSPECTED_TYPES if arguments.file.endswith(".debug") else INSPECTED_TYPES[:-1],
    )
    kind, message = loaded.kind, loaded.message
    if isinstance(message, GraphDebugInfo):
        return _inspect_debug_info(arguments, message, size)
    if isinstance(message, GraphSnapshot):
        meta_graph_def = MetaGraphDef()
        meta_graph_def.graph_def.CopyFrom(message.graph_def)
        summary = _summary(meta_graph_def)
        summary["collections"] = {
            collection.key: f"{len(collection.items)} items" for collection in message.collections
        }
    else:
        assert loaded.holder is not None  # a MetaGraphDef, or a GraphDef held in one
        summary = _summary(loaded.holder)
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
