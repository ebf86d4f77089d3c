"""Freezes TensorFlow's op registry into spec/registry/op_registry.binpb.

Run with the TensorFlow 2.21 environment's interpreter (tools/make-tf-env):

    .tf-env/bin/python tools/dump_op_registry.py           # rewrite the file
    .tf-env/bin/python tools/dump_op_registry.py --check   # fail if it is stale

The file is a serialized metagraph_export.registry.v1.OpRegistry: every OpDef
registered in the process after `import tensorflow`, sorted by name, written
with deterministic serialization so that reruns reproduce it byte for byte.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "spec" / "registry" / "op_registry.binpb"


def _tf(module: str) -> Any:
    """A TensorFlow module; TensorFlow is untyped."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return importlib.import_module(module)


def _registered_op_names() -> list[str]:
    """The name of every registered op, internal ("_"-prefixed) ops included.

    TF_GetAllOpList exports the whole C++ OpRegistry, but with documentation
    text that op_def_registry.get strips, so only the names are taken from it.
    """
    op_def_pb2 = _tf("tensorflow.core.framework.op_def_pb2")
    c_api = _tf("tensorflow.python.client.pywrap_tf_session")

    buf = c_api.TF_GetAllOpList()
    try:
        op_list = op_def_pb2.OpList.FromString(c_api.TF_GetBuffer(buf))
    finally:
        c_api.TF_DeleteBuffer(buf)
    names = [op.name for op in op_list.op]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate op names in TF_GetAllOpList")
    return sorted(names)


def _looked_up_op_defs(names: list[str]) -> list[Any]:
    """The OpDefs exactly as op_def_registry.get returns them, which is what
    stripped_op_list and strip_default_attrs consult: descriptions removed,
    deprecations kept."""
    op_def_registry = _tf("tensorflow.python.framework.op_def_registry")
    raw_registry = _tf("tensorflow.python.framework._op_def_registry")

    op_defs = []
    for name in names:
        op_def = op_def_registry.get(name)
        if op_def is None:
            raise SystemExit(f"op_def_registry.get({name!r}) returned None")
        if op_def.SerializeToString(deterministic=True) != raw_registry.get(name):
            raise SystemExit(f"OpDef {name!r} does not reserialize to the registry's bytes")
        op_defs.append(op_def)
    return op_defs


def build_registry() -> bytes:
    tf = _tf("tensorflow")
    # The generated modules of this checkout, whether or not it is installed.
    sys.path.insert(0, str(ROOT / "python"))
    from metagraph_export.registry.v1 import op_registry_pb2

    op_defs = _looked_up_op_defs(_registered_op_names())

    registry = op_registry_pb2.OpRegistry(
        tensorflow_version=tf.__version__,
        tensorflow_git_version=tf.__git_version__,
    )
    for op in op_defs:
        # Our OpDef lives in a private descriptor pool: cross by bytes.
        registry.op_list.op.add().ParseFromString(op.SerializeToString(deterministic=True))
    data: bytes = registry.SerializeToString(deterministic=True)

    # The OpDefs must survive the crossing unchanged.
    op_def_pb2 = _tf("tensorflow.core.framework.op_def_pb2")
    round_trip = op_def_pb2.OpList.FromString(
        op_registry_pb2.OpRegistry.FromString(data).op_list.SerializeToString(deterministic=True)
    )
    if list(round_trip.op) != op_defs:
        raise SystemExit("OpList changed on conversion to metagraph_export's message")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="compare with --output instead of writing it"
    )
    args = parser.parse_args(argv)
    output: Path = args.output

    data = build_registry()
    if args.check:
        if not output.exists() or output.read_bytes() != data:
            print(f"{output} is stale; rerun tools/dump_op_registry.py", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(output.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(output)
    print(f"wrote {output} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
