"""The suite's strength: deliberately wrong variants of the reference.

Each mutant changes one rule of the specification in the reference, in
process, by replacing a function or a value of its modules. The suite runs
against the mutant with the python backend and must fail at least one case:
the mutant is then *caught*. A mutant that passes every case *survives*, and
shows a rule the cases do not pin down. Mutants run in parallel processes,
each stopping at its first failing case.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backends.python import PythonBackend
from .failures import FailureList
from .runner import FAILED, PASSED, Options, run_cases
from .suite import Case, load_suite

Patch = Callable[[str, str, Any], None]
"""patch(module, attribute, value): replaces metagraph_export.<module>.<attribute>
(an attribute "Class.method" replaces a method)."""


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    apply: Callable[[Patch], None]


def _module(name: str) -> Any:
    return importlib.import_module(f"metagraph_export.{name}")


def _original(module: str, attribute: str) -> Any:
    return getattr(_module(module), attribute)


# The mutants.


def _segment_scope(patch: Patch) -> None:
    scope_class = _original("_scope", "Scope")

    def contains(self: Any, name: str) -> bool:
        if not self.text:
            return True
        prefix = self.text if self.text.endswith("/") else self.text + "/"
        return name == self.text or name.startswith(prefix)

    del scope_class
    patch("_scope", "Scope.contains", contains)


def _control_inputs_not_renamed(patch: Patch) -> None:
    original = _original("_nodes", "rewrite_node")

    def rewrite_node(node: Any, scope: Any, unbound: list[str], clear_devices: bool) -> None:
        inputs = list(node.input)  # rewritten in place
        original(node, scope, unbound, clear_devices)
        for index, name in enumerate(inputs):
            if name.startswith("^"):
                node.input[index] = name

    patch("_exporter", "rewrite_node", rewrite_node)


def _devices_cleared_in_functions(patch: Patch) -> None:
    original = _original("_exporter", "build")

    def build(request: Any) -> Any:
        built = original(request)
        if request.clear_devices:
            for function in built.meta_graph_def.graph_def.library.function:
                for node in function.node_def:
                    node.device = ""
        return built

    patch("_pipeline", "build", build)


def _defaults_compared_by_bytes(patch: Patch) -> None:
    def attr_values_equal(a: Any, b: Any) -> bool:
        return bool(
            a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)
        )

    patch("_exporter", "attr_values_equal", attr_values_equal)


def _unbound_duplicates_removed(patch: Patch) -> None:
    original = _original("_exporter", "build")

    def build(request: Any) -> Any:
        built = original(request)
        name = request.unbound_inputs_col_name
        collections = built.meta_graph_def.collection_def
        if name and name in collections and collections[name].HasField("bytes_list"):
            values = collections[name].bytes_list.value
            values[:] = list(dict.fromkeys(values))
        return built

    patch("_pipeline", "build", build)


def _float_narrowing_truncates(patch: Patch) -> None:
    def narrow_to_float32(value: float) -> float:
        if value != value or value in (float("inf"), float("-inf")):
            return value
        bits = struct.unpack("<Q", struct.pack("<d", value))[0]
        # Drop the low 29 mantissa bits instead of rounding.
        truncated = struct.unpack("<d", struct.pack("<Q", bits & ~((1 << 29) - 1)))[0]
        try:
            return float(struct.unpack("<f", struct.pack("<f", truncated))[0])
        except OverflowError:
            return float("inf") if value > 0 else float("-inf")

    patch("_collections", "narrow_to_float32", narrow_to_float32)


def _debug_name_appended(patch: Patch) -> None:
    patch("_pipeline", "debug_file_name", lambda filename: filename + ".debug")


def _typed_collection_not_stripped(patch: Patch) -> None:
    converters = dict(_original("_collections", "_TO_PROTO"))

    def unstripped(convert: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def to_proto(message: Any, scope: Any) -> Any:
            result = convert(message, scope)
            return None if result is None else message

        return to_proto

    patch("_collections", "_TO_PROTO", {kind: unstripped(f) for kind, f in converters.items()})


def _empty_collection_kept(patch: Patch) -> None:
    original = _original("_collections", "add_collection")

    def add_collection(meta_graph_def: Any, key: str, items: Any, scope: Any, exclude: Any) -> Any:
        reason = original(meta_graph_def, key, items, scope, exclude)
        if reason is None and key not in meta_graph_def.collection_def:
            meta_graph_def.collection_def[key].SetInParent()
        return reason

    patch("_exporter", "add_collection", add_collection)


def _empty_entry_dropped(patch: Patch) -> None:
    original = _original("_collections", "add_collection")

    def add_collection(meta_graph_def: Any, key: str, items: Any, scope: Any, exclude: Any) -> Any:
        reason = original(meta_graph_def, key, items, scope, exclude)
        entries = meta_graph_def.collection_def
        if key in entries and entries[key].WhichOneof("kind") is None:
            del entries[key]
        return reason

    patch("_exporter", "add_collection", add_collection)


def _op_list_unsorted(patch: Patch) -> None:
    original = _original("_exporter", "_fill_stripped_op_list")

    def fill(meta_graph_def: Any, registry: Any) -> Any:
        missing = original(meta_graph_def, registry)
        ops = meta_graph_def.meta_info_def.stripped_op_list.op
        reordered = list(reversed(list(ops)))
        del ops[:]
        ops.extend(reordered)
        return missing

    patch("_exporter", "_fill_stripped_op_list", fill)


def _partitioned_call_f_not_followed(patch: Patch) -> None:
    patch("_exporter", "_CALL_OPS", ())


def _text_format_ascii(patch: Patch) -> None:
    from google.protobuf import text_format

    original = _original("_pipeline", "encode_message")
    pool = _original("_pool", "_ANY_TYPES")

    def encode(message: Any, as_text: bool) -> bytes:
        if not as_text:
            return bytes(original(message, as_text))
        text = text_format.MessageToString(message, as_utf8=False, descriptor_pool=pool)
        return text.encode("utf-8")

    patch("_pipeline", "encode_message", encode)


def _diagnostics_reversed(patch: Patch) -> None:
    original = _original("_exporter", "build")

    def build(request: Any) -> Any:
        built = original(request)
        built.diagnostics.reverse()
        return built

    patch("_pipeline", "build", build)


def _clear_devices_ignored(patch: Patch) -> None:
    original = _original("_nodes", "rewrite_node")

    def rewrite_node(node: Any, scope: Any, unbound: list[str], clear_devices: bool) -> None:
        original(node, scope, unbound, False)

    patch("_exporter", "rewrite_node", rewrite_node)


def _last_attr_def_wins(patch: Patch) -> None:
    original = _original("_exporter", "_strip_default_attrs")

    def strip(meta_graph_def: Any, registry: Any) -> None:
        class Reversed:
            def get(self, name: str) -> Any:
                op_def = registry.get(name)
                if op_def is None:
                    return None
                copy = type(op_def)()
                copy.CopyFrom(op_def)
                attrs = list(copy.attr)
                del copy.attr[:]
                copy.attr.extend(reversed(attrs))
                return copy

        original(meta_graph_def, Reversed())

    patch("_exporter", "_strip_default_attrs", strip)


def _control_unbound_exported(patch: Patch) -> None:
    original = _original("_collections", "should_include")

    def should_include(name: str, scope: Any, exclude: Any) -> bool:
        if name.startswith("^$unbound_inputs_"):
            return name not in exclude
        return bool(original(name, scope, exclude))

    patch("_collections", "should_include", should_include)


def _temporary_file_left(patch: Patch) -> None:
    original = _original("_files", "write_files")

    def write_files(files: Sequence[tuple[str, Any]]) -> None:
        original(files)
        for path, content in files[:1]:
            with open(path + ".tmp", "wb") as stream:
                if isinstance(content, bytes):
                    stream.write(content)
                else:
                    content(stream)

    patch("_pipeline", "write_files", write_files)


def _no_output_shapes_when_rewriting(patch: Patch) -> None:
    original = _original("_exporter", "_add_output_shapes")

    def add(node: Any, name: str, snapshot: Any, strict: bool) -> None:
        if not strict:
            original(node, name, snapshot, strict)

    patch("_exporter", "_add_output_shapes", add)


def _strip_without_regex(patch: Patch) -> None:
    scope_class = _original("_scope", "Scope")
    import re

    original = scope_class.strip

    def strip(self: Any, name: str) -> str:
        if not self.text:
            return name
        scope = self.text[:-1] if self.text.endswith("/") else self.text
        return str(original(_Literal(re.escape(scope)), name))

    class _Literal:
        def __init__(self, text: str) -> None:
            self.text = text
            self._strip_pattern = None
            self._literal_prefix = None

    patch("_scope", "Scope.strip", strip)


def _versions_from_package(patch: Patch) -> None:
    original = _original("_exporter", "build")

    def build(request: Any) -> Any:
        built = original(request)
        built.meta_graph_def.meta_info_def.tensorflow_version = "2.21"
        return built

    patch("_pipeline", "build", build)


def _library_order_sorted(patch: Patch) -> None:
    original = _original("_exporter", "build")

    def build(request: Any) -> Any:
        built = original(request)
        if not built.meta_graph_def.graph_def.HasField("library"):
            return built
        functions = built.meta_graph_def.graph_def.library.function
        ordered = sorted(functions, key=lambda function: function.signature.name)
        copies = [type(function)() for function in ordered]
        for copy, function in zip(copies, ordered, strict=True):
            copy.CopyFrom(function)
        del functions[:]
        functions.extend(copies)
        return built

    patch("_pipeline", "build", build)


def _registry_without(change: Callable[[dict[str, Any]], None]) -> Callable[[Patch], None]:
    """A mutant whose bundled registry (spec REG-6) has ``change`` applied to
    its OpDefs by name."""

    def apply(patch: Patch) -> None:
        registry_class = _original("_registry", "OpRegistry")
        bundled = _original("_registry", "default_registry")()
        ops = {name: bundled.get(name) for name in bundled._ops}
        change(ops)
        changed = registry_class(ops, bundled.tensorflow_version, bundled.tensorflow_git_version)
        patch("_pipeline", "default_registry", lambda: changed)

    return apply


def _drop_last_op(ops: dict[str, Any]) -> None:
    del ops[max(ops)]


def _change_a_default(ops: dict[str, Any]) -> None:
    # An op late in the alphabet, which only a case using every op reaches.
    for name in sorted(ops, reverse=True):
        op_def = ops[name]
        for attr in op_def.attr:
            if attr.HasField("default_value") and attr.default_value.WhichOneof("value") == "b":
                changed = type(op_def)()
                changed.CopyFrom(op_def)
                for changed_attr in changed.attr:
                    if changed_attr.name == attr.name:
                        changed_attr.default_value.b = not attr.default_value.b
                ops[name] = changed
                return


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "registry-missing-an-op",
        "the op registry without its last op",
        _registry_without(_drop_last_op),
    ),
    Mutant(
        "registry-default-changed",
        "the op registry with one bool default flipped, in an op late in the alphabet",
        _registry_without(_change_a_default),
    ),
    Mutant("scope-segment-match", "scope tested as a path segment, not a prefix", _segment_scope),
    Mutant(
        "control-inputs-not-renamed",
        "^inputs neither stripped nor marked unbound",
        _control_inputs_not_renamed,
    ),
    Mutant(
        "devices-cleared-in-functions",
        "clear_devices also clears function bodies",
        _devices_cleared_in_functions,
    ),
    Mutant(
        "defaults-compared-by-bytes",
        "attribute defaults compared by their encoding",
        _defaults_compared_by_bytes,
    ),
    Mutant(
        "unbound-duplicates-removed",
        "the unbound-inputs collection without duplicates",
        _unbound_duplicates_removed,
    ),
    Mutant(
        "float-narrowing-truncates",
        "floats narrowed to 32 bits by truncation",
        _float_narrowing_truncates,
    ),
    Mutant("debug-name-appended", "the debug file named <filename>.debug", _debug_name_appended),
    Mutant(
        "typed-collection-not-stripped",
        "typed collection items keep the scope",
        _typed_collection_not_stripped,
    ),
    Mutant(
        "empty-collection-kept",
        "a collection with no kept item gets an empty entry",
        _empty_collection_kept,
    ),
    Mutant(
        "empty-entry-dropped",
        "an entry to which nothing was added is removed",
        _empty_entry_dropped,
    ),
    Mutant("op-list-unsorted", "stripped_op_list not sorted by name", _op_list_unsorted),
    Mutant(
        "partitioned-call-f-not-followed",
        "PartitionedCall's f neither followed nor inserted",
        _partitioned_call_f_not_followed,
    ),
    Mutant("text-format-ascii", "text output escapes non-ASCII characters", _text_format_ascii),
    Mutant("diagnostics-reversed", "diagnostics in reverse order", _diagnostics_reversed),
    Mutant("clear-devices-ignored", "clear_devices has no effect", _clear_devices_ignored),
    Mutant(
        "last-attr-def-wins", "the last AttrDef of a name gives the default", _last_attr_def_wins
    ),
    Mutant(
        "control-unbound-exported",
        "^$unbound_inputs_ entries kept in the collection",
        _control_unbound_exported,
    ),
    Mutant(
        "temporary-file-left", "a temporary file stays beside the meta graph", _temporary_file_left
    ),
    Mutant(
        "no-output-shapes-when-rewriting",
        "_output_shapes missing on the rewriting path",
        _no_output_shapes_when_rewriting,
    ),
    Mutant(
        "strip-without-regex",
        "the scope stripped literally, not as a regular expression",
        _strip_without_regex,
    ),
    Mutant(
        "versions-from-package", "tensorflow_version not the registry's", _versions_from_package
    ),
    Mutant(
        "library-order-sorted", "functions of the library sorted by name", _library_order_sorted
    ),
)


@contextlib.contextmanager
def applied(mutant: Mutant) -> Iterator[None]:
    """The reference with the mutant's changes, restored afterwards."""
    restore: list[tuple[Any, str, Any]] = []

    def patch(module: str, attribute: str, value: Any) -> None:
        # "Class.method" replaces a method of a class of the module.
        target = _module(module)
        *owners, name = attribute.split(".")
        for owner in owners:
            target = getattr(target, owner)
        if not hasattr(target, name):
            raise AttributeError(f"metagraph_export.{module} has no {attribute}")
        restore.append((target, name, getattr(target, name)))
        setattr(target, name, value)

    try:
        mutant.apply(patch)
        yield
    finally:
        for target, name, value in reversed(restore):
            setattr(target, name, value)


