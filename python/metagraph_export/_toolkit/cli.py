"""The toolkit's commands of ``metagraph-export``: diff, canonical, hash,
summarize, prune, convert.

Exit status: 0 when the files are the same or the work is done; 1 when
``diff`` finds differences or ``hash`` different hashes; 2 for a wrong
command line or an input that cannot be read, with one line on stderr and
nothing written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ExportError
from ._names import FORMATS, GRAPH_TYPE_NAMES
from ._progress import progress_bar

if TYPE_CHECKING:
    from ._read import Loaded

# The toolkit's modules load protobuf code: they are imported when a command
# runs, not when the command line is parsed (``--version``, ``--help``).

__all__ = ["register"]

_PROG = "metagraph-export"
SAME, DIFFERENT, ERROR = 0, 1, 2

Command = Callable[[argparse.Namespace], int]


def register(commands: Any) -> None:
    """Adds the toolkit's commands to the subparsers of the main parser, and
    its options to ``inspect`` and ``export``."""
    _extend_inspect(commands.choices.get("inspect"))
    _extend_export(commands.choices.get("export"))
    command = commands.add_parser(
        "diff",
        help="compare two meta graphs by meaning",
        description="Report nodes, functions, collections, saver, op list and meta info "
        "that differ, ignoring order and encodings that carry no meaning. "
        "Exit status 0 when equal, 1 when different.",
    )
    command.add_argument("a", metavar="A")
    command.add_argument("b", metavar="B")
    _common(command, versions=True)
    command.set_defaults(run=_guarded(_run_diff))

    command = commands.add_parser(
        "canonical",
        help="write the canonical encoding of a meta graph",
        description="Write the deterministic binary encoding that diff and hash compare.",
    )
    command.add_argument("file", metavar="FILE")
    command.add_argument("-o", "--output", required=True, metavar="OUT")
    _common(command, versions=True)
    command.set_defaults(run=_guarded(_run_canonical))

    command = commands.add_parser(
        "hash",
        help="print the SHA-256 of the canonical encoding",
        description="Print 'HASH  FILE' per file: equal hashes for files diff calls equal. "
        "With several files, exit status 1 when not all hashes are equal.",
    )
    command.add_argument("files", metavar="FILE", nargs="+")
    _common(command, versions=True)
    command.set_defaults(run=_guarded(_run_hash))

    command = commands.add_parser(
        "summarize",
        help="likely inputs and outputs, ops, variables, devices, sizes",
        description="Summarize what a meta graph is made of.",
    )
    command.add_argument("file", metavar="FILE")
    _common(command)
    command.set_defaults(run=_guarded(_run_summarize))

    command = commands.add_parser(
        "prune",
        help="keep only what some outputs need (extract_sub_graph)",
        description="Keep the nodes the outputs need, as TensorFlow's extract_sub_graph "
        "does, with collections, saver and op list following.",
    )
    command.add_argument("file", metavar="FILE")
    command.add_argument(
        "--outputs", nargs="+", required=True, metavar="NODE", help="the node names to keep"
    )
    command.add_argument("-o", "--output", required=True, metavar="OUT")
    command.add_argument("--as-text", action="store_true", help="write text format")
    _common(command)
    command.set_defaults(run=_guarded(_run_prune))

    command = commands.add_parser(
        "convert",
        help="re-encode as binary, text or JSON",
        description="Write the file's message in another encoding.",
    )
    command.add_argument("file", metavar="FILE")
    command.add_argument("-o", "--output", required=True, metavar="OUT")
    command.add_argument("--to", required=True, choices=FORMATS)
    _common(command)
    command.set_defaults(run=_guarded(_run_convert))


def _common(command: argparse.ArgumentParser, versions: bool = False) -> None:
    command.add_argument(
        "--input-format",
        choices=("auto", "binary", "text"),
        default="auto",
        help="encoding of the input (default: auto)",
    )
    command.add_argument(
        "--input-type",
        choices=("auto", *GRAPH_TYPE_NAMES),
        default="auto",
        help="message type of the input (default: auto)",
    )
    if versions:
        command.add_argument(
            "--include-versions",
            action="store_true",
            help="also compare meta_info_def.tensorflow_version and tensorflow_git_version",
        )
    command.add_argument("--json", action="store_true", help="print JSON")
    command.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _stopping_quietly(run: Command) -> Command:
    """``run``, ending quietly when the reader of its output goes away (``| head``)."""

    def stopping(arguments: argparse.Namespace) -> int:
        try:
            return run(arguments)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return DIFFERENT

    return stopping


def _guarded(run: Command) -> Command:
    """``run``, with input and output errors as one line and status 2."""

    @_stopping_quietly
    def guarded(arguments: argparse.Namespace) -> int:
        try:
            return run(arguments)
        except ExportError as error:
            print(f"{_PROG}: error: {error}", file=sys.stderr)
            return ERROR
        except BrokenPipeError:
            raise
        except OSError as error:
            print(f"{_PROG}: error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
            return ERROR

    return guarded


def _load(arguments: argparse.Namespace, path: str) -> Loaded:
    from ._read import load

    with progress_bar(f"reading {path}", quiet=arguments.quiet, unit="B") as update:
        return load(path, arguments.input_type, arguments.input_format, update)


def _run_diff(arguments: argparse.Namespace) -> int:
    from .diff import diff

    a, b = _load(arguments, arguments.a), _load(arguments, arguments.b)
    with progress_bar("comparing", quiet=arguments.quiet) as update:
        result = diff(
            a.meta_graph_def,
            b.meta_graph_def,
            include_versions=arguments.include_versions,
            progress=update,
        )
    if arguments.json:
        print(json.dumps({"a": a.path, "b": b.path, **result.to_dict()}, indent=2))
    else:
        print(result.to_text())
    return SAME if result.equal else DIFFERENT


def _run_canonical(arguments: argparse.Namespace) -> int:
    from .._files import write_files
    from . import canonical

    loaded = _load(arguments, arguments.file)
    data = canonical.canonical_bytes(
        loaded.meta_graph_def, include_versions=arguments.include_versions
    )
    write_files([(arguments.output, data)])
    digest = hashlib.sha256(data).hexdigest()
    _report_written(arguments, loaded, data, "canonical", sha256=digest)
    return SAME


def _run_hash(arguments: argparse.Namespace) -> int:
    from . import canonical

    # Every file is read before anything is printed: one bad file, one error.
    hashes: list[tuple[str, str]] = []
    for path in arguments.files:
        loaded = _load(arguments, path)
        hashes.append(
            (
                canonical.content_hash(
                    loaded.meta_graph_def, include_versions=arguments.include_versions
                ),
                path,
            )
        )
        del loaded
    if arguments.json:
        print(json.dumps([{"file": path, "sha256": digest} for digest, path in hashes], indent=2))
    else:
        for digest, path in hashes:
            print(f"{digest}  {path}")
    return SAME if len({digest for digest, _ in hashes}) == 1 else DIFFERENT


def _run_summarize(arguments: argparse.Namespace) -> int:
    from .summarize import summarize

    loaded = _load(arguments, arguments.file)
    with progress_bar("summarizing", quiet=arguments.quiet) as update:
        summary = summarize(loaded.meta_graph_def, progress=update)
    if arguments.json:
        print(json.dumps({"file": loaded.path, "type": loaded.kind, **summary.to_dict()}, indent=2))
    else:
        print(f"{loaded.path}: {loaded.kind}, {loaded.size:,} bytes")
        print(summary.to_text())
    return SAME


def _run_prune(arguments: argparse.Namespace) -> int:
    from .._files import write_files
    from . import convert
    from .prune import prune

    loaded = _load(arguments, arguments.file)
    pruned = prune(loaded.meta_graph_def, arguments.outputs)
    # A graph stays a graph.
    written = pruned.graph_def if loaded.kind == "graph_def" else pruned
    data = convert.encode(written, "text" if arguments.as_text else "binary")
    write_files([(arguments.output, data)])
    kept, before = len(pruned.graph_def.node), len(loaded.meta_graph_def.graph_def.node)
    _report_written(
        arguments,
        loaded,
        data,
        "pruned",
        f", nodes {kept:,} of {before:,}",
        nodes=kept,
        input_nodes=before,
    )
    return SAME


def _run_convert(arguments: argparse.Namespace) -> int:
    from .._files import write_files
    from . import convert

    loaded = _load(arguments, arguments.file)
    data = convert.encode(loaded.message, arguments.to)
    write_files([(arguments.output, data)])
    _report_written(arguments, loaded, data, f"{arguments.to}")
    return SAME


def _report_written(
    arguments: argparse.Namespace,
    loaded: Loaded,
    data: bytes,
    what: str,
    details: str = "",
    **fields: Any,
) -> None:
    if arguments.json:
        summary = {
            "input": loaded.path,
            "type": loaded.kind,
            "output": arguments.output,
            "bytes": len(data),
            **fields,
        }
        print(json.dumps(summary, indent=2))
    else:
        print(f"wrote {arguments.output} ({what}, {len(data):,} bytes{details})")


# inspect and export: options added to the commands the main parser defines.


def _extend_inspect(inspector: argparse.ArgumentParser | None) -> None:
    if inspector is None:
        return
    inspector.add_argument(
        "--nodes", metavar="PATTERN", help="list the nodes whose name matches this glob"
    )
    inspector.add_argument("--op", metavar="OP", help="list the nodes of this op")
    inspector.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    summary: Command = inspector.get_default("run")

    def run(arguments: argparse.Namespace) -> int:
        path = arguments.file
        if os.path.isdir(path):
            from .saved_model import read_saved_model

            info = read_saved_model(path)
            print(info.to_json() if arguments.json else info.to_text())
            return SAME
        if arguments.nodes is None and arguments.op is None:
            return summary(arguments)
        from ._inspect import matching_nodes, rows_json

        loaded = _load(arguments, path)
        rows = matching_nodes(loaded.meta_graph_def, arguments.nodes, arguments.op)
        if arguments.json:
            print(rows_json(rows))
        else:
            for row in rows:
                device = f"  [{row.device}]" if row.device else ""
                inputs = f" <- {', '.join(row.inputs)}" if row.inputs else ""
                print(f"{row.name}  ({row.op}){device}{inputs}")
            print(f"{len(rows)} of {len(loaded.meta_graph_def.graph_def.node):,} nodes")
        return SAME

    inspector.set_defaults(run=_stopping_quietly(run))


# Options of export that rewrite the graph: --saved-model writes the stored one.
_NOT_WITH_SAVED_MODEL = {
    "graph_def": "--graph-def",
    "meta_info_def": "--meta-info-def",
    "saver_def": "--saver-def",
    "collections": "--collection",
    "no_collections": "--no-collections",
    "export_scope": "--export-scope",
    "clear_devices": "--clear-devices",
    "clear_extraneous_savers": "--clear-extraneous-savers",
    "strip_default_attrs": "--strip-default-attrs",
    "save_debug_info": "--save-debug-info",
    "op_defs": "--op-defs",
}


def _extend_export(exporter: argparse.ArgumentParser | None) -> None:
    if exporter is None:
        return
    # INPUT becomes optional: --saved-model takes its place. (argparse has no
    # public way to change an argument once added.)
    for action in exporter._actions:
        if action.dest == "input":
            action.nargs = "?"
            action.default = None
            action.help = f"{action.help} (or --saved-model)"
    exporter.add_argument(
        "--saved-model",
        metavar="DIR",
        help="write the meta graph stored in this SavedModel directory's saved_model.pb",
    )
    exporter.add_argument(
        "--tag",
        action="append",
        metavar="TAG",
        help="with --saved-model: the meta graph's tag (repeat for a set; default: the only one)",
    )
    original: Command = exporter.get_default("run")

    def run(arguments: argparse.Namespace) -> int:
        if arguments.saved_model is None:
            if arguments.input is None:
                exporter.error("give INPUT or --saved-model DIR")
            return original(arguments)
        if arguments.input is not None:
            exporter.error("give INPUT or --saved-model DIR, not both")
        for dest, option in _NOT_WITH_SAVED_MODEL.items():
            if getattr(arguments, dest, None):
                exporter.error(f"{option} does not apply to --saved-model")
        return _guarded(_export_saved_model)(arguments)

    exporter.set_defaults(run=run)


def _export_saved_model(arguments: argparse.Namespace) -> int:
    from .._files import write_files
    from . import convert
    from .saved_model import read_saved_model

    info = read_saved_model(arguments.saved_model)
    meta_graph_def = info.meta_graph(arguments.tag)
    data = convert.encode(meta_graph_def, "text" if arguments.as_text else "binary")
    write_files([(arguments.output, data)])
    tags = ", ".join(meta_graph_def.meta_info_def.tags) or "(none)"
    if arguments.json:
        print(
            json.dumps(
                {
                    "saved_model": info.path,
                    "tags": list(meta_graph_def.meta_info_def.tags),
                    "output": arguments.output,
                    "bytes": len(data),
                    "nodes": len(meta_graph_def.graph_def.node),
                    "signatures": sorted(meta_graph_def.signature_def),
                },
                indent=2,
            )
        )
    else:
        print(
            f"wrote {arguments.output} ({len(data):,} bytes): the meta graph tagged {tags} "
            f"of {info.path}, {len(meta_graph_def.graph_def.node):,} nodes, "
            f"signatures: {', '.join(sorted(meta_graph_def.signature_def)) or 'none'}"
        )
    return SAME
