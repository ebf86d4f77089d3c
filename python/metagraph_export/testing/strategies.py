"""Hypothesis strategies for graph snapshots, export options and TensorFlow graphs.

Install the test extra first: ``pip install 'metagraph-export[test]'``::

    from hypothesis import given
    from metagraph_export.testing import strategies

    @given(strategies.snapshots_and_options())
    def test_export(case):
        snapshot, options = case
        metagraph_export.export_meta_graph(graph=snapshot, **options)

Everything is built from small alphabets so that a failing example shrinks to
something a person can read: names such as ``s/x``, ``s_1/y``, ``a.b/z``;
ops such as ``Identity``; one collection; one function ``f``. The alphabets
are chosen for what they provoke:

* name scopes that collide by prefix (``s``, ``s_1``, ``sa``): TensorFlow tests
  scope membership with a plain string prefix, but strips with ``scope/``;
* name scopes with regular-expression characters (``a.b`` next to ``aXb``):
  TensorFlow strips with the unescaped scope as a pattern;
* real ops of TensorFlow 2.21's registry, with attributes of every
  ``AttrValue`` kind, some equal to the op's registered default (some of
  those encoded differently from the default, yet equal);
* variables, savers, queue runners and v1 control flow contexts whose
  collection items name the nodes that the graph really has.

Snapshots are *valid*: inputs, control inputs, colocation and functions
reference what exists, and ``_class`` entries all have an ``@``. Invalid
input is the business of the fuzz tests.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import strategies as st

from .._registry import default_registry
from ..snapshot.v1.snapshot_pb2 import (
    CollectionItem,
    GraphSnapshot,
    NoProto,
    StackTrace,
    Unserializable,
)
from ..tf import error_codes_pb2
from ..tf.attr_value_pb2 import AttrValue, NameAttrList
from ..tf.control_flow_pb2 import CondContextDef, WhileContextDef
from ..tf.function_pb2 import FunctionDef, FunctionDefLibrary
from ..tf.meta_graph_pb2 import MetaGraphDef
from ..tf.node_def_pb2 import NodeDef
from ..tf.op_def_pb2 import OpDef
from ..tf.queue_runner_pb2 import QueueRunnerDef
from ..tf.saver_pb2 import SaverDef
from ..tf.tensor_pb2 import TensorProto
from ..tf.tensor_shape_pb2 import TensorShapeProto
from ..tf.types_pb2 import DataType
from ..tf.variable_pb2 import VariableDef
from ._descriptions import KINDS, GraphDescription, OpDescription

__all__ = [
    "CONTROL_FLOW_KINDS",
    "DEVICES",
    "LEAVES",
    "SCOPE_SEGMENTS",
    "SNAPSHOT_OPS",
    "attr_values",
    "export_options",
    "function_libraries",
    "graph_snapshots",
    "node_names",
    "scopes_of",
    "snapshots_and_options",
    "tensor_shapes",
    "tf_export_options",
    "tf_graph_descriptions",
]

SCOPE_SEGMENTS: tuple[str, ...] = ("s", "s_1", "sa", "a.b", "aXb", "t")
"""Name-scope segments: prefix-colliding (s, s_1, sa) and regex-like (a.b, aXb)."""

LEAVES: tuple[str, ...] = ("x", "y", "z", "s", "v")
"""Last segments of node names; ``s`` makes a node named like a scope."""

DEVICES: tuple[str, ...] = ("", "/device:CPU:0", "/job:worker/task:0/device:GPU:0")

SNAPSHOT_OPS: tuple[str, ...] = (
    "Identity",
    "NoOp",
    "Const",
    "Placeholder",
    "AddV2",
    "LeakyRelu",
    "Conv2D",
    "ImageSummary",
    "DefaultAttrs",
    "Enter",
    "RefEnter",
    "PartitionedCall",
    "StatefulPartitionedCall",
    "Case",
    "Bucketize",
    "Print",
    "NotARegisteredOp",
)
"""Ops of plain nodes. ``DefaultAttrs`` (a test op TensorFlow registers) has a
default for every attribute kind; ``NotARegisteredOp`` is in no registry."""

CONTROL_FLOW_KINDS = ("cond", "while")

_T = TypeVar("_T")

_DT = DataType
_DT_FLOAT = _DT.DT_FLOAT
_DATA_TYPES = (_DT.DT_FLOAT, _DT.DT_INT32, _DT.DT_STRING, _DT.DT_INT64, _DT.DT_UINT8, _DT.DT_BOOL)
_SHAPE_SIZES = (2, -1, 1, 0)
_FUNCTION_NAMES = ("f", "g", "h")
_CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")
_TYPED_COLLECTIONS = ("variables", "trainable_variables", "local_variables")
_SAVE_PREFIXES = ("save", "s/save", "save_1")


@functools.cache
def _below(count: int) -> st.SearchStrategy[int]:
    """Integers in [0, count), one strategy object per count: building and
    validating a new strategy for every draw costs more than the draw."""
    return st.integers(0, count - 1)


def _sometimes(draw: st.DrawFn, one_in: int) -> bool:
    """True once in ``one_in`` draws; shrinks to False."""
    return draw(_below(one_in)) == one_in - 1


def _pick(draw: st.DrawFn, choices: Sequence[_T]) -> _T:
    """One of ``choices``, shrinking towards the first; cheaper than a new
    ``sampled_from`` strategy for every draw."""
    return choices[draw(_below(len(choices)))]


def _picks(
    draw: st.DrawFn,
    choices: Sequence[_T],
    *,
    min_size: int = 0,
    max_size: int,
    unique: bool = False,
) -> list[_T]:
    """Up to ``max_size`` of ``choices`` (distinct ones when ``unique``)."""
    if not choices:
        return []
    if unique:
        max_size = min(max_size, len(choices))
    indices = draw(
        st.lists(
            st.integers(0, len(choices) - 1), min_size=min_size, max_size=max_size, unique=unique
        )
    )
    return [choices[index] for index in indices]


# Names -----------------------------------------------------------------------


def node_names(max_depth: int = 2) -> st.SearchStrategy[str]:
    """Node names: up to ``max_depth`` scope segments, then a leaf (``s/x``)."""
    return st.builds(
        lambda scopes, leaf: "/".join([*scopes, leaf]),
        st.lists(st.sampled_from(SCOPE_SEGMENTS), max_size=max_depth),
        st.sampled_from(LEAVES),
    )


def _scope_prefixes() -> st.SearchStrategy[str]:
    """A name-scope path with its trailing slash, or "" for the root."""
    return st.lists(st.sampled_from(SCOPE_SEGMENTS), max_size=2).map(
        lambda parts: "".join(part + "/" for part in parts)
    )


def scopes_of(names: Sequence[str]) -> list[str]:
    """The scopes a set of node names suggests, for ``export_scope``: every
    name-scope path with and without its trailing "/", every string prefix of
    those (``a.`` of ``a.b``, ``s`` of ``s_1``), and whole node names."""
    scopes: dict[str, None] = {}
    for name in names:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            path = "/".join(parts[:depth])
            scopes.setdefault(path, None)
            scopes.setdefault(path + "/", None)
    for scope in list(scopes):
        for end in range(1, len(scope)):
            scopes.setdefault(scope[:end], None)
    for name in names:
        scopes.setdefault(name, None)
    return sorted(scopes, key=lambda scope: (len(scope), scope))


# Attribute values ------------------------------------------------------------


def tensor_shapes() -> st.SearchStrategy[TensorShapeProto]:
    """Small shapes: unknown rank, scalars, and up to two dimensions of size 2, -1, 1 or 0."""
    return st.one_of(
        st.lists(st.sampled_from(_SHAPE_SIZES), max_size=2).map(
            lambda sizes: TensorShapeProto(dim=[TensorShapeProto.Dim(size=s) for s in sizes])
        ),
        st.just(TensorShapeProto(unknown_rank=True)),
    )


def _tensors() -> st.SearchStrategy[TensorProto]:
    """Small tensors of int32, uint8 or float, in their usual encodings."""
    return st.builds(
        _tensor,
        st.sampled_from((_DT.DT_INT32, _DT.DT_UINT8, _DT_FLOAT)),
        st.lists(st.integers(0, 3), max_size=3),
        st.booleans(),
    )


def _tensor(dtype: DataType.ValueType, values: list[int], scalar: bool) -> TensorProto:
    tensor = TensorProto(dtype=dtype)
    if not scalar:
        tensor.tensor_shape.dim.add(size=len(values))
    elif values:
        values = values[:1]
    if dtype == _DT_FLOAT:
        tensor.float_val.extend(float(value) for value in values)
    else:
        tensor.int_val.extend(values)
    return tensor


def _equal_encodings(tensor: TensorProto) -> list[TensorProto]:
    """Other encodings of the values of ``tensor`` that TensorFlow compares equal:
    the same values as ``tensor_content``, and a trailing run of equal values
    written once (TensorFlow repeats the last value to fill the shape)."""
    encodings: list[TensorProto] = []
    sizes = [dim.size for dim in tensor.tensor_shape.dim]
    count = math.prod(sizes)
    if tensor.dtype in (_DT.DT_INT32, _DT.DT_UINT8) and len(tensor.int_val) == count:
        content = TensorProto(dtype=tensor.dtype, tensor_shape=tensor.tensor_shape)
        width, signed = (4, True) if tensor.dtype == _DT.DT_INT32 else (1, False)
        content.tensor_content = b"".join(
            value.to_bytes(width, "little", signed=signed) for value in tensor.int_val
        )
        encodings.append(content)
        values = list(tensor.int_val)
        while len(values) > 1 and values[-1] == values[-2]:
            values.pop()
        if len(values) < count:
            short = TensorProto(dtype=tensor.dtype, tensor_shape=tensor.tensor_shape)
            short.int_val.extend(values)
            encodings.append(short)
    return encodings


def _default_or_other(
    attr_def: OpDef.AttrDef, other: st.SearchStrategy[AttrValue]
) -> st.SearchStrategy[AttrValue]:
    """The registered default (as is, or differently encoded but equal), or another value."""
    if not attr_def.HasField("default_value"):
        return other
    default = attr_def.default_value
    choices = [st.just(default)]
    if default.HasField("tensor"):
        choices.extend(st.just(AttrValue(tensor=t)) for t in _equal_encodings(default.tensor))
    return st.one_of(*choices, other)


def attr_values(
    attr_type: str = "",
    functions: Sequence[str] = (),
    allowed: Sequence[Any] = (),
    minimum: int | None = None,
) -> st.SearchStrategy[AttrValue]:
    """``AttrValue``\\ s of an OpDef attribute type (``"int"``, ``"list(type)"``,
    ``"func"``...); any kind when ``attr_type`` is empty. ``functions`` names
    the functions ``func`` values may call; ``allowed`` restricts ``type`` and
    ``string`` values, ``minimum`` ``int`` values and list lengths."""
    if not attr_type:
        kinds = [
            "string", "int", "float", "bool", "type", "shape", "tensor",
            "list(string)", "list(int)", "list(float)", "list(bool)", "list(type)",
            "list(shape)", "list(tensor)",
        ]  # fmt: skip
        if functions:
            kinds += ["func", "list(func)"]
        strategies = [attr_values(kind, functions) for kind in kinds]
        strategies.append(st.sampled_from(("T", "dtype")).map(lambda p: AttrValue(placeholder=p)))
        return st.one_of(strategies)
    if attr_type.startswith("list("):
        element = attr_type[5:-1]
        size = max(minimum or 0, 0)
        return st.lists(_scalars(element, functions, allowed, None), min_size=size, max_size=3).map(
            lambda values: _list_value(element, values)
        )
    return _scalars(attr_type, functions, allowed, minimum).map(
        lambda value: _list_value(attr_type, [value], scalar=True)
    )


def _scalars(
    attr_type: str, functions: Sequence[str], allowed: Sequence[Any], minimum: int | None
) -> st.SearchStrategy[Any]:
    if attr_type == "string":
        choices: Sequence[Any] = allowed or (b"", b"abc", b"SAME", b"s/x")
        return st.sampled_from(choices)
    if attr_type == "int":
        low = minimum if minimum is not None else -1
        return st.integers(low, low + 5)
    if attr_type == "float":
        return st.sampled_from((0.0, 0.5, 0.2, -1.0, 10.0))
    if attr_type == "bool":
        return st.booleans()
    if attr_type == "type":
        return st.sampled_from(allowed or _DATA_TYPES)
    if attr_type == "shape":
        return tensor_shapes()
    if attr_type == "tensor":
        return _tensors()
    if attr_type == "func":
        return st.builds(
            lambda name, with_attr: NameAttrList(
                name=name, attr={"T": AttrValue(type=_DT_FLOAT)} if with_attr else {}
            ),
            st.sampled_from(functions or ("f",)),
            st.booleans(),
        )
    raise ValueError(f"unknown attribute type {attr_type!r}")


def _list_value(element: str, values: list[Any], scalar: bool = False) -> AttrValue:
    field_name = {
        "string": "s", "int": "i", "float": "f", "bool": "b", "type": "type",
        "shape": "shape", "tensor": "tensor", "func": "func",
    }[element]  # fmt: skip
    if scalar:
        value = AttrValue()
        if element in ("shape", "tensor", "func"):
            getattr(value, field_name).CopyFrom(values[0])
        else:
            setattr(value, field_name, values[0])
        return value
    value = AttrValue(list=AttrValue.ListValue())
    target = getattr(value.list, field_name)
    if element in ("shape", "tensor", "func"):
        for item in values:
            target.add().CopyFrom(item)
    else:
        target.extend(values)
    return value


def _named(name: str) -> Any:
    def pair(value: AttrValue) -> tuple[str, AttrValue | None]:
        return name, value

    return pair


@functools.lru_cache(maxsize=256)
def _attrs_for_op(
    op: str, functions: tuple[str, ...], in_function: bool
) -> st.SearchStrategy[dict[str, AttrValue]]:
    """Attributes of a node of a registered op: each of the OpDef's attributes is
    left out, set to its default or set to another value of its type."""
    op_def = default_registry().get(op)
    if op_def is None:
        return st.dictionaries(
            st.sampled_from(("T", "value", "_extra")), attr_values("", functions), max_size=2
        )
    entries: list[st.SearchStrategy[tuple[str, AttrValue | None]]] = []
    for attr_def in op_def.attr:
        if attr_def.name == "frame_name" or (attr_def.type == "func" and not functions):
            continue
        allowed: Sequence[Any] = ()
        if attr_def.type.endswith("type)") or attr_def.type == "type":
            allowed = list(attr_def.allowed_values.list.type)
        elif attr_def.type.endswith("string"):
            allowed = list(attr_def.allowed_values.list.s)
        if attr_def.type.endswith("func)") and not functions:
            continue
        value = attr_values(
            attr_def.type,
            functions,
            allowed,
            attr_def.minimum if attr_def.has_minimum else None,
        )
        value = _default_or_other(attr_def, value)
        if in_function and attr_def.type == "type":
            value = st.one_of(value, st.just(AttrValue(placeholder="T")))
        entries.append(st.one_of(st.just((attr_def.name, None)), value.map(_named(attr_def.name))))
    return st.tuples(*entries).map(lambda pairs: {n: v for n, v in pairs if v is not None})


# Function libraries ----------------------------------------------------------

_BODY_OPS = ("Identity", "Relu", "NoOp", "AddV2", "PartitionedCall", "StatefulPartitionedCall")


@dataclass(frozen=True)
class _BodyNode:
    """A node of a function body, as drawn: references are indices that the
    builder reduces modulo what exists, so that any of them can be deleted
    while shrinking without invalidating the others."""

    op: int
    inputs: tuple[int, int]
    callee: int
    device: str
    placeholder: bool


_body_nodes = st.builds(
    _BodyNode,
    st.integers(0, 7),
    st.tuples(st.integers(0, 3), st.integers(0, 3)),
    st.integers(0, 2),
    st.sampled_from(DEVICES[:2]),
    st.booleans(),
)


def _function(
    name: str, callees: Sequence[str], body: Sequence[_BodyNode], ret: int
) -> FunctionDef:
    function = FunctionDef()
    function.signature.name = name
    function.signature.input_arg.add(name="x", type=_DT_FLOAT)
    function.signature.output_arg.add(name="y", type=_DT_FLOAT)
    outputs = ["x"]
    ops = [*(_BODY_OPS if callees else _BODY_OPS[:4]), *callees]
    for index, spec in enumerate(body):
        op = ops[spec.op % len(ops)]
        node = function.node_def.add(name=f"n{index}", op=op, device=spec.device)
        if op != "NoOp":
            node.input.append(outputs[spec.inputs[0] % len(outputs)])
            if op == "AddV2":
                node.input.append(outputs[spec.inputs[1] % len(outputs)])
        if op in _CALL_OPS:
            node.attr["f"].func.name = callees[spec.callee % len(callees)]
        elif op in ("Identity", "Relu", "AddV2"):
            node.attr["T"].CopyFrom(
                AttrValue(placeholder="T") if spec.placeholder else AttrValue(type=_DT_FLOAT)
            )
        if op != "NoOp":
            output = "y" if op in _CALL_OPS or op in callees else "output"
            outputs.append(f"n{index}:{output}:0")
    if any(value.placeholder for node in function.node_def for value in node.attr.values()):
        function.signature.attr.add(name="T", type="type")
    function.ret["y"] = outputs[ret % len(outputs)]
    return function


@st.composite
def function_libraries(draw: st.DrawFn, max_functions: int = 3) -> FunctionDefLibrary:
    """Function libraries of up to ``max_functions`` functions (``f``, ``g``, ``h``),
    each of whose bodies may call the later ones, by op name or through the
    ``f`` of a PartitionedCall (so calls nest but never cycle), and sometimes
    a gradient function."""
    bodies = draw(
        st.lists(
            st.tuples(st.lists(_body_nodes, max_size=3), st.integers(0, 3)),
            max_size=min(max_functions, len(_FUNCTION_NAMES)),
        )
    )
    names = _FUNCTION_NAMES[: len(bodies)]
    library = FunctionDefLibrary()
    for index, (body, ret) in enumerate(bodies):
        library.function.append(_function(names[index], names[index + 1 :], body, ret))
    # Every choice is drawn whatever the earlier ones were, so that deleting a
    # function while shrinking does not shift the choices after it.
    gradient = _sometimes(draw, 2)
    if gradient and len(names) >= 2:
        library.gradient.add(function_name=names[0], gradient_func=names[-1])
    return library


_LIBRARIES = function_libraries()

# Snapshots -------------------------------------------------------------------


@dataclass
class _Builder:
    """A graph under construction: nodes by name, collections by key."""

    snapshot: GraphSnapshot = field(default_factory=GraphSnapshot)
    nodes: dict[str, NodeDef] = field(default_factory=dict)
    collections: dict[str, list[CollectionItem]] = field(default_factory=dict)

    def add(self, name: str, op: str, inputs: Sequence[str] = ()) -> NodeDef | None:
        if name in self.nodes:
            return None
        node = NodeDef(name=name, op=op, input=list(inputs))
        self.nodes[name] = node
        return node

    def collect(self, key: str, item: CollectionItem) -> None:
        self.collections.setdefault(key, []).append(item)


def _colocate(node: NodeDef, target: str) -> None:
    node.attr["_class"].list.s.append(f"loc:@{target}".encode())


def _add_variable(builder: _Builder, prefix: str, sliced: bool) -> VariableDef | None:
    variable = builder.add(prefix, "VariableV2")
    if variable is None:
        return None
    variable.attr["dtype"].type = _DT_FLOAT
    variable.attr["shape"].shape.dim.add(size=2)
    builder.add(f"{prefix}/initial_value", "Const")
    assign = builder.add(f"{prefix}/Assign", "Assign", [prefix, f"{prefix}/initial_value"])
    read = builder.add(f"{prefix}/read", "Identity", [prefix])
    for node in (assign, read):
        if node is not None:
            _colocate(node, prefix)
    proto = VariableDef(
        variable_name=f"{prefix}:0",
        initial_value_name=f"{prefix}/initial_value:0",
        initializer_name=f"{prefix}/Assign",
        snapshot_name=f"{prefix}/read:0",
        trainable=True,
    )
    if sliced:
        full_name = prefix.rsplit("/", 1)[0] if "/" in prefix else prefix
        proto.save_slice_info_def.full_name = full_name
        proto.save_slice_info_def.full_shape.extend([4, 2])
        proto.save_slice_info_def.var_offset.extend([0, 0])
        proto.save_slice_info_def.var_shape.extend([2, 2])
    return proto


def _add_saver(builder: _Builder, prefix: str, variables: Sequence[str]) -> SaverDef | None:
    if builder.add(f"{prefix}/Const", "PlaceholderWithDefault") is None:
        return None
    save = builder.add(f"{prefix}/SaveV2", "SaveV2", [f"{prefix}/Const", *variables])
    if save is not None:
        save.attr["dtypes"].list.type.extend([_DT_FLOAT] * len(variables))
    builder.add(
        f"{prefix}/control_dependency", "Identity", [f"{prefix}/Const", f"^{prefix}/SaveV2"]
    )
    builder.add(f"{prefix}/RestoreV2", "RestoreV2", [f"{prefix}/Const"])
    builder.add(f"{prefix}/restore_all", "NoOp", [f"^{prefix}/RestoreV2"])
    return SaverDef(
        filename_tensor_name=f"{prefix}/Const:0",
        save_tensor_name=f"{prefix}/control_dependency:0",
        restore_op_name=f"{prefix}/restore_all",
        max_to_keep=5,
        version=SaverDef.V2,
    )


def _add_queue(builder: _Builder, prefix: str) -> QueueRunnerDef | None:
    queue = builder.add(prefix, "FIFOQueueV2")
    if queue is None:
        return None
    queue.attr["component_types"].list.type.append(_DT_FLOAT)
    builder.add(f"{prefix}_enqueue", "QueueEnqueueV2", [prefix])
    builder.add(f"{prefix}_Close", "QueueCloseV2", [prefix])
    builder.add(f"{prefix}_Close_1", "QueueCloseV2", [prefix])
    return QueueRunnerDef(
        queue_name=prefix,
        enqueue_op_name=[f"{prefix}_enqueue"],
        close_op_name=f"{prefix}_Close",
        cancel_op_name=f"{prefix}_Close_1",
        queue_closed_exception_types=[error_codes_pb2.OUT_OF_RANGE],
    )


def _add_cond(builder: _Builder, prefix: str, outside: str | None) -> CondContextDef | None:
    if builder.add(f"{prefix}/pred_id", "Identity") is None:
        return None
    builder.add(f"{prefix}/switch_t", "Identity", [f"{prefix}/pred_id"])
    context = CondContextDef(
        context_name=f"{prefix}/cond_text",
        pred_name=f"{prefix}/pred_id:0",
        pivot_name=f"{prefix}/switch_t:0",
        branch=1,
    )
    context.values_def.values.extend([f"{prefix}/pred_id:0", f"{prefix}/switch_t:0"])
    if outside is not None:
        context.values_def.values.append(f"{outside}:0")
        context.values_def.external_values[f"{outside}:0"] = f"{prefix}/Switch:1"
    nested = context.nested_contexts.add().cond_ctxt
    nested.context_name = f"{prefix}/inner/cond_text"
    nested.pred_name = f"{prefix}/pred_id:0"
    return context


def _add_while(builder: _Builder, prefix: str, outside: str | None) -> WhileContextDef | None:
    frame = f"{prefix}/while_context"
    enter = builder.add(f"{prefix}/Enter", "Enter", [outside] if outside else [])
    if enter is None:
        return None
    enter.attr["frame_name"].s = frame.encode()
    enter.attr["T"].type = _DT_FLOAT
    builder.add(f"{prefix}/LoopCond", "LoopCond", [f"{prefix}/Enter"])
    builder.add(f"{prefix}/Exit", "Exit", [f"{prefix}/Enter"])
    context = WhileContextDef(
        context_name=frame,
        parallel_iterations=10,
        back_prop=True,
        pivot_for_pred_name=f"{prefix}/Enter:0",
        pivot_for_body_name=f"{prefix}/LoopCond:0",
        pivot_name=f"{prefix}/LoopCond:0",
        loop_exit_names=[f"{prefix}/Exit:0"],
        loop_enter_names=[f"{prefix}/Enter:0"],
    )
    context.values_def.values.append(f"{prefix}/Enter:0")
    if outside is not None:
        context.values_def.external_values[f"{outside}:0"] = f"{prefix}/Enter:0"
    return context


# Untyped collection keys, and the kind of their first item (None: any kind).
_PLAIN_KEYS: dict[str, str | None] = {
    "tensors": "name",
    "strings": "string_value",
    "floats": "float_value",
    "ints": "int64_value",
    "values": None,
}
_ITEM_KINDS = (
    "name",
    "string_value",
    "bytes_value",
    "int64_value",
    "float_value",
    "bool_value",
    "big_integer",
    "any_value",
    "unserializable",
)
_PORTS = ("", ":0", ":1")


def _item(kind: str, choice: int, names: Sequence[str]) -> CollectionItem:
    """An item of ``kind``; ``choice`` picks its value."""

    def pick(values: Sequence[Any]) -> Any:
        return values[choice % len(values)]

    named = list(names) or ["x"]
    if kind == "name":
        return CollectionItem(name=pick(named) + _PORTS[choice // len(named) % 3])
    if kind == "string_value":
        return CollectionItem(string_value=pick([*named, "hello", "$unbound_inputs_x"]))
    if kind == "bytes_value":
        return CollectionItem(bytes_value=pick((b"s/x", b"\xff\x00", b"")))
    if kind == "int64_value":
        return CollectionItem(int64_value=pick((1, 0, -1, -(1 << 63), (1 << 63) - 1)))
    if kind == "float_value":
        return CollectionItem(float_value=pick((0.5, math.nan, math.inf, -math.inf, 1e300, -0.0)))
    if kind == "bool_value":
        return CollectionItem(bool_value=bool(choice % 2))
    if kind == "big_integer":
        return CollectionItem(big_integer=pick((str(1 << 70), str(-(1 << 63) - 1), "9" * 400)))
    if kind == "any_value":
        item = CollectionItem()
        item.any_value.Pack(SaverDef(max_to_keep=choice % 4, version=SaverDef.V2))
        return item
    return CollectionItem(unserializable=Unserializable(description="object"))


# A collection as drawn: its key, then (kind or None for the first item's
# kind, value choice) per item.
_plain_collections = st.lists(
    st.tuples(
        st.sampled_from(list(_PLAIN_KEYS)),
        st.lists(
            st.tuples(st.one_of(st.none(), st.sampled_from(_ITEM_KINDS)), st.integers(0, 30)),
            min_size=1,
            max_size=3,
        ),
    ),
    max_size=3,
    unique_by=lambda pair: pair[0],
)


@dataclass(frozen=True)
class _NodeSpec:
    """A plain node as drawn. Inputs, control inputs and colocation targets
    index the nodes before it (modulo their number), so that deleting one node
    while shrinking leaves the others valid."""

    name: str
    op: str
    attrs: tuple[tuple[str, AttrValue], ...]
    inputs: tuple[tuple[int, str], ...]
    controls: tuple[int, ...]
    creation_order: bool
    device: str
    colocate: tuple[int, ...]
    frame_scope: str | None
    shapes: tuple[TensorShapeProto, ...]
    trace: tuple[tuple[str, int, str], ...]


_frames = st.tuples(
    st.sampled_from(("model.py", "layers.py")),
    st.integers(1, 3),
    st.sampled_from(("<module>", "build")),
)
_indices = st.lists(st.integers(0, 30), max_size=2, unique=True).map(tuple)
_NODE_NAMES = node_names()
_BOOLEANS = st.booleans()
_INPUTS = st.lists(st.tuples(st.integers(0, 30), st.sampled_from(_PORTS)), max_size=2).map(tuple)
_DEVICES = st.sampled_from(DEVICES)
_FRAME_SCOPES = st.one_of(st.none(), _scope_prefixes())
_SHAPES = st.lists(tensor_shapes(), max_size=1).map(tuple)
_TRACES = st.lists(_frames, max_size=2).map(tuple)


@functools.lru_cache(maxsize=64)
def _node_specs(
    function_names: tuple[str, ...], max_nodes: int
) -> st.SearchStrategy[list[_NodeSpec]]:
    return st.lists(_node_spec(function_names), max_size=max_nodes, unique_by=lambda s: s.name)


@st.composite
def _node_spec(draw: st.DrawFn, function_names: tuple[str, ...]) -> _NodeSpec:
    name = draw(_NODE_NAMES)
    op = _pick(draw, [*SNAPSHOT_OPS, *function_names])
    if op in (*_CALL_OPS, "Case") and not function_names:
        op = "Identity"
    attrs = draw(_attrs_for_op(op, function_names, False)) if draw(_BOOLEANS) else {}
    if op in _CALL_OPS:
        attrs["f"] = AttrValue(func=NameAttrList(name=_pick(draw, function_names)))
    return _NodeSpec(
        name=name,
        op=op,
        attrs=tuple(attrs.items()),
        inputs=draw(_INPUTS),
        controls=draw(_indices),
        creation_order=draw(_BOOLEANS),
        device=draw(_DEVICES),
        colocate=draw(_indices) if _sometimes(draw, 4) else (),
        frame_scope=draw(_FRAME_SCOPES),
        shapes=draw(_SHAPES),
        trace=draw(_TRACES),
    )


def _add_plain_node(builder: _Builder, spec: _NodeSpec, quirks: bool) -> None:
    earlier = list(builder.nodes)
    node = builder.add(spec.name, spec.op)
    if node is None:
        return
    snapshot = builder.snapshot
    if earlier:
        node.input.extend(earlier[i % len(earlier)] + port for i, port in spec.inputs)
        controls = list(dict.fromkeys(earlier[i % len(earlier)] for i in spec.controls))
        node.input.extend(sorted(f"^{control}" for control in controls))
        if quirks and spec.creation_order and controls != sorted(controls):
            # The operation keeps control inputs in creation order.
            inputs = [name for name in node.input if not name.startswith("^")]
            snapshot.operation_inputs[node.name].input.extend(
                inputs + [f"^{control}" for control in controls]
            )
        for target in dict.fromkeys(earlier[i % len(earlier)] for i in spec.colocate):
            _colocate(node, target)
    node.device = spec.device
    for key, value in spec.attrs:
        node.attr[key].CopyFrom(value)
    if spec.op in ("Enter", "RefEnter"):
        own = spec.name.rsplit("/", 1)[0] + "/" if "/" in spec.name else ""
        scope = own if spec.frame_scope is None else spec.frame_scope
        node.attr["frame_name"].s = f"{scope}while/while_context".encode()
    if spec.op != "NoOp" and spec.shapes:
        snapshot.output_shapes[node.name].shape.extend(spec.shapes)
    if spec.trace:
        trace: StackTrace = snapshot.stack_traces[node.name]
        for file, line, function in spec.trace:
            trace.frames.add(file=file, line=line, function=function)


_VARIABLE_SPECS = st.lists(
    st.tuples(
        _scope_prefixes(),
        st.sampled_from(("v", "w")),
        st.integers(0, 4),
        st.lists(st.sampled_from(_TYPED_COLLECTIONS), max_size=2, unique=True),
    ),
    max_size=2,
)
_SAVER_SPECS = st.lists(st.tuples(st.sampled_from(_SAVE_PREFIXES), st.booleans()), max_size=2)
_QUEUE_SPECS = st.lists(_scope_prefixes(), max_size=1)
_CONTEXT_SPECS = st.lists(st.tuples(_scope_prefixes(), st.integers(0, 30)), max_size=1)
_PRODUCERS = st.sampled_from((2474, 0))


@st.composite
def graph_snapshots(
    draw: st.DrawFn,
    *,
    max_nodes: int = 6,
    functions: bool = True,
    collections: bool = True,
    clusters: bool = True,
    tensorflow_quirks: bool = True,
) -> GraphSnapshot:
    """Valid graph snapshots, as ``tf.Graph`` would be captured.

    Up to ``max_nodes`` plain nodes of :data:`SNAPSHOT_OPS` (or calls to
    library functions by op name) with data inputs (``x``, ``x:1``) from
    earlier nodes, control inputs (``^x``, sorted as ``as_graph_def`` sorts
    them), a device, colocation (``_class``), ``frame_name`` on Enter ops and
    attributes of every kind; output shapes and stack traces. With
    ``functions``, a :func:`function_libraries` library. With ``clusters``,
    nodes that variables, savers, queue runners and v1 control flow contexts
    consist of, and their typed collections. With ``collections``, untyped
    collections of every item kind (tensors, ops, str, bytes, int, bool,
    float with NaN and infinities, integers beyond int64, Any, objects that
    cannot be exported) and sometimes a stale ``unbound_inputs``. With
    ``tensorflow_quirks``, the fields a live graph sometimes needs:
    operation inputs in creation order, the library as registered and as
    annotated with shapes, and non-string collection keys.

    Every part is drawn as a list of self-contained pieces, so that a
    failing example shrinks by deleting nodes, functions and collections.
    """
    builder = _Builder()
    snapshot = builder.snapshot
    library = draw(_LIBRARIES) if functions else FunctionDefLibrary()
    function_names = [function.signature.name for function in library.function]

    if clusters:
        for prefix, base, sliced, keys in draw(_VARIABLE_SPECS):
            proto = _add_variable(builder, prefix + base, sliced=sliced == 4)
            if proto is not None:
                for key in keys:
                    builder.collect(key, CollectionItem(variable=proto))
        variables = [name for name, node in builder.nodes.items() if node.op == "VariableV2"]
        for prefix, collected in draw(_SAVER_SPECS):
            saver = _add_saver(builder, prefix, variables) if variables else None
            if saver is not None and collected:
                builder.collect("savers", CollectionItem(saver=saver))
        if _sometimes(draw, 8):
            # A Saver built with defer_build has no SaverDef yet.
            builder.collect("savers", CollectionItem(no_proto=NoProto(description="Saver")))
        for prefix in draw(_QUEUE_SPECS):
            queue = _add_queue(builder, prefix + "q")
            if queue is not None:
                builder.collect("queue_runners", CollectionItem(queue_runner=queue))
        for prefix, outside_index in draw(_CONTEXT_SPECS):
            outside = [None, *builder.nodes][outside_index % (len(builder.nodes) + 1)]
            cond = _add_cond(builder, prefix + "cond", outside)
            if cond is not None:
                builder.collect("cond_context", CollectionItem(cond_context=cond))
        for prefix, outside_index in draw(_CONTEXT_SPECS):
            outside = [None, *builder.nodes][outside_index % (len(builder.nodes) + 1)]
            loop = _add_while(builder, prefix + "while", outside)
            if loop is not None:
                builder.collect("while_context", CollectionItem(while_context=loop))

    specs = draw(_node_specs(tuple(function_names), max_nodes))
    for spec in specs:
        _add_plain_node(builder, spec, tensorflow_quirks)

    snapshot.graph_def.node.extend(builder.nodes.values())
    if library.function:
        snapshot.graph_def.library.CopyFrom(library)
    snapshot.graph_def.versions.producer = draw(_PRODUCERS)

    if collections:
        names = list(builder.nodes)
        for key, items in draw(_plain_collections):
            first = _PLAIN_KEYS[key] or items[0][0] or _ITEM_KINDS[items[0][1] % len(_ITEM_KINDS)]
            builder.collections[key] = [
                _item(kind or first, choice, names) for kind, choice in items
            ]
        if _sometimes(draw, 5):
            outside = _pick(draw, [*names, "x"])
            builder.collections["unbound_inputs"] = [
                CollectionItem(string_value=f"$unbound_inputs_{outside}")
            ]
    order = draw(st.permutations(list(builder.collections)))
    for key in order:
        snapshot.collections.add(key=key).items.extend(builder.collections[key])

    registered, annotated_library = _sometimes(draw, 4), _sometimes(draw, 4)
    if tensorflow_quirks and library.function:
        if len(library.function) >= 2 and registered:
            snapshot.registered_library.function.extend(reversed(library.function))
            snapshot.registered_library.gradient.extend(library.gradient)
        if annotated_library:
            annotated = FunctionDefLibrary()
            annotated.CopyFrom(library)
            for function in annotated.function:
                for body_node in function.node_def:
                    body_node.attr["_output_shapes"].list.shape.add(unknown_rank=True)
            snapshot.library_with_shapes.CopyFrom(annotated)
    if tensorflow_quirks and _sometimes(draw, 6):
        snapshot.non_string_collection_keys.append("7")
    return snapshot


# Export options --------------------------------------------------------------


@st.composite
def export_options(
    draw: st.DrawFn,
    snapshot: GraphSnapshot,
    *,
    files: bool = False,
    graph_def: bool = True,
) -> dict[str, Any]:
    """Keyword arguments of :func:`metagraph_export.export` that fit ``snapshot``.

    ``export_scope`` is None, "", a scope of the snapshot's names or a prefix
    of one (see :func:`scopes_of`), or a scope no node is in;
    ``clear_extraneous_savers`` comes with the SaverDef of one of the
    snapshot's savers, or none; ``collection_list`` is None or a subset of
    the keys, sometimes with a key that does not exist;
    ``unbound_inputs_col_name`` the default, None or another name;
    ``meta_info_def`` sometimes has tags. With ``files``, ``as_text`` and
    ``save_debug_info`` too (the caller supplies ``filename``). With
    ``graph_def``, sometimes ``graph_def=`` the snapshot's GraphDef with
    output shapes, as ``as_graph_def(add_shapes=True)`` gives it.
    No ``filename`` is drawn.
    """
    names = [node.name for node in snapshot.graph_def.node]
    options: dict[str, Any] = {}
    kind = draw(_below(4))  # no scope, a scope of the graph, "", or one of nothing
    if kind:
        scopes = scopes_of(names) or ["s"]
        options["export_scope"] = _pick(draw, scopes) if kind == 1 else ("", "nope")[kind - 2]
    for name in ("clear_devices", "clear_extraneous_savers", "strip_default_attrs"):
        if draw(_BOOLEANS):
            options[name] = True
    savers = _saver_defs(snapshot)
    if options.get("clear_extraneous_savers") and savers and not _sometimes(draw, 5):
        options["saver_def"] = _pick(draw, savers)
    keys = [collection.key for collection in snapshot.collections]
    if _sometimes(draw, 4):
        chosen = _picks(draw, [*keys, "no_such_key"], max_size=len(keys) + 1, unique=True)
        options["collection_list"] = chosen
    unbound = _pick(draw, ("unbound_inputs", None, "custom"))
    if unbound != "unbound_inputs":
        options["unbound_inputs_col_name"] = unbound
    if _sometimes(draw, 5):
        tags = _picks(draw, ("serve", "train"), max_size=2)
        options["meta_info_def"] = MetaGraphDef.MetaInfoDef(meta_graph_version="v1", tags=tags)
    if files:
        for name in ("as_text", "save_debug_info"):
            if draw(_BOOLEANS):
                options[name] = True
    if graph_def and _sometimes(draw, 6):
        options["graph_def"] = _graph_def_with_shapes(snapshot)
    return options


def _saver_defs(snapshot: GraphSnapshot) -> list[SaverDef]:
    savers: list[SaverDef] = []
    for collection in snapshot.collections:
        savers.extend(item.saver for item in collection.items if item.HasField("saver"))
    nodes = {node.name for node in snapshot.graph_def.node}
    for prefix in _SAVE_PREFIXES:
        if f"{prefix}/restore_all" in nodes and f"{prefix}/control_dependency" in nodes:
            savers.append(
                SaverDef(
                    filename_tensor_name=f"{prefix}/Const:0",
                    save_tensor_name=f"{prefix}/control_dependency:0",
                    restore_op_name=f"{prefix}/restore_all",
                    max_to_keep=5,
                    version=SaverDef.V2,
                )
            )
    unique: dict[bytes, SaverDef] = {}
    for saver in savers:
        unique.setdefault(saver.SerializeToString(deterministic=True), saver)
    return list(unique.values())


def _graph_def_with_shapes(snapshot: GraphSnapshot) -> Any:
    graph_def = type(snapshot.graph_def)()
    graph_def.CopyFrom(snapshot.graph_def)
    for node in graph_def.node:
        shapes = snapshot.output_shapes.get(node.name)
        if shapes is not None and shapes.shape:
            node.attr["_output_shapes"].list.shape.extend(shapes.shape)
    if snapshot.HasField("library_with_shapes"):
        graph_def.library.CopyFrom(snapshot.library_with_shapes)
    return graph_def


@st.composite
def snapshots_and_options(
    draw: st.DrawFn,
    /,
    *,
    files: bool = False,
    graph_def: bool = True,
    **snapshot_options: Any,
) -> tuple[GraphSnapshot, dict[str, Any]]:
    """A :func:`graph_snapshots` snapshot and :func:`export_options` for it."""
    snapshot = draw(graph_snapshots(**snapshot_options))
    return snapshot, draw(export_options(snapshot, files=files, graph_def=graph_def))


# TensorFlow graph descriptions -----------------------------------------------

_TF_SCOPES = ("", "s", "s_1", "a.b", "aXb", "s/t")
_TF_NAMES = ("x", "y", "v", "s")
_TF_DEVICES = ("", "/device:CPU:0", "/job:worker/task:0")


@st.composite
def tf_graph_descriptions(
    draw: st.DrawFn, *, max_ops: int = 6, control_flow: bool = True
) -> GraphDescription:
    """Descriptions of TensorFlow graphs (:class:`GraphDescription`), for
    :func:`metagraph_export.testing.build_tf_graph`.

    Up to ``max_ops`` operations in name scopes of the same alphabets as the
    snapshots (``s``, ``s_1``, ``a.b``, ``aXb``, ``s/t``): constants,
    placeholders, identities, adds, leaky ReLUs with and without their default
    alpha, no-ops, reference and resource variables, calls of ``tf.function``\\ s
    (one nested in another) and, with ``control_flow``, v1 ``cond`` and
    ``while_loop``; inputs, control inputs, devices, colocation and tensor and
    op collections; collections of Python ints, floats (NaN, infinities),
    str and bytes; and savers, sometimes in the ``savers`` collection.
    """
    kinds = [kind for kind in KINDS if control_flow or kind not in CONTROL_FLOW_KINDS]
    ops: list[OpDescription] = []
    producers: list[int] = []
    for index in range(draw(st.integers(1, max_ops))):
        usable = [kind for kind in kinds if KINDS[kind][0] <= len(producers)]
        kind = _pick(draw, usable)
        arity = KINDS[kind][0]
        inputs = tuple(_picks(draw, producers, min_size=arity, max_size=arity))
        earlier = list(range(index))
        controls: tuple[int, ...] = ()
        colocate: int | None = None
        if earlier:
            controls = tuple(_picks(draw, earlier, max_size=2, unique=True))
            if _sometimes(draw, 5):
                colocate = _pick(draw, earlier)
        param = None
        if kind == "leaky_relu":
            param = draw(st.sampled_from((None, 0.2, 0.3)))
        ops.append(
            OpDescription(
                kind=kind,
                name=draw(st.sampled_from(_TF_NAMES)),
                scope=draw(st.sampled_from(_TF_SCOPES)),
                inputs=inputs,
                control_inputs=controls,
                device=draw(st.sampled_from(_TF_DEVICES)),
                colocate_with=colocate,
                collections=tuple(draw(st.lists(st.sampled_from(("tensors", "ops")), max_size=1))),
                param=param,
            )
        )
        if KINDS[kind][1]:
            producers.append(index)
    values = draw(
        st.lists(
            st.tuples(
                st.sampled_from(("ints", "floats", "strings", "bytes", "mixed")),
                st.lists(_python_values(), min_size=1, max_size=3).map(tuple),
            ),
            max_size=2,
            unique_by=lambda pair: pair[0],
        )
    )
    has_variables = any(op.kind in ("variable", "resource_variable") for op in ops)
    savers: list[str] = []
    if has_variables:
        savers = draw(
            st.lists(st.sampled_from(("save", "s/save", "keep")), max_size=2, unique=True)
        )
    return GraphDescription(
        ops=tuple(ops),
        values=tuple(values),
        savers=tuple(savers),
        add_savers_to_collection=bool(savers) and draw(st.booleans()),
    )


def _python_values() -> st.SearchStrategy[int | float | str | bytes | bool]:
    return st.one_of(
        st.sampled_from((1, -1, 1 << 63, -(1 << 63))),
        st.sampled_from((0.5, math.nan, math.inf, -math.inf, 1e300)),
        st.sampled_from(("s/x", "hello", "$unbound_inputs_x")),
        st.sampled_from((b"s/x", b"\xff")),
        st.booleans(),
    )


@st.composite
def tf_export_options(draw: st.DrawFn, description: GraphDescription) -> dict[str, Any]:
    """Options of TensorFlow's ``export_meta_graph`` for a described graph.

    Like :func:`export_options`, but TensorFlow's own arguments only (no
    ``graph``, ``filename``, ``saver_def`` or ``graph_def`` objects, which the
    test makes once the graph exists): the scope comes from the description's
    scopes and their prefixes; ``saver_index`` (not an export argument) picks
    the SaverDef of a built saver for ``saver_def=``; ``use_graph_def`` asks
    for ``graph_def=graph.as_graph_def(add_shapes=True)``.
    """
    scopes = description.scopes()
    options: dict[str, Any] = {}
    # Three times in four a scope (shrinking to none): the scope's own paths,
    # their string prefixes and "".
    scope = _pick(draw, scopes_of([s + "/x" for s in scopes]) or [""]) if draw(_below(4)) else None
    if scope is not None:
        options["export_scope"] = scope
    for name in ("clear_devices", "clear_extraneous_savers", "strip_default_attrs", "as_text"):
        options[name] = draw(st.booleans())
    options["save_debug_info"] = _sometimes(draw, 4)
    if description.savers and not _sometimes(draw, 4):
        options["saver_index"] = _pick(draw, range(len(description.savers)))
    keys = ["variables", "trainable_variables", "tensors", "ops", "savers", "cond_context"]
    keys += [key for key, _ in description.values]
    if _sometimes(draw, 4):
        options["collection_list"] = draw(
            st.lists(st.sampled_from([*keys, "no_such_key"]), max_size=3)
        )
    unbound = draw(st.sampled_from(("unbound_inputs", None, "custom")))
    if unbound != "unbound_inputs":
        options["unbound_inputs_col_name"] = unbound
    options["use_graph_def"] = _sometimes(draw, 5)
    return options
