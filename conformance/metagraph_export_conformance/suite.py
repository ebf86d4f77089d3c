"""Reading the cases of the suite from disk.

A case file is a text-format ``TestCase``; the files it refers to (shared
argument files, expected file contents) are resolved relative to its
directory. Nothing here runs an export.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from google.protobuf import text_format
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.api.v1.import_pb2 import ImportArguments
from metagraph_export.codec import DESCRIPTOR_POOL as POOL
from metagraph_export.conformance.v1.case_pb2 import (
    RECOMMENDED,
    REQUIRED,
    LargeConstantGraph,
    SandboxEntry,
    TestCase,
)
from metagraph_export.tf.attr_value_pb2 import AttrValue
from metagraph_export.tf.node_def_pb2 import NodeDef
from metagraph_export.tf.tensor_pb2 import TensorProto
from metagraph_export.tf.tensor_shape_pb2 import TensorShapeProto
from metagraph_export.tf.types_pb2 import DT_INT8

CASE_SUFFIX = ".textproto"
LEVEL_NAMES = {REQUIRED: "Required", RECOMMENDED: "Recommended"}
ID_PATTERN = re.compile(r"^(Required|Recommended)(\.[A-Z][A-Za-z0-9]*){2,}$")

# Tags with a meaning to the runner (see case.proto).
SLOW = "slow"
FILESYSTEM = "filesystem"
SYNTHESIZED = "synthesized"
KNOWN_TAGS = frozenset({SLOW, FILESYSTEM, SYNTHESIZED})


class SuiteError(Exception):
    """A case file or a file it refers to cannot be read."""


def parse_text(text: str, message_type: type[TestCase], source: str) -> TestCase:
    try:
        return text_format.Parse(text, message_type(), descriptor_pool=POOL)
    except text_format.ParseError as error:
        raise SuiteError(f"{source}: {error}") from None


def to_text(message: TestCase | ExportArguments | ImportArguments) -> str:
    """Text format as the suite stores it: packed ``Any`` values are expanded
    only for the types of the project's own schema, so every reader (with or
    without TensorFlow) parses and prints a file identically."""
    return text_format.MessageToString(message, descriptor_pool=POOL)


@dataclass(frozen=True)
class Case:
    """A case as read from its file."""

    message: TestCase
    path: Path
    """The case file."""

    @property
    def id(self) -> str:
        return self.message.id

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(self.message.tags)

    def resolve(self, relative: str) -> Path:
        """A path the case refers to, which must stay inside the suite."""
        pure = PurePosixPath(relative)
        if not relative or pure.is_absolute() or "\\" in relative:
            raise SuiteError(f"{self.path}: {relative!r} is not a relative '/'-separated path")
        return (self.directory / Path(*pure.parts)).resolve()

    def read(self, relative: str) -> bytes:
        path = self.resolve(relative)
        try:
            return path.read_bytes()
        except OSError as error:
            raise SuiteError(f"{self.path}: cannot read {relative!r}: {error.strerror}") from None

    def arguments(self) -> ExportArguments:
        """The call's arguments, with ``arguments_files`` merged in; not for
        ``raw_arguments`` or ``synthesized`` input. A new message each time."""
        merged = ExportArguments()
        for name in self.message.input.arguments_files:
            path = self.resolve(name)
            try:
                merged.MergeFrom(_arguments_file(path, *_stamp(path)))
            except SuiteError as error:
                raise SuiteError(f"{self.path}: {error}") from None
        merged.MergeFrom(self.message.input.arguments)
        return merged

    def import_arguments(self) -> ImportArguments:
        """An import case's arguments, ``import_arguments_files`` merged in; a
        new message each time."""
        merged = ImportArguments()
        for name in self.message.input.import_arguments_files:
            path = self.resolve(name)
            try:
                merged.MergeFrom(_import_arguments_file(path, *_stamp(path)))
            except SuiteError as error:
                raise SuiteError(f"{self.path}: {error}") from None
        merged.MergeFrom(self.message.input.import_arguments)
        return merged

    @property
    def is_import(self) -> bool:
        return self.input_kind() in ("import", "raw_import")

    def input_kind(self) -> str:
        """ "arguments", "raw" or "synthesized"; "import" or "raw_import"."""
        given = self.message.input
        if given.HasField("import_arguments") or len(given.import_arguments_files) > 0:
            return "import"
        if given.HasField("raw_import_arguments"):
            return "raw_import"
        if given.HasField("raw_arguments"):
            return "raw"
        if given.HasField("synthesized"):
            return "synthesized"
        return "arguments"


def case_files(suite: Path) -> Iterator[Path]:
    """Every case file: the .textproto files in the area directories."""
    for directory in sorted(path for path in suite.iterdir() if path.is_dir()):
        if directory.name == SHARED_DIR:
            continue
        yield from sorted(directory.glob(f"*{CASE_SUFFIX}"))


SHARED_DIR = "inputs"
"""The directory of argument files several cases share."""


def _stamp(path: Path) -> tuple[int, int]:
    """What identifies a file's version for the caches below."""
    try:
        status = path.stat()
    except OSError as error:
        raise SuiteError(f"{path}: {error.strerror}") from None
    return status.st_mtime_ns, status.st_size


