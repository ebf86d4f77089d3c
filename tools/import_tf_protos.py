#!/usr/bin/env python3
"""Writes TensorFlow's MetaGraphDef schema as .proto source under proto/metagraph_export/tf/.

Run it with the Python of the TensorFlow environment (tools/make-tf-env), which
also needs grpcio-tools for the verification step:

    TF_CPP_MIN_LOG_LEVEL=3 .tf-env/bin/python tools/import_tf_protos.py [--check]

The source is rendered from the FileDescriptorProtos compiled into TensorFlow's
Python modules, so it carries no comments. Every file lands in one flat
directory and keeps its package, so the messages keep their full names
(tensorflow.MetaGraphDef) and their wire and text formats. Imports of
google/protobuf/* stay as they are. Files that define nothing and only
re-export other files with `import public` are folded into their importers.

The written files are then compiled with grpc_tools.protoc, and every file's
descriptor must equal TensorFlow's except for its name, its imports and the
language-specific file options that are dropped. Nothing is written unless
that check passes.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import importlib
import importlib.metadata
import os
import posixpath
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2 as pb
from google.protobuf import text_encoding, text_format, unknown_fields
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.message import Message

TENSORFLOW_DISTRIBUTION = "tensorflow-cpu"
TENSORFLOW_VERSION = "2.21.0"
GRPCIO_TOOLS_VERSION = "1.85.1"

ROOT_MODULES = (
    "tensorflow.core.protobuf.meta_graph_pb2",
    "tensorflow.core.framework.graph_debug_info_pb2",
    "tensorflow.core.framework.variable_pb2",
    "tensorflow.core.protobuf.saver_pb2",
    "tensorflow.core.protobuf.queue_runner_pb2",
    "tensorflow.core.protobuf.control_flow_pb2",
    "tensorflow.core.protobuf.saved_model_pb2",
)

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "proto"
# Import path (relative to proto/) of the directory the files are written to.
OUTPUT_PACKAGE_DIR = "metagraph_export/tf"
WELL_KNOWN_PREFIX = "google/protobuf/"

# File options that only steer code generation for one language.
DROPPED_FILE_OPTION_PREFIXES = ("java_", "cc_", "objc_", "csharp_", "swift_", "php_", "py_")
DROPPED_FILE_OPTIONS = frozenset({"go_package", "ruby_package"})
KEPT_FILE_OPTIONS = frozenset({"deprecated", "optimize_for"})
FIELD_OPTIONS = frozenset({"packed", "deprecated", "lazy", "unverified_lazy", "debug_redact"})
ENUM_VALUE_OPTIONS = frozenset({"deprecated", "debug_redact"})
ENUM_OPTIONS = frozenset({"allow_alias", "deprecated"})
# map_entry is implied by map<> syntax and is not written as an option.
MESSAGE_OPTIONS = frozenset({"deprecated", "message_set_wire_format", "map_entry"})

F = pb.FieldDescriptorProto
SCALAR_TYPE_NAMES = {
    F.TYPE_DOUBLE: "double",
    F.TYPE_FLOAT: "float",
    F.TYPE_INT64: "int64",
    F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32",
    F.TYPE_FIXED64: "fixed64",
    F.TYPE_FIXED32: "fixed32",
    F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string",
    F.TYPE_BYTES: "bytes",
    F.TYPE_UINT32: "uint32",
    F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64",
    F.TYPE_SINT32: "sint32",
    F.TYPE_SINT64: "sint64",
}
# Exclusive upper bound of message field numbers; an enum's bound is inclusive.
MESSAGE_RESERVED_MAX = 536870912
ENUM_RESERVED_MAX = 2147483647
INDENT = "  "


class SchemaError(Exception):
    """The descriptors use something this printer cannot render faithfully."""


def fail(message: str) -> None:
    raise SchemaError(message)


# --------------------------------------------------------------------------
# Collecting the descriptors


def collect_files(module_names: Iterable[str]) -> dict[str, pb.FileDescriptorProto]:
    """The roots and all they import, keyed by file name, in a stable order."""
    found: dict[str, pb.FileDescriptorProto] = {}

    def visit(file_descriptor: FileDescriptor) -> None:
        if file_descriptor.name in found:
            return
        # serialized_pb is exactly what TensorFlow's generated code registered;
        # CopyToProto could add derived data such as json_name.
        found[file_descriptor.name] = pb.FileDescriptorProto.FromString(
            file_descriptor.serialized_pb
        )
        for dependency in file_descriptor.dependencies:
            visit(dependency)

    for module_name in module_names:
        visit(importlib.import_module(module_name).DESCRIPTOR)
    return dict(sorted(found.items()))


def is_well_known(file_name: str) -> bool:
    return file_name.startswith(WELL_KNOWN_PREFIX)


def is_forwarding_file(file: pb.FileDescriptorProto) -> bool:
    """A file that defines nothing and only re-exports what it imports publicly."""
    defines_nothing = not (file.message_type or file.enum_type or file.service or file.extension)
    only_public = len(file.public_dependency) == len(file.dependency)
    return defines_nothing and only_public


@dataclass(frozen=True)
class Plan:
    # Original file name -> file as it will be written (name and imports rewritten).
    files: dict[str, pb.FileDescriptorProto]
    # Original names of the forwarding files folded into their importers.
    folded: tuple[str, ...]


def plan_output(originals: dict[str, pb.FileDescriptorProto]) -> Plan:
    forwarding = {
        name
        for name, file in originals.items()
        if not is_well_known(name) and is_forwarding_file(file)
    }

    def resolve(name: str, trail: tuple[str, ...] = ()) -> list[str]:
        """The files an import of `name` stands for once forwarding files are folded."""
        if name not in forwarding:
            return [name]
        if name in trail:
            fail(f"cycle of public imports through {name}")
        targets: list[str] = []
        for dependency in originals[name].dependency:
            targets.extend(resolve(dependency, (*trail, name)))
        return targets

    new_names: dict[str, str] = {}
    for name in originals:
        if name in forwarding or is_well_known(name):
            continue
        new_name = posixpath.join(OUTPUT_PACKAGE_DIR, posixpath.basename(name))
        clash = [old for old, new in new_names.items() if new == new_name]
        if clash:
            fail(f"{name} and {clash[0]} would both be written to {new_name}")
        new_names[name] = new_name

    planned: dict[str, pb.FileDescriptorProto] = {}
    for name, new_name in new_names.items():
        original = originals[name]
        if original.weak_dependency:
            fail(f"{name}: weak imports are not supported")
        file = pb.FileDescriptorProto()
        file.CopyFrom(original)
        file.name = new_name
        del file.dependency[:]
        del file.public_dependency[:]
        public_indices = set(original.public_dependency)
        for index, dependency in enumerate(original.dependency):
            for target in resolve(dependency):
                target_name = target if is_well_known(target) else new_names[target]
                if target_name in file.dependency:
                    continue
                if index in public_indices:
                    file.public_dependency.append(len(file.dependency))
                file.dependency.append(target_name)
        planned[name] = file
    return Plan(files=planned, folded=tuple(sorted(forwarding)))


# --------------------------------------------------------------------------
# Rendering .proto source


def to_json_name(name: str) -> str:
    """The json_name protoc derives from a field name."""
    result: list[str] = []
    capitalize_next = False
    for character in name:
        if character == "_":
            capitalize_next = True
        elif capitalize_next:
            result.append(character.upper())
            capitalize_next = False
        else:
            result.append(character)
    return "".join(result)


def quote(text: str) -> str:
    return '"' + text_encoding.CEscape(text.encode("utf-8"), as_utf8=False) + '"'


def check_no_unknown_fields(message: Message, where: str) -> None:
    # Custom options arrive as unknown fields because their extensions are
    # not registered here; dropping them silently would change the schema.
    if len(unknown_fields.UnknownFieldSet(message)):
        fail(f"{where}: custom options are not supported")


def render_options(options: Message, allowed: frozenset[str], where: str) -> list[str]:
    """`name = value` for each option set, failing on any it cannot render."""
    check_no_unknown_fields(options, where)
    rendered: list[str] = []
    for field, value in options.ListFields():
        if field.name not in allowed:
            fail(f"{where}: option {field.name} is not supported")
        if field.name == "map_entry":
            continue
        if isinstance(value, bool):
            rendered.append(f"{field.name} = {'true' if value else 'false'}")
        elif field.enum_type is not None:
            rendered.append(f"{field.name} = {field.enum_type.values_by_number[value].name}")
        else:
            rendered.append(f"{field.name} = {value}")
    return rendered


def format_ranges(ranges: Iterable[tuple[int, int]], maximum: int) -> str:
    """Inclusive (start, end) pairs as the `reserved` statement writes them."""
    parts: list[str] = []
    for start, end in ranges:
        if start == end:
            parts.append(str(start))
        else:
            parts.append(f"{start} to {'max' if end == maximum else end}")
    return ", ".join(parts)


class Printer:
    def __init__(self, file: pb.FileDescriptorProto) -> None:
        self.file = file
        self.proto3 = file.syntax == "proto3"
        self.lines: list[str] = []
        self.depth = 0

    def emit(self, line: str = "") -> None:
        self.lines.append(INDENT * self.depth + line if line else "")

    def render(self, header: Sequence[str]) -> str:
        file = self.file
        if file.syntax not in ("", "proto2", "proto3"):
            fail(f"{file.name}: syntax {file.syntax!r} is not supported")
        if file.service or file.extension:
            fail(f"{file.name}: services and extensions are not supported")
        for line in header:
            self.emit(f"// {line}" if line else "//")
        self.emit(f'syntax = "{"proto3" if self.proto3 else "proto2"}";')
        self.emit()
        if file.package:
            self.emit(f"package {file.package};")
            self.emit()
        if file.dependency:
            public = set(file.public_dependency)
            for index, dependency in enumerate(file.dependency):
                self.emit(f'import {"public " if index in public else ""}"{dependency}";')
            self.emit()
        options = self.file_options()
        for option in options:
            self.emit(f"option {option};")
        if options:
            self.emit()
        blocks: list[list[str]] = []
        for enum in file.enum_type:
            blocks.append(self.block(functools.partial(self.enum, enum)))
        for message in file.message_type:
            blocks.append(self.block(functools.partial(self.message, message, f".{file.package}")))
        for index, block in enumerate(blocks):
            if index:
                self.lines.append("")
            self.lines.extend(block)
        return "\n".join(self.lines) + "\n"

    def block(self, render: Callable[[], None]) -> list[str]:
        """Runs a rendering callback and returns the lines it emitted."""
        start = len(self.lines)
        render()
        block = self.lines[start:]
        del self.lines[start:]
        return block

    def file_options(self) -> list[str]:
        options = pb.FileOptions()
        options.CopyFrom(self.file.options)
        drop_file_options(options)
        return render_options(options, KEPT_FILE_OPTIONS, self.file.name)

    def enum(self, enum: pb.EnumDescriptorProto) -> None:
        where = f"{self.file.name}: enum {enum.name}"
        self.emit(f"enum {enum.name} {{")
        self.depth += 1
        for option in render_options(enum.options, ENUM_OPTIONS, where):
            self.emit(f"option {option};")
        if enum.reserved_range:
            ranges = ((r.start, r.end) for r in enum.reserved_range)
            self.emit(f"reserved {format_ranges(ranges, ENUM_RESERVED_MAX)};")
        if enum.reserved_name:
            self.emit(f"reserved {', '.join(quote(n) for n in enum.reserved_name)};")
        for value in enum.value:
            value_options = render_options(
                value.options, ENUM_VALUE_OPTIONS, f"{where}.{value.name}"
            )
            suffix = f" [{', '.join(value_options)}]" if value_options else ""
            self.emit(f"{value.name} = {value.number}{suffix};")
        self.depth -= 1
        self.emit("}")

    def message(self, message: pb.DescriptorProto, parent_scope: str) -> None:
        scope = f"{parent_scope}.{message.name}"
        where = f"{self.file.name}: message {scope[1:]}"
        if message.extension or message.extension_range:
            fail(f"{where}: extensions are not supported")
        self.emit(f"message {message.name} {{")
        self.depth += 1
        for option in render_options(message.options, MESSAGE_OPTIONS, where):
            self.emit(f"option {option};")
        if message.reserved_range:
            # DescriptorProto stores exclusive ends.
            ranges = ((r.start, r.end - 1) for r in message.reserved_range)
            self.emit(f"reserved {format_ranges(ranges, MESSAGE_RESERVED_MAX - 1)};")
        if message.reserved_name:
            self.emit(f"reserved {', '.join(quote(n) for n in message.reserved_name)};")
        for enum in message.enum_type:
            self.enum(enum)

        map_entries = {
            f"{scope}.{nested.name}": nested
            for nested in message.nested_type
            if nested.options.map_entry
        }
        items = list(self.field_items(message, where))
        # protoc appends the entry type of a map field to nested_type when it
        # reaches the field, so explicit nested messages and map fields must
        # come out in the order nested_type lists them.
        next_item = 0
        for nested in message.nested_type:
            if not nested.options.map_entry:
                self.message(nested, scope)
                continue
            entry_name = f"{scope}.{nested.name}"
            while True:
                if next_item == len(items):
                    fail(f"{where}: no field uses the map entry {nested.name}")
                item = items[next_item]
                next_item += 1
                self.field_item(message, item, map_entries, where)
                if isinstance(item, pb.FieldDescriptorProto) and item.type_name == entry_name:
                    break
        for item in items[next_item:]:
            self.field_item(message, item, map_entries, where)
        self.depth -= 1
        self.emit("}")

    def field_items(
        self, message: pb.DescriptorProto, where: str
    ) -> Iterator[pb.FieldDescriptorProto | list[pb.FieldDescriptorProto]]:
        """Fields in order, the members of each real oneof grouped into one list."""
        synthetic = {field.oneof_index for field in message.field if field.proto3_optional}
        seen_oneofs: set[int] = set()
        group: list[pb.FieldDescriptorProto] = []
        for field in message.field:
            in_oneof = field.HasField("oneof_index") and field.oneof_index not in synthetic
            if group and (not in_oneof or field.oneof_index != group[0].oneof_index):
                yield group
                group = []
            if not in_oneof:
                yield field
                continue
            if not group:
                if field.oneof_index in seen_oneofs:
                    fail(f"{where}: the fields of a oneof are not contiguous")
                seen_oneofs.add(field.oneof_index)
            group.append(field)
        if group:
            yield group
        # protoc numbers real oneofs in order of appearance, synthetic ones last.
        expected = sorted(seen_oneofs) + sorted(synthetic)
        if expected != list(range(len(message.oneof_decl))):
            fail(f"{where}: oneofs are not declared in source order")

    def field_item(
        self,
        message: pb.DescriptorProto,
        item: pb.FieldDescriptorProto | list[pb.FieldDescriptorProto],
        map_entries: dict[str, pb.DescriptorProto],
        where: str,
    ) -> None:
        if isinstance(item, pb.FieldDescriptorProto):
            self.field(item, map_entries, where, in_oneof=False)
            return
        oneof = message.oneof_decl[item[0].oneof_index]
        self.emit(f"oneof {oneof.name} {{")
        self.depth += 1
        # OneofOptions has nothing language-neutral worth keeping.
        render_options(oneof.options, frozenset(), f"{where}.{oneof.name}")
        for field in item:
            self.field(field, map_entries, where, in_oneof=True)
        self.depth -= 1
        self.emit("}")

    def field(
        self,
        field: pb.FieldDescriptorProto,
        map_entries: dict[str, pb.DescriptorProto],
        where: str,
        *,
        in_oneof: bool,
    ) -> None:
        where = f"{where}.{field.name}"
        if field.type == F.TYPE_GROUP:
            fail(f"{where}: groups are not supported")
        options = render_options(field.options, FIELD_OPTIONS, where)
        if field.HasField("json_name") and field.json_name != to_json_name(field.name):
            options.append(f"json_name = {quote(field.json_name)}")
        if field.HasField("default_value"):
            options.insert(0, f"default = {self.default_value(field)}")
        suffix = f" [{', '.join(options)}]" if options else ""

        entry = map_entries.get(field.type_name)
        if entry is not None:
            key, value = entry.field
            type_text = f"map<{self.type_of(key)}, {self.type_of(value)}>"
            self.emit(f"{type_text} {field.name} = {field.number}{suffix};")
            return
        if in_oneof:
            label = ""
        elif field.label == F.LABEL_REPEATED:
            label = "repeated "
        elif field.label == F.LABEL_REQUIRED:
            label = "required "
        elif field.proto3_optional or not self.proto3:
            label = "optional "
        else:
            label = ""
        self.emit(f"{label}{self.type_of(field)} {field.name} = {field.number}{suffix};")

    @staticmethod
    def type_of(field: pb.FieldDescriptorProto) -> str:
        if field.type in (F.TYPE_MESSAGE, F.TYPE_ENUM):
            # Fully qualified, so no scope can shadow the intended type.
            if not field.type_name.startswith("."):
                fail(f"unresolved type name {field.type_name}")
            return field.type_name
        return SCALAR_TYPE_NAMES[field.type]

    @staticmethod
    def default_value(field: pb.FieldDescriptorProto) -> str:
        value = field.default_value
        if field.type == F.TYPE_STRING:
            return quote(value)
        if field.type == F.TYPE_BYTES:
            # Already C-escaped in the descriptor.
            return f'"{value}"'
        return value


def drop_file_options(options: Message) -> None:
    """Clears the language-specific options of a FileOptions message in place."""
    for field, _ in options.ListFields():
        if field.name in DROPPED_FILE_OPTIONS or field.name.startswith(
            DROPPED_FILE_OPTION_PREFIXES
        ):
            options.ClearField(field.name)


def header_lines(original_name: str) -> list[str]:
    return [
        f"Generated by tools/import_tf_protos.py from {TENSORFLOW_DISTRIBUTION}=="
        f"{TENSORFLOW_VERSION},",
        f"source {original_name}.",
        "Do not edit by hand; rerun the tool instead.",
    ]


# --------------------------------------------------------------------------
# Verification


def normalized(file: pb.FileDescriptorProto) -> pb.FileDescriptorProto:
    """The parts of a file that must survive the round trip through source."""
    result = pb.FileDescriptorProto()
    result.CopyFrom(file)
    for name in ("name", "dependency", "public_dependency", "weak_dependency", "source_code_info"):
        result.ClearField(name)
    if result.syntax == "proto2":
        result.ClearField("syntax")
    drop_file_options(result.options)
    if not result.options.ListFields():
        result.ClearField("options")

    def strip_json_names(message: pb.DescriptorProto) -> None:
        # protoc records the derived json_name of every field in descriptor
        # sets, generated code only the explicit ones.
        for field in message.field:
            if field.json_name == to_json_name(field.name):
                field.ClearField("json_name")
        for nested in message.nested_type:
            strip_json_names(nested)

    for message in result.message_type:
        strip_json_names(message)
    return result


def compile_descriptor_set(proto_root: Path, names: Sequence[str]) -> pb.FileDescriptorSet:
    try:
        version = importlib.metadata.version("grpcio-tools")
    except importlib.metadata.PackageNotFoundError:
        raise SchemaError(
            f"grpcio-tools is needed to verify the output: "
            f"{sys.executable} -m pip install grpcio-tools=={GRPCIO_TOOLS_VERSION}"
        ) from None
    if version != GRPCIO_TOOLS_VERSION:
        print(
            f"warning: verifying with grpcio-tools {version}, not {GRPCIO_TOOLS_VERSION}",
            file=sys.stderr,
        )
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "descriptors.pb"
        command = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"--proto_path={proto_root}",
            f"--descriptor_set_out={output}",
            "--include_imports",
            *names,
        ]
        # Without this, importing grpc_tools installs import hooks that are
        # irrelevant here.
        env = {**os.environ, "GRPC_PYTHON_DISABLE_DYNAMIC_STUBS": "1"}
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            raise SchemaError(f"protoc rejected the generated files:\n{result.stderr}")
        return pb.FileDescriptorSet.FromString(output.read_bytes())


def all_types(file: pb.FileDescriptorProto) -> Iterator[tuple[str, Message]]:
    """Every message and enum of a file with its full name.

    Messages come without their nested types, which are listed on their own,
    so a difference is reported once, for the innermost type that has it.
    """

    def walk(scope: str, message: pb.DescriptorProto) -> Iterator[tuple[str, Message]]:
        name = f"{scope}.{message.name}"
        shallow = pb.DescriptorProto()
        shallow.CopyFrom(message)
        shallow.ClearField("nested_type")
        shallow.ClearField("enum_type")
        yield name, shallow
        for enum in message.enum_type:
            yield f"{name}.{enum.name}", enum
        for nested in message.nested_type:
            yield from walk(name, nested)

    scope = f".{file.package}" if file.package else ""
    for enum in file.enum_type:
        yield f"{scope}.{enum.name}", enum
    for message in file.message_type:
        yield from walk(scope, message)


def verify(proto_root: Path, plan: Plan, originals: dict[str, pb.FileDescriptorProto]) -> list[str]:
    """Compiles the written files and lists every difference from TensorFlow's."""
    names = [file.name for file in plan.files.values()]
    compiled = {file.name: file for file in compile_descriptor_set(proto_root, names).file}
    problems: list[str] = []
    for original_name in plan.folded:
        if any(True for _ in all_types(originals[original_name])):
            problems.append(f"{original_name} was folded away but defines types")
    for original_name, planned in plan.files.items():
        got_file = compiled.get(planned.name)
        if got_file is None:
            problems.append(f"{planned.name} is missing from protoc's output")
            continue
        want = normalized(originals[original_name])
        got = normalized(got_file)
        want_types = dict(all_types(want))
        got_types = dict(all_types(got))
        for name in sorted(want_types.keys() | got_types.keys()):
            if name not in got_types:
                problems.append(f"{planned.name}: {name} is missing")
            elif name not in want_types:
                problems.append(f"{planned.name}: {name} is not in TensorFlow's file")
            elif want_types[name] != got_types[name]:
                diff = difflib.unified_diff(
                    text_format.MessageToString(want_types[name]).splitlines(),
                    text_format.MessageToString(got_types[name]).splitlines(),
                    "tensorflow",
                    "generated",
                    lineterm="",
                )
                problems.append(f"{planned.name}: {name} differs\n" + "\n".join(diff))
        # Package, syntax, kept options and anything not covered above.
        if want != got:
            problems.append(f"{planned.name}: the file descriptor differs from {original_name}")
        if list(got_file.dependency) != list(planned.dependency):
            problems.append(f"{planned.name}: imports {list(got_file.dependency)}")
    return problems