@dataclass(frozen=True)
class Verdict:
    mutant: str
    caught: bool
    case_id: str = ""
    message: str = ""
    seconds: float = 0.0


class _Stop(Exception):
    pass


def hunt(mutant: Mutant, cases: Sequence[Case]) -> Verdict:
    """Runs the suite against one mutant until a case fails."""
    started = time.monotonic()
    failed: list[tuple[str, str]] = []

    def report(result: Any) -> None:
        if result.status == FAILED:
            failed.append((result.case_id, result.message))
            raise _Stop

    try:
        with applied(mutant):
            try:
                run_cases(cases, PythonBackend(), FailureList({}), Options(), report)
            except _Stop:
                pass
    except AttributeError as error:
        return Verdict(mutant.name, False, "", f"cannot be applied: {error}")
    seconds = time.monotonic() - started
    if failed:
        case_id, message = failed[0]
        return Verdict(mutant.name, True, case_id, message.splitlines()[0], seconds)
    return Verdict(mutant.name, False, "", "every case passes", seconds)


_CASES: list[Case] = []
"""The cases, loaded once before the worker processes fork."""


def _hunt_by_name(name: str) -> Verdict:
    mutant = next(mutant for mutant in MUTANTS if mutant.name == name)
    return hunt(mutant, _CASES)