@functools.lru_cache(maxsize=64)
def _arguments_file(path: Path, mtime: int, size: int) -> ExportArguments:
    """A shared arguments file, parsed once per version (text format is slow
    to parse in Python and many cases share one file)."""
    del mtime, size
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SuiteError(f"cannot read {path.name}: {error.strerror}") from None
    if path.name.endswith(".textproto"):
        try:
            parsed: ExportArguments = text_format.Parse(
                data.decode("utf-8"), ExportArguments(), descriptor_pool=POOL
            )
        except (UnicodeDecodeError, text_format.ParseError) as error:
            raise SuiteError(f"{path.name}: {error}") from None
        return parsed
    if path.name.endswith(".binpb"):
        message = ExportArguments()
        try:
            message.ParseFromString(data)
        except Exception as error:
            raise SuiteError(f"{path.name}: {error}") from None
        return message
    raise SuiteError(f"{path.name}: neither .textproto nor .binpb")


@functools.lru_cache(maxsize=64)
def _import_arguments_file(path: Path, mtime: int, size: int) -> ImportArguments:
    """A shared import arguments file (text format), parsed once per version."""
    del mtime, size
    if not path.name.endswith(".textproto"):
        raise SuiteError(f"{path.name}: not a .textproto file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SuiteError(f"cannot read {path.name}: {error}") from None
    try:
        parsed: ImportArguments = text_format.Parse(text, ImportArguments(), descriptor_pool=POOL)
    except text_format.ParseError as error:
        raise SuiteError(f"{path.name}: {error}") from None
    return parsed


def load_case(path: Path) -> Case:
    return _load_case(path, *_stamp(path))


@functools.lru_cache(maxsize=4096)
def _load_case(path: Path, mtime: int, size: int) -> Case:
    del mtime, size
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SuiteError(f"{path}: {error}") from None
    return Case(parse_text(text, TestCase, str(path)), path)


def load_suite(suite: Path) -> list[Case]:
    if not suite.is_dir():
        raise SuiteError(f"{suite}: no such suite directory")
    return [load_case(path) for path in case_files(suite)]


def area_of(case_id: str) -> str:
    return case_id.split(".")[1]


def level_name(level: int) -> str:
    for value, name in LEVEL_NAMES.items():
        if value == level:
            return name
    return "?"


# Synthesized input.


def large_constant_graph(spec: LargeConstantGraph) -> ExportArguments:
    """The arguments a ``LargeConstantGraph`` stands for (see case.proto)."""
    arguments = ExportArguments()
    snapshot = arguments.graph
    snapshot.graph_def.versions.producer = spec.producer
    for index in range(spec.node_count):
        node = snapshot.graph_def.node.add()
        node.CopyFrom(large_constant_node(index, spec.bytes_per_node))
        shape = snapshot.output_shapes[node.name].shape.add()
        shape.dim.add(size=spec.bytes_per_node)
    return arguments


def large_constant_node(index: int, bytes_per_node: int) -> NodeDef:
    """One node of a ``LargeConstantGraph``, for checking a graph against it."""
    node = NodeDef(name=f"c{index}", op="Const")
    node.attr["dtype"].CopyFrom(AttrValue(type=DT_INT8))
    tensor = TensorProto(
        dtype=DT_INT8,
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=bytes_per_node)]),
        tensor_content=bytes(bytes_per_node),
    )
    node.attr["value"].CopyFrom(AttrValue(tensor=tensor))
    return node


def synthesized_arguments(case: Case) -> ExportArguments:
    synthesized = case.message.input.synthesized
    which = synthesized.WhichOneof("graph")
    if which == "large_constant_graph":
        arguments = large_constant_graph(synthesized.large_constant_graph)
    else:
        raise SuiteError(f"{case.path}: synthesized input without a graph")
    arguments.MergeFrom(synthesized.arguments)
    return arguments


def sandbox_entries(case: Case) -> list[SandboxEntry]:
    return list(case.message.input.sandbox)