# --------------------------------------------------------------------------


def check_tensorflow_version() -> None:
    try:
        version = importlib.metadata.version(TENSORFLOW_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise SchemaError(
            f"{TENSORFLOW_DISTRIBUTION} is not installed in {sys.executable}; "
            "run this tool with the TensorFlow environment's Python (tools/make-tf-env)"
        ) from None
    if version != TENSORFLOW_VERSION:
        raise SchemaError(
            f"found {TENSORFLOW_DISTRIBUTION} {version}, but the schema is pinned to "
            f"{TENSORFLOW_VERSION}"
        )


def render_all(plan: Plan) -> dict[str, str]:
    """File name relative to the proto root -> source text."""
    return {
        planned.name: Printer(planned).render(header_lines(original_name))
        for original_name, planned in plan.files.items()
    }


def write_tree(root: Path, sources: dict[str, str]) -> None:
    for name, text in sources.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--proto-root",
        type=Path,
        default=PROTO_ROOT,
        help="directory that receives metagraph_export/tf/ (default: %(default)s)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the files on disk differ from what would be written",
    )
    args = parser.parse_args(argv)
    proto_root: Path = args.proto_root
    try:
        check_tensorflow_version()
        originals = collect_files(ROOT_MODULES)
        plan = plan_output(originals)
        sources = render_all(plan)
        with tempfile.TemporaryDirectory() as scratch:
            write_tree(Path(scratch), sources)
            problems = verify(Path(scratch), plan, originals)
    except SchemaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if problems:
        print("error: the generated files do not match TensorFlow's descriptors:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1

    # The directory holds only this tool's output, so anything else is stale.
    output_dir = proto_root / OUTPUT_PACKAGE_DIR
    on_disk = {
        f"{OUTPUT_PACKAGE_DIR}/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted(output_dir.glob("*.proto"))
    }
    if args.check:
        stale = [
            name
            for name in sorted(on_disk.keys() | sources.keys())
            if on_disk.get(name) != sources.get(name)
        ]
        if stale:
            print("error: these files differ from TensorFlow's schema:", file=sys.stderr)
            for name in stale:
                print(f"  proto/{name}", file=sys.stderr)
            print("Rerun tools/import_tf_protos.py and commit the result.", file=sys.stderr)
            return 1
        print(f"{len(sources)} files in {output_dir} are up to date")
        return 0
    for name in on_disk.keys() - sources.keys():
        (proto_root / name).unlink()
    write_tree(proto_root, sources)
    for name in plan.folded:
        print(f"folded {name} (it only re-exports other files)")
    print(f"wrote {len(sources)} files to {output_dir} and verified them against TensorFlow")
    return 0


if __name__ == "__main__":
    sys.exit(main())
