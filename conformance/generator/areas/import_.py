"""The cases in conformance/cases/import/ (their IDs: <level>.Import.<name>).

import_meta_graph (spec/import.md): TensorFlow's exports of the generator's
graphs, imported into fresh graphs and into graphs whose names collide, under
every argument alone and combined; scoped exports with their unbound inputs;
files; and meta graphs and arguments that are broken on purpose. The module is
``import_`` because ``import`` is a keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metagraph_export.tf.attr_value_pb2 import AttrValue
from metagraph_export.tf.types_pb2 import DT_INT32, DT_INVALID, DT_STRING

from ..recipes import Area

AREA = Area("Import")
case = AREA.import_case

_RESULT = (
    "IMP-ALGO-1",
    "IMP-ALGO-2",
    "IMP-ALGO-3",
    "IMP-ARGS-6",
    "IMP-NODE-6",
    "IMP-RESULT-1",
    "IMP-RESULT-2",
    "IMP-RESULT-3",
)

# Graphs of every kind, imported into a fresh graph and into a copy of themselves.
_GRAPHS: dict[str, tuple[str, tuple[str, ...]]] = {
    "basic": ("Basic", ("IMP-NAME-2", "IMP-DEV-2", "IMP-NAME-5")),
    "small": ("Small", ()),
    "prefixes": ("Prefixes", ("IMP-NAME-1",)),
    "nested_scopes": ("NestedScopes", ("IMP-NAME-1",)),
    "boundary": ("Boundary", ()),
    "control_order": ("ControlOrder", ("IMP-ORDER-1",)),
    "devices": ("Devices", ("IMP-DEV-2", "IMP-DEV-3")),
    "variables": ("Variables", ("IMP-COLL-4", "IMP-COLL-5", "IMP-SAVER-3")),
    "variable_kinds": ("VariableKinds", ("IMP-COLL-4", "IMP-COLL-5", "IMP-SAVER-3")),
    "partitioned_scope": ("Partitioned", ("IMP-COLL-4", "IMP-COLL-5")),
    "savers": ("Savers", ("IMP-SAVER-1", "IMP-SAVER-2", "IMP-COLL-6")),
    "saver_no_variables": ("SaverNoVariables", ("IMP-SAVER-1", "IMP-COLL-6")),
    "control_flow_v1": ("ControlFlowV1", ("IMP-COLL-7", "IMP-COLL-8", "IMP-ORDER-3", "IMP-NAME-7")),
    "while_external": ("WhileExternal", ("IMP-COLL-7", "IMP-COLL-8", "IMP-ORDER-3")),
    "control_flow_v2": ("ControlFlowV2", ("IMP-LIB-1", "IMP-LIB-2", "IMP-RESULT-4")),
    "queue_runner": ("QueueRunner", ("IMP-COLL-7",)),
    "functions": ("Functions", ("IMP-LIB-1", "IMP-LIB-2", "IMP-LIB-3", "IMP-RESULT-4")),
    "defun": ("Defun", ("IMP-LIB-1", "IMP-LIB-2", "IMP-RESULT-4")),
    "default_attrs": ("DefaultAttrs", ("IMP-NODE-1", "IMP-NODE-5")),
    "attr_kinds": ("AttrKinds", ("IMP-NODE-5",)),
    "strings_and_bytes": ("StringsAndBytes", ("IMP-COLL-9",)),
    "collections": ("Collections", ("IMP-COLL-1", "IMP-COLL-3", "IMP-COLL-9")),
    "collection_order": ("CollectionOrder", ("IMP-COLL-1",)),
    "scoped_items": ("ScopedItems", ("IMP-COLL-9", "IMP-UNBOUND-2")),
    "numbers": ("Numbers", ("IMP-COLL-9",)),
}

for _graph, (_label, _covers) in _GRAPHS.items():
    _base = (*_RESULT, *_covers)
    case(
        f"Required.Import.{_label}.Fresh",
        (*_base, "IMP-ARGS-1", "IMP-COLL-1", "IMP-COLL-3", "IMP-RESULT-5"),
        f"The {_graph} graph's meta graph, imported into a fresh graph with the defaults.",
        graph=_graph,
    )
    case(
        f"Required.Import.{_label}.FreshScoped",
        (*_base, "IMP-SCOPE-2", "IMP-SCOPE-3", "IMP-NAME-2"),
        f"The {_graph} graph imported into a fresh graph under the scope 'imported'.",
        graph=_graph,
        options={"import_scope": "imported"},
    )
    case(
        f"Required.Import.{_label}.IntoItself",
        (*_base, "IMP-ARGS-3", "IMP-NAME-1", "IMP-NAME-3", "IMP-NAME-4", "IMP-SCOPE-1"),
        f"The {_graph} graph imported into a graph holding the same nodes: every name "
        "collides and is made unique.",
        graph=_graph,
        target=_graph,
    )
    case(
        f"Required.Import.{_label}.IntoItselfScoped",
        (*_base, "IMP-ARGS-3", "IMP-SCOPE-1", "IMP-SCOPE-2", "IMP-SCOPE-4"),
        f"The {_graph} graph imported into a copy of itself under the scope 'imported'.",
        graph=_graph,
        target=_graph,
        options={"import_scope": "imported"},
    )
    case(
        f"Required.Import.{_label}.StrippedDefaults",
        (*_base, "IMP-NODE-1", "IMP-NODE-2"),
        f"The {_graph} graph exported with strip_default_attrs: the defaults are restored.",
        graph=_graph,
        export={"strip_default_attrs": True},
    )
    case(
        f"Required.Import.{_label}.ClearDevices",
        (*_base, "IMP-DEV-1", "IMP-DEV-2"),
        f"The {_graph} graph imported with clear_devices into a copy of itself.",
        graph=_graph,
        target=_graph,
        options={"clear_devices": True},
    )

# Every argument alone and combined, on the variables graph.

_COMBINATIONS: dict[str, dict[str, Any]] = {
    "Scope": {"import_scope": "c"},
    "ClearDevices": {"clear_devices": True},
    "Restore": {"restore_collections": ["variables", "savers"]},
    "Return": {"return_elements": ["v", "v:0", "init"]},
    "NoUnbound": {"unbound_inputs_col_name": None},
}
_NAMES = list(_COMBINATIONS)
for _mask in range(1, 1 << len(_NAMES)):
    _chosen = [name for index, name in enumerate(_NAMES) if _mask >> index & 1]
    if len(_chosen) == 1 or len(_chosen) >= 3:
        _options: dict[str, Any] = {}
        for name in _chosen:
            _options.update(_COMBINATIONS[name])
        if "Return" in _chosen and "Scope" in _chosen:
            _options["return_elements"] = ["v", "v:0", "init"]
        case(
            f"Required.Import.Combination.{''.join(_chosen)}",
            ("IMP-ARGS-1", "IMP-ARGS-4", "IMP-ALGO-1", "IMP-RET-1", "IMP-RET-2", "IMP-COLL-2"),
            f"The variables graph imported into itself with: {', '.join(_chosen)}.",
            graph="variables",
            target="variables",
            options=_options,
        )

case(
    "Required.Import.Restore.None",
    ("IMP-COLL-2",),
    "An empty list of collections to restore: none is restored.",
    graph="variables",
    options={"restore_collections": []},
)
case(
    "Required.Import.Restore.TrainableOnly",
    ("IMP-COLL-1", "IMP-COLL-2", "IMP-COLL-5"),
    "Only trainable_variables is restored.",
    graph="variables",
    options={"restore_collections": ["trainable_variables"]},
)
case(
    "Required.Import.Restore.Unknown",
    ("IMP-COLL-2",),
    "A key the meta graph lacks is simply not restored.",
    graph="collections",
    options={"restore_collections": ["no_such_key", "a"]},
)
case(
    "Required.Import.Restore.WithoutSaverDef",
    ("IMP-SAVER-3", "IMP-ALGO-2"),
    "Variables without a saver_def: no Saver is built, SAVER_NOT_BUILT says so.",
    graph="variables",
    export={"saver": False},
)
case(
    "Required.Import.Restore.WithoutSaverDefScoped",
    ("IMP-SAVER-3",),
    "No saver_def, imported under a scope.",
    graph="variables",
    export={"saver": False},
    options={"import_scope": "x"},
)
case(
    "Required.Import.Restore.WithoutSaverDefIntoItself",
    ("IMP-SAVER-3",),
    "No saver_def, imported into itself: TensorFlow's new Saver fails on two variables of "
    "one name; the specification builds none.",
    graph="variables",
    export={"saver": False},
    target="variables",
)

# Scoped exports, re-imported: their unbound inputs mapped and unmapped.


def _unbound(name: str, covers: tuple[str, ...], description: str, **kwargs: Any) -> None:
    case(
        f"Required.Import.Unbound.{name}",
        ("IMP-UNBOUND-1", "IMP-MAP-1", "IMP-MAP-2", "IMP-MAP-3", *covers),
        description,
        graph="basic",
        export={"export_scope": "s", "saver": False},
        **kwargs,
    )


_unbound(
    "Unmapped",
    ("IMP-ORDER-2",),
    "A scoped export with unbound inputs, nothing mapped.",
    target="basic",
)
_unbound(
    "UnmappedChecked",
    (),
    "A scoped export with unbound inputs into a fresh graph, nothing mapped.",
)
_unbound(
    "MappedControlLeft",
    ("IMP-MAP-4",),
    "The data input mapped, the control input left: the check passes, the import fails on it.",
    target="basic",
    options={"import_scope": "again", "input_map": [("$unbound_inputs_input", "input")]},
)
_unbound(
    "MappedAll",
    ("IMP-MAP-4", "IMP-UNBOUND-2"),
    "Data and control inputs mapped, the check off.",
    target="basic",
    options={
        "import_scope": "again",
        "unbound_inputs_col_name": None,
        "input_map": [("$unbound_inputs_input", "input:0"), ("^$unbound_inputs_input", "input")],
    },
)
_unbound(
    "ExtraKey",
    ("IMP-MAP-5",),
    "An unbound input mapped, with an extra key.",
    target="basic",
    options={"input_map": [("$unbound_inputs_input", "input"), ("s/a", "input")]},
)
_unbound(
    "SameScope",
    ("IMP-SCOPE-2",),
    "Re-imported under the scope it was exported from, inputs mapped.",
    target="basic",
    options={
        "import_scope": "s",
        "unbound_inputs_col_name": None,
        "input_map": [("$unbound_inputs_input", "input:0"), ("^$unbound_inputs_input", "input")],
    },
)
_unbound(
    "OtherScope",
    ("IMP-SCOPE-2",),
    "Re-imported under another scope into a fresh graph, check off.",
    options={"import_scope": "other", "unbound_inputs_col_name": None},
)
_unbound(
    "CustomName",
    ("IMP-UNBOUND-2",),
    "unbound_inputs_col_name names another collection: the check does not see the inputs.",
    target="basic",
    options={"unbound_inputs_col_name": "custom"},
)
_unbound(
    "DuplicateKeyLaterWins",
    ("IMP-ARGS-5",),
    "A key given twice: the later mapping wins.",
    target="basic",
    options={
        "import_scope": "again",
        "unbound_inputs_col_name": None,
        "input_map": [
            ("$unbound_inputs_input", "top:0"),
            ("$unbound_inputs_input", "input:0"),
            ("^$unbound_inputs_input", "input"),
        ],
    },
)

for _graph, _scope in (("variables", "s"), ("scoped_items", "s"), ("boundary", "m")):
    for _target, _import_scope, _label in (
        (None, None, "Fresh"),
        (_graph, _scope, "SameScope"),
        (_graph, "elsewhere", "OtherScope"),
    ):
        case(
            f"Required.Import.ScopedExport.{_graph.title().replace('_', '')}.{_label}",
            ("IMP-SCOPE-2", "IMP-UNBOUND-1", "IMP-COLL-9", *_RESULT),
            f"The {_graph} graph exported under {_scope!r}, imported "
            f"{'fresh' if _target is None else 'into itself'}"
            f"{'' if _import_scope is None else f' under {_import_scope!r}'}, check off.",
            graph=_graph,
            export={"export_scope": _scope, "saver": False},
            target=_target,
            options={
                "unbound_inputs_col_name": None,
                **({} if _import_scope is None else {"import_scope": _import_scope}),
            },
        )

# Input maps.

_MAPS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "Data": (("IMP-MAP-3", "IMP-MAP-4"), {"input_map": [("input", "s/a:0"), ("s/b", "input:0")]}),
    "Control": (("IMP-MAP-2", "IMP-MAP-3"), {"input_map": [("^input", "top"), ("^s_1/d", "top")]}),
    "SameTensorTwoKeys": (
        ("IMP-MAP-2",),
        {"input_map": [("input", "s/a:0"), ("input:0", "top:0")]},
    ),
    "UnusedMissing": (("IMP-MAP-5",), {"input_map": [("nowhere:0", "input")]}),
    "UnusedIndex": (("IMP-MAP-5",), {"input_map": [("input:3", "input")]}),
    "UnusedExisting": (("IMP-MAP-5",), {"input_map": [("top:0", "input")]}),
    "MissingValue": (("IMP-MAP-1",), {"input_map": [("input", "nowhere:0")]}),
    "ReturnMapped": (
        ("IMP-RET-1", "IMP-RET-2"),
        {"input_map": [("input", "top")], "return_elements": ["input:0"]},
    ),
}
for _label, (_covers, _options) in _MAPS.items():
    case(
        f"Required.Import.InputMap.{_label}",
        ("IMP-ARGS-5", "IMP-MAP-1", *_covers, *_RESULT),
        f"The basic graph imported into itself under 'm' with an input map ({_label}).",
        graph="basic",
        target="basic",
        options={"import_scope": "m", **_options},
    )

# Return elements.

for _label, _names, _target in (
    ("Mixed", ["s/b", "s/b:0", "top", "input:0"], "basic"),
    ("Empty", [], "basic"),
    ("MissingNode", ["no"], None),
    ("BadIndex", ["top:1"], None),
    ("MissingTensor", ["n:0"], None),
):
    case(
        f"Required.Import.Return.{_label}",
        ("IMP-RET-1", "IMP-RET-2"),
        f"return_elements {_names}.",
        graph="basic",
        target=_target,
        options={"return_elements": _names},
    )

# Import scopes.

for _label, _scope, _target in (
    ("Invalid", "-x", None),
    ("Underscore", "_x", None),
    ("Upper", "S", "basic"),
    ("Nested", "s/inner", "basic"),
    ("Empty", "", "basic"),
    ("TrailingSlash", "s/", "basic"),
    ("Existing", "s", "basic"),
    ("Twice", "imported", "nested_scopes"),
    ("Dots", "a.b", None),
    ("LineBreak", "x\n", None),
):
    case(
        f"Required.Import.Scope.{_label}",
        ("IMP-SCOPE-1", "IMP-SCOPE-2", "IMP-SCOPE-3", "IMP-SCOPE-4", "IMP-ARGS-7"),
        f"import_scope {_scope!r}.",
        graph="basic",
        target=_target,
        options={"import_scope": _scope},
    )

# Meta graphs broken on purpose.

Edit = Callable[[Any], None]


def _node(meta: Any, op: str) -> Any:
    return next(node for node in meta.graph_def.node if node.op == op)


def _set_attr(name: str, value: AttrValue) -> Edit:
    def change(meta: Any) -> None:
        node = next(n for n in meta.graph_def.node if n.name == name)
        node.attr["T"].CopyFrom(value)

    return change


def _append_input(index: int, source: str, op: str | None = None) -> Edit:
    def change(meta: Any) -> None:
        meta.graph_def.node[index].input.append(source)
        if op is not None:
            meta.graph_def.node[index].op = op

    return change


_BROKEN: dict[str, tuple[tuple[str, ...], Edit, dict[str, Any]]] = {
    "UnknownOp": (
        ("IMP-NODE-4", "IMP-ERR-1"),
        lambda m: setattr(m.graph_def.node[1], "op", "NoSuchOp"),
        {},
    ),
    "Producer": (("IMP-VER-1",), lambda m: setattr(m.graph_def.versions, "producer", -1), {}),
    "MinConsumer": (
        ("IMP-VER-1",),
        lambda m: setattr(m.graph_def.versions, "min_consumer", 100_000),
        {},
    ),
    "BadConsumer": (("IMP-VER-1",), lambda m: m.graph_def.versions.bad_consumers.append(2474), {}),
    "Cycle": (("IMP-ORDER-1", "IMP-ORDER-3"), lambda m: _cycle(m), {}),
    "UnknownInput": (
        ("IMP-ORDER-2",),
        lambda m: m.graph_def.node[2].input.__setitem__(0, "nowhere"),
        {},
    ),
    "ColocationUnknown": (
        ("IMP-NAME-6",),
        lambda m: m.graph_def.node[1].attr["_class"].list.s.append(b"loc:@nowhere"),
        {},
    ),
    "NodeListMissing": (
        ("IMP-COLL-9",),
        lambda m: m.collection_def["tensors"].node_list.value.append("nowhere:0"),
        {},
    ),
    "DuplicateName": (
        ("IMP-NODE-3",),
        lambda m: setattr(m.graph_def.node[2], "name", m.graph_def.node[1].name),
        {},
    ),
    "InvalidNodeName": (("IMP-NODE-3",), lambda m: setattr(m.graph_def.node[1], "name", "-x"), {}),
    "BadDevice": (("IMP-DEV-3",), lambda m: setattr(m.graph_def.node[1], "device", "/bogus:0"), {}),
    "StaleUnbound": (
        ("IMP-UNBOUND-1",),
        lambda m: m.collection_def["unbound_inputs"].bytes_list.value.append(b"$unbound_inputs_x"),
        {},
    ),
    "StaleUnboundIgnored": (
        ("IMP-UNBOUND-1", "IMP-ARGS-4"),
        lambda m: m.collection_def["unbound_inputs"].bytes_list.value.append(b"$unbound_inputs_x"),
        {"unbound_inputs_col_name": None},
    ),
    "WrongType": (
        ("IMP-NODE-8",),
        lambda m: _node(m, "Identity").attr["T"].CopyFrom(AttrValue(type=DT_INT32)),
        {},
    ),
    "BackEdge": (("IMP-ORDER-3",), _append_input(1, "top"), {}),
    "BadOutputIndex": (("IMP-NODE-7",), lambda m: _set_first_input(m, "top:5"), {}),
    "AttrKind": (("IMP-NODE-5",), _set_attr("top", AttrValue(i=1)), {}),
    "AttrEmpty": (("IMP-NODE-5",), _set_attr("top", AttrValue()), {}),
    "AttrList": (("IMP-NODE-5",), _set_attr("top", AttrValue(list=AttrValue.ListValue())), {}),
    "AttrInvalidType": (("IMP-NODE-5",), _set_attr("top", AttrValue(type=DT_INVALID)), {}),
    "AttrNotAllowed": (("IMP-NODE-5",), _set_attr("s/b", AttrValue(type=DT_STRING)), {}),
    "KindUnknown": (
        ("IMP-COLL-2",),
        lambda m: m.collection_def["empty_kind"].SetInParent(),
        {},
    ),
    "TypedUndecodable": (
        ("IMP-COLL-4", "IMP-ERR-1"),
        lambda m: m.collection_def["savers"].bytes_list.value.append(b"\xff\xff"),
        {},
    ),
    "SaverDefEmpty": (
        ("IMP-SAVER-1",),
        lambda m: m.saver_def.SetInParent(),
        {},
    ),
    "SaverDefOnly": (
        ("IMP-SAVER-1", "IMP-SAVER-2"),
        lambda m: setattr(m.saver_def, "filename_tensor_name", "save/Const:0"),
        {"import_scope": "x"},
    ),
    "EmptyGraphDef": (("IMP-ARGS-2", "IMP-LIB-3"), lambda m: m.ClearField("graph_def"), {}),
    "EmptyMetaGraph": (("IMP-ARGS-2", "IMP-READ-1"), lambda m: m.Clear(), {}),
}


def _cycle(meta: Any) -> None:
    meta.graph_def.node[1].input.append(meta.graph_def.node[2].name)
    meta.graph_def.node[1].op = "AddV2"


def _set_first_input(meta: Any, value: str) -> None:
    node = _node(meta, "Identity")
    node.input[0] = value


def _unknown_attr(meta: Any) -> None:
    meta.graph_def.node[1].attr["not_an_attr"].i = 1


_BROKEN["UnknownAttr"] = (("IMP-NODE-5",), _unknown_attr, {})


def _deprecated_op(meta: Any) -> None:
    """A node of an op deprecated at GraphDef version 2 (AdjustContrast), in a
    graph of producer 2474."""
    node = meta.graph_def.node.add(name="old", op="AdjustContrast")
    node.input.extend(["top", "top", "top", "top"])
    node.attr["T"].type = 1  # DT_FLOAT


_BROKEN["DeprecatedOp"] = (("IMP-VER-2",), _deprecated_op, {})

for _label, (_covers, _change, _options) in _BROKEN.items():
    case(
        f"Required.Import.Broken.{_label}",
        ("IMP-ALGO-1", "IMP-ALGO-2", "IMP-ERR-1", "IMP-ERR-2", *_covers),
        f"The basic graph's meta graph, edited ({_label}), imported into a fresh graph.",
        graph="basic",
        edit=_change,
        options=_options,
    )

# Files.

for _graph in ("basic", "variables", "control_flow_v1", "functions", "queue_runner", "savers"):
    for _source in ("binary", "text"):
        case(
            f"Required.Import.File.{_graph.title().replace('_', '')}.{_source.title()}",
            ("IMP-READ-2", "IMP-READ-3", "IMP-ARGS-2"),
            f"The {_graph} graph's meta graph in a {_source} file, imported into itself.",
            graph=_graph,
            target=_graph,
            source=_source,
            options={"import_scope": "from_file"},
        )
case(
    "Required.Import.File.Missing",
    ("IMP-READ-2",),
    "A file that does not exist.",
    source="missing",
)
case(
    "Required.Import.File.Garbage",
    ("IMP-READ-3", "IMP-ERR-1"),
    "A file that is neither a binary nor a text MetaGraphDef.",
    source="binary",
    file_content=b"\xff\x00not a meta graph {",
)
case(
    "Required.Import.File.Empty",
    ("IMP-READ-3",),
    "An empty file: an empty binary MetaGraphDef.",
    source="binary",
    file_content=b"",
)
case(
    "Required.Import.File.TextUnknownField",
    ("IMP-READ-3", "IMP-ERR-1"),
    "A text file with a field MetaGraphDef lacks.",
    source="text",
    file_content=b"no_such_field: 1\n",
)

# Arguments that are not ImportArguments.

case(
    "Required.Import.Malformed.Truncated",
    ("IMP-ERR-1", "IMP-ARGS-7"),
    "Bytes that end inside a field: not a valid ImportArguments.",
    raw_arguments=b"\x0a\x05ab",
)
case(
    "Required.Import.Malformed.WrongWireType",
    ("IMP-ERR-1", "IMP-ARGS-7"),
    "The meta graph field with a varint wire type.",
    raw_arguments=b"\x12\xff",
)