def run_mutants(suite: Path, names: Sequence[str], jobs: int) -> int:
    selected = [mutant for mutant in MUTANTS if not names or mutant.name in names]
    unknown = sorted(set(names) - {mutant.name for mutant in MUTANTS})
    if unknown:
        print(f"mutants: unknown mutant(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    _CASES[:] = load_suite(suite)
    # The unmutated reference must pass, or nothing below means anything.
    baseline = run_cases(_CASES, PythonBackend(), FailureList({}), Options())
    broken = [result for result in baseline if result.status not in (PASSED, "skipped")]
    if broken:
        print(f"mutants: the reference itself fails {broken[0].case_id}: {broken[0].message}")
        return 1
    workers = jobs or os.cpu_count() or 1
    work = [mutant.name for mutant in selected]
    if workers > 1 and len(work) > 1:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(work))) as pool:
            verdicts = pool.map(_hunt_by_name, work, chunksize=1)
    else:
        verdicts = [_hunt_by_name(item) for item in work]
    survivors = 0
    for verdict in verdicts:
        if verdict.caught:
            print(f"caught    {verdict.mutant:<34} by {verdict.case_id}")
            print(f"          {verdict.message[:150]}")
        else:
            survivors += 1
            print(f"SURVIVED  {verdict.mutant:<34} {verdict.message}")
    print(f"{len(verdicts) - survivors} of {len(verdicts)} mutants caught, {survivors} survived")
    return 1 if survivors else 0


__all__ = ["MUTANTS", "Mutant", "applied", "hunt", "run_mutants"]
