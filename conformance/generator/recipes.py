"""What a case's recipe is made of, and the helpers the areas share.

A ``CaseDef`` names the graph (a builder of ``graphs``), the arguments of the
call, the requirements it checks and, where the specification deliberately
differs from TensorFlow, the outcome the specification requires and why.
The generator turns each into a case file; the expectation itself always
comes from running TensorFlow (``tf_run``).

Each area of the suite (a directory of conformance/cases/) declares its
recipes in ``areas/<area>.py`` through an ``Area``; ``catalog`` collects
them. This module imports neither.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .requirements import requirement_ids

GraphDefFactory = Callable[[Any], Any]


@dataclass(frozen=True)
class CaseDef:
    id: str
    covers: tuple[str, ...]
    """Topics of requirements.TOPICS: the requirement IDs this case checks."""
    description: str
    graph: str | None = None
    """The builder of graphs.BUILDERS; None: no graph argument at all."""
    options: dict[str, Any] = field(default_factory=dict)
    """Plain arguments of export_meta_graph: filename (relative to the
    sandbox), as_text, export_scope, clear_devices, clear_extraneous_savers,
    strip_default_attrs, save_debug_info, collection_list,
    unbound_inputs_col_name."""
    graph_def: GraphDefFactory | None = None
    """Makes the graph_def argument (a TensorFlow GraphDef) from the built graph."""
    graph_def_name: str | None = None
    """Set when graph_def is the graph's own as_graph_def(add_shapes=True),
    which several cases share."""
    pass_graph: bool = True
    saver_def: Callable[[Any], Any] | None = None
    meta_info_def: Callable[[], Any] | None = None
    op_defs: Callable[[], list[Any]] | None = None
    sandbox: tuple[tuple[str, bytes | None], ...] = ()
    """Entries present before the call: (path, content), None for a directory."""
    tags: tuple[str, ...] = ()
    raw_arguments: bytes | None = None
    synthesized: tuple[int, int] | None = None
    """(node_count, bytes_per_node) of a LargeConstantGraph."""
    expect_error: str | None = None
    """The error category the specification requires, where TensorFlow does
    something else or where no TensorFlow call is involved."""
    deliberate: str | None = None
    """Why TensorFlow fails this case: the deliberate difference of the
    specification (the tensorflow backend's failure list)."""
    fresh_graph: bool = False
    """TensorFlow changes this graph beyond repair: build it anew."""
    hide: tuple[str, ...] = ()
    """Collections TensorFlow does not see: the specification drops them
    (their input holds what a snapshot cannot represent, or an edited item)."""
    snapshot_edit: Callable[[Any], None] | None = None
    """Changes the snapshot given as input in a way the specification says
    makes no difference, or that ``hide`` accounts for."""
    raw_transform: Callable[[Any], bytes] | None = None
    """Gives the input as bytes made from the full arguments (to carry what
    text format cannot, such as unknown fields)."""
    check_unchanged: bool = False
    """Whether TensorFlow modifying its arguments counts (spec EXP-ARGS-11)."""

    @property
    def level(self) -> str:
        return self.id.split(".")[0]

    @property
    def requirements(self) -> list[str]:
        return requirement_ids(self.covers)


def with_shapes(built: Any) -> Any:
    """The graph's own GraphDef, as Graph.as_graph_def(add_shapes=True)."""
    return built.graph.as_graph_def(add_shapes=True)


def built_saver(built: Any) -> Any:
    return built.saver_def


def _tf() -> Any:
    import tensorflow as tf

    return tf


def graph_def_from_text(text: str) -> GraphDefFactory:
    def make(_: Any) -> Any:
        from google.protobuf import text_format

        return text_format.Parse(text, _tf().compat.v1.GraphDef())

    return make


def saver_def_from_text(text: str) -> Callable[[Any], Any]:
    def make(_: Any) -> Any:
        from google.protobuf import text_format

        return text_format.Parse(text, _tf().compat.v1.train.SaverDef())

    return make


def meta_info_from_text(text: str) -> Callable[[], Any]:
    def make() -> Any:
        from google.protobuf import text_format

        return text_format.Parse(text, _tf().compat.v1.MetaGraphDef.MetaInfoDef())

    return make


def name_parts(**flags: bool) -> str:
    parts = [name for name, on in flags.items() if on]
    return ".".join(parts) if parts else "Plain"


def product(**axes: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
    names = list(axes)
    for values in itertools.product(*(axes[name] for name in names)):
        yield dict(zip(names, values, strict=True))


@dataclass(frozen=True)
class ImportDef:
    """The recipe of an import case (spec/import.md): TensorFlow exports
    ``graph`` with ``export`` options, ``edit`` changes the meta graph, and it
    is imported into ``target`` (None: a fresh graph)."""

    id: str
    requirements: tuple[str, ...]
    """IMP requirement IDs."""
    description: str
    graph: str = "basic"
    export: dict[str, Any] = field(default_factory=dict)
    """Options of export_meta_graph; "saver": False leaves the graph's SaverDef out."""
    edit: Callable[[Any], None] | None = None
    """Changes the exported MetaGraphDef (ours) before the import."""
    target: str | None = None
    source: str = "message"
    """ "message", "binary" or "text" (a file in the sandbox), "missing" (no file)."""
    options: dict[str, Any] = field(default_factory=dict)
    """clear_devices, import_scope, input_map (pairs), unbound_inputs_col_name,
    restore_collections, return_elements."""
    file_content: bytes | None = None
    """The file's bytes, instead of the meta graph's encoding."""
    raw_arguments: bytes | None = None
    """Bytes to parse as ImportArguments (malformed on purpose)."""

    @property
    def level(self) -> str:
        return self.id.split(".")[0]


class Area:
    """The recipes of one area: Required.Scope.* and Recommended.Scope.* are
    the cases of Area("Scope"), declared in areas/scope.py and written to
    conformance/cases/scope/."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cases: list[CaseDef] = []
        self.imports: list[ImportDef] = []

    def import_case(
        self, case_id: str, requirements: tuple[str, ...], description: str, **kwargs: Any
    ) -> None:
        """Declares one import case of this area."""
        if case_id.split(".")[1:2] != [self.name]:
            raise ValueError(f"case {case_id} is declared in the area {self.name}")
        self.imports.append(ImportDef(case_id, requirements, description, **kwargs))

    def case(
        self, case_id: str, covers: tuple[str, ...] | str, description: str, **kwargs: Any
    ) -> None:
        """Declares one case of this area."""
        if case_id.split(".")[1:2] != [self.name]:
            raise ValueError(f"case {case_id} is declared in the area {self.name}")
        if isinstance(covers, str):
            covers = (covers,)
        self.cases.append(CaseDef(case_id, covers, description, **kwargs))


# Shared by the areas whose cases give op_defs (REG-7).

NO_OP_DEFS = "TensorFlow has no op_defs argument; the specification's REG-7 checks are its own"


def op_def(text: str) -> Any:
    from google.protobuf import text_format
    from tensorflow.core.framework import op_def_pb2

    return text_format.Parse(text, op_def_pb2.OpDef())


# Shared by Options (from the graph) and GraphDef (from a given graph_def):
# every rewriting option with every other. Scopes end in "/" here: scope "s"
# also selects s_1/* and save/*, whose debug info cannot be looked up (see
# Required.DebugInfo.PrefixCollision).
_COMBINATION_GRAPHS = {"basic": "s/", "variables": "s/", "savers": "model/"}


def declare_combinations(area: Area, source: str) -> None:
    """Required.<area>.Combination.<Graph>.<options>: from the graph ("Graph")
    on three graphs, or from its graph_def ("GraphDef") on the basic one."""
    from_graph_def = source == "GraphDef"
    for graph_name, scope in _COMBINATION_GRAPHS.items():
        if from_graph_def and graph_name != "basic":
            continue
        for flags in product(
            scope=(False, True), devices=(False, True), savers=(False, True), strip=(False, True)
        ):
            label = name_parts(
                Scope=flags["scope"],
                ClearDevices=flags["devices"],
                ClearSavers=flags["savers"],
                StripDefaults=flags["strip"],
            )
            as_text = (flags["devices"] + flags["savers"] + flags["strip"]) % 2 == 1
            options = {
                "filename": "model.meta",
                "as_text": as_text,
                "save_debug_info": not from_graph_def,
                "clear_devices": flags["devices"],
                "clear_extraneous_savers": flags["savers"],
                "strip_default_attrs": flags["strip"],
            }
            if flags["scope"]:
                options["export_scope"] = scope
            covers: list[str] = ["options.combination"]
            if from_graph_def:
                covers.append(
                    "graph_def.given_rewritten" if any(flags.values()) else "graph_def.given"
                )
            if flags["scope"]:
                covers.append("scope.include_prefix")
            if flags["savers"]:
                covers.append("savers.clear_extraneous")
            saver = built_saver if (flags["savers"] or graph_name == "savers") else None
            area.case(
                f"Required.{area.name}.Combination.{graph_name.capitalize()}.{label}",
                tuple(covers),
                f"{graph_name} graph{' from a given graph_def' if from_graph_def else ''}, "
                f"options: {', '.join(k for k, v in flags.items() if v) or 'none'}; "
                f"{'text' if as_text else 'binary'} file"
                f"{'' if from_graph_def else ' and debug file'}.",
                graph=graph_name,
                options=options,
                saver_def=saver,
                graph_def=with_shapes if from_graph_def else None,
                graph_def_name="with_shapes" if from_graph_def else None,
            )
