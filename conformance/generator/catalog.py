"""Every case of the suite, as a recipe for TensorFlow.

A ``CaseDef`` names the graph (a builder of ``graphs``), the arguments of the
call, the requirements it checks and, where the specification deliberately
differs from TensorFlow, the outcome the specification requires and why.
The generator turns each into a case file; the expectation itself always
comes from running TensorFlow (``tf_run``).
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


CASES: list[CaseDef] = []


def case(case_id: str, covers: tuple[str, ...] | str, description: str, **kwargs: Any) -> None:
    if isinstance(covers, str):
        covers = (covers,)
    CASES.append(CaseDef(case_id, covers, description, **kwargs))


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


# The catalog, area by area. Every file below registers its cases on import.


def all_cases() -> list[CaseDef]:
    from . import cases_a, cases_b, cases_c, cases_d  # noqa: F401  (registration)

    ids = [definition.id for definition in CASES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate case ids: {duplicates}")
    return sorted(CASES, key=lambda definition: definition.id)


def product(**axes: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
    names = list(axes)
    for values in itertools.product(*(axes[name] for name in names)):
        yield dict(zip(names, values, strict=True))
