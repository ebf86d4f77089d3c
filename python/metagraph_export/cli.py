"""The ``metagraph-export`` command line.

Every failure ends in one line on stderr and a non-zero exit status: 1 when
the input cannot be exported, 2 when the command line itself is wrong.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from .errors import ExportError

_PROG = "metagraph-export"


# Commands implemented by the packages beside this one, each with a
# ``main(argv, prog) -> int`` of its own, imported only when used: the
# module, what the command does, and the extra that installs what it needs.
_DELEGATED = {
    "serve": ("metagraph_export_grpc.cli", "run the gRPC service", "server"),
    "conformance": (
        "metagraph_export_conformance.cli",
        "run the conformance suite against an implementation",
        None,
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(args)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly. Python would report
        # the failed flush at exit, so stdout goes to /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(args: list[str]) -> int:
    if args and args[0] in _DELEGATED:
        name, extra = _DELEGATED[args[0]][0], _DELEGATED[args[0]][2]
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            hint = f"; install it with: pip install 'metagraph-export[{extra}]'" if extra else ""
            print(f"{_PROG} {args[0]}: unavailable ({error}){hint}", file=sys.stderr)
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
    except BrokenPipeError:
        raise
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
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    exporter = commands.add_parser(
        "export",
        help="export a graph as a MetaGraphDef file",
        description="Export a GraphDef or a graph snapshot as TensorFlow's "
        "export_meta_graph would, and print a short summary.",
    )
    exporter.add_argument(
        "input", metavar="INPUT", help="a GraphDef or GraphSnapshot file; - reads standard input"
    )
    exporter.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="the MetaGraphDef file to write (filename=); - writes it to standard output "
        "(binary only when that is not a terminal) and the summary to standard error",
    )
    _input_options(exporter)
    exporter.add_argument(
        "--allow-empty",
        action="store_true",
        help="accept an empty input file as an empty graph (refused otherwise)",
    )
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
    exporter.set_defaults(run=_command("run_export"))

    inspector = commands.add_parser(
        "inspect",
        help="summarize a MetaGraphDef, GraphDef, snapshot or debug info file",
        description="Print nodes, ops, functions, collections, sizes and versions; for a "
        "debug info file (.debug), its files, frames and traces.",
    )
    inspector.add_argument("file", metavar="FILE", help="the file; - reads standard input")
    _input_options(inspector, types=("auto", *INSPECTED_TYPES))
    inspector.add_argument("--json", action="store_true", help="print JSON")
    inspector.set_defaults(run=_command("run_inspect"))
    from ._toolkit.cli import register

    register(commands)
    from ._import_cli import add_import_command

    add_import_command(commands)
    for name, (_, description, _) in _DELEGATED.items():
        commands.add_parser(name, help=description, add_help=False)
    return parser


# The message types inspect reads, in the order it tries them.
INSPECTED_TYPES = ("meta_graph_def", "snapshot", "graph_def", "debug_info")


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The command ``name`` of ``_commands``, imported when it runs."""

    def run(arguments: argparse.Namespace) -> int:
        module = importlib.import_module("metagraph_export._commands")
        status: int = getattr(module, name)(arguments)
        return status

    return run


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
