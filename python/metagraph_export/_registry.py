"""The op registry: TensorFlow 2.21's OpDefs, frozen into a data file.

``stripped_op_list`` and ``strip_default_attrs`` consult it (spec EXP-OPS, EXP-STRIP;
the file format is spec REG-1 to REG-6).
The file (spec/registry/op_registry.binpb) is produced by
``tools/dump_op_registry.py`` from an installed TensorFlow and loaded on first
use only: most exports never need it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

from ._codec import as_message, parse_message
from .errors import ArgumentTypeError, DecodeError, InvalidArgumentError
from .registry.v1.op_registry_pb2 import OpRegistry as OpRegistryProto
from .tf.op_def_pb2 import OpDef, OpList

_DATA_FILE = "op_registry.binpb"


class OpRegistry:
    """A read-only set of OpDefs by name, with the TensorFlow version they came from."""

    __slots__ = ("_ops", "tensorflow_git_version", "tensorflow_version")

    def __init__(
        self, ops: Mapping[str, OpDef], tensorflow_version: str, tensorflow_git_version: str
    ) -> None:
        self._ops = dict(ops)
        self.tensorflow_version = tensorflow_version
        self.tensorflow_git_version = tensorflow_git_version

    def get(self, name: str) -> OpDef | None:
        return self._ops.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def __len__(self) -> int:
        return len(self._ops)

    def with_ops(self, op_defs: Iterable[OpDef]) -> OpRegistry:
        """This registry plus custom ops. A name TensorFlow already registers is
        refused, as TensorFlow refuses to register an op twice (spec REG-7)."""
        ops = dict(self._ops)
        for op_def in op_defs:
            if not op_def.name:
                raise InvalidArgumentError("op_defs", "an OpDef has no name")
            existing = ops.get(op_def.name)
            if existing is not None and existing != op_def:
                raise InvalidArgumentError(
                    "op_defs", f"op {op_def.name!r} is already registered with another definition"
                )
            ops[op_def.name] = op_def
        return OpRegistry(ops, self.tensorflow_version, self.tensorflow_git_version)


def _registry_data() -> bytes:
    """The registry data file (spec REG-6): kept in spec/registry/ of the source
    tree, which a source checkout reads; a built package carries a copy in its
    data/ (setup.py puts it there)."""
    packaged = resources.files(__package__).joinpath("data", _DATA_FILE)
    if packaged.is_file():
        return packaged.read_bytes()
    return (Path(__file__).resolve().parents[2] / "spec" / "registry" / _DATA_FILE).read_bytes()


@functools.cache
def default_registry() -> OpRegistry:
    """TensorFlow 2.21's registry, as bundled with the package."""
    data = _registry_data()
    proto = OpRegistryProto.FromString(data)
    ops = {op_def.name: op_def for op_def in proto.op_list.op}
    return OpRegistry(ops, proto.tensorflow_version, proto.tensorflow_git_version)


def custom_op_defs(value: object) -> list[OpDef]:
    """Normalizes the ``op_defs`` argument: an OpList, or an iterable of OpDefs."""
    if value is None:
        return []
    full_name = getattr(getattr(value, "DESCRIPTOR", None), "full_name", None)
    if full_name == "tensorflow.OpList":
        return list(as_message(value, OpList, "op_defs").op)
    if full_name is None and isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [as_message(item, OpDef, "op_defs") for item in value]
    raise ArgumentTypeError.expected("op_defs", "an OpList or an iterable of OpDef", value)


def parse_op_list(data: bytes, source: str) -> list[OpDef]:
    """Reads custom OpDefs from a file's content: a binary or text OpList."""
    return list(parse_message(data, OpList, source).op)


__all__ = ["DecodeError", "OpRegistry", "custom_op_defs", "default_registry", "parse_op_list"]
