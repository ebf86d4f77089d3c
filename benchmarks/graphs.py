"""Deterministic benchmark graphs, by shape and size, cached on disk.

Every graph is a ``GraphDef`` of real TensorFlow 2.21 ops (so TensorFlow
accepts it, and ``stripped_op_list``/``strip_default_attrs`` look them up in
the registry) plus two saver scopes, ``save/`` and ``save_1/``, so that
``clear_extraneous_savers`` has a saver to keep and one to drop. Nodes are
split between the scopes ``a/`` and ``b/``; ``a/`` nodes read ``b/`` ones, so
``export_scope="a"`` keeps about half and records unbound inputs.

Shapes sized by node count:

- ``chain``: each node reads the previous one; a device on every node; every
  eighth node of ``a/`` also reads its mirror in ``b/``.
- ``fan_in``: ``AddN`` nodes with eight inputs and two control inputs each,
  drawn from the previous thousand nodes, alternating between ``a/``/``b/``.
- ``deep_scopes``: a chain whose names are nested twelve scopes deep.
- ``defaults``: ``MatMul``/``BiasAdd``/``Cast``/``Placeholder`` blocks whose
  attributes mostly equal their registered defaults.
- ``functions``: ``PartitionedCall`` nodes over a function library (one
  function per 50 nodes) whose functions call each other up to eight deep.

Shape sized by bytes:

- ``constants``: a few ``Const`` nodes holding 32 MB of ``tensor_content``
  each, and an ``Identity`` reading each.

Generated graphs are written once under ``benchmarks/.cache/`` (git-ignored)
as deterministic binary files; importing this module never needs TensorFlow.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.tf import types_pb2
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.node_def_pb2 import NodeDef
from metagraph_export.tf.saver_pb2 import SaverDef

# Bump when a generator changes, so stale cached graphs are not reused.
GENERATOR_VERSION = 1
CACHE_DIR = Path(__file__).resolve().parent / ".cache"

SHAPES_BY_NODES = ("chain", "fan_in", "deep_scopes", "defaults", "functions")
SHAPES_BY_BYTES = ("constants",)
SHAPES = SHAPES_BY_NODES + SHAPES_BY_BYTES

EXPORT_SCOPE = "a"
DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"
# TensorFlow 2.21's GraphDef version.
PRODUCER = 2474
CONSTANT_CHUNK_BYTES = 32 * 10**6

_FLOAT = types_pb2.DT_FLOAT


@dataclass(frozen=True, order=True)
class Size:
    """A graph size: a node count ("10k", "1M") or a serialized size ("500MB")."""

    label: str
    nodes: int = 0
    bytes: int = 0

    @property
    def by_bytes(self) -> bool:
        return self.bytes > 0


_SIZE_PATTERN = re.compile(r"(\d+)(k|M|MB|GB)")
_SIZE_UNITS = {"k": 10**3, "M": 10**6, "MB": 10**6, "GB": 10**9}


def parse_size(label: str) -> Size:
    """``"10k"``, ``"20k"``, ``"1M"`` are node counts; ``"100MB"``, ``"1GB"`` bytes."""
    match = _SIZE_PATTERN.fullmatch(label)
    if match is None:
        raise ValueError(f"not a size: {label!r} (examples: 10k, 1M, 500MB, 1GB)")
    amount = int(match[1]) * _SIZE_UNITS[match[2]]
    if match[2] in ("MB", "GB"):
        return Size(label, bytes=amount)
    return Size(label, nodes=amount)


def shapes_for(size: Size) -> tuple[str, ...]:
    return SHAPES_BY_BYTES if size.by_bytes else SHAPES_BY_NODES


@dataclass(frozen=True)
class GraphFacts:
    """What a generated graph should export to, for the benchmarks' sanity checks."""

    nodes: int
    nodes_in_scope: int
    extraneous_saver_nodes: int
    input_bytes: int
    functions: int


def saver_def() -> SaverDef:
    """The ``SaverDef`` of the ``save/`` scope every graph has."""
    return SaverDef(
        filename_tensor_name="save/Const:0",
        save_tensor_name="save/Const:0",
        restore_op_name="save/restore_all",
        version=SaverDef.V2,
    )


@dataclass(frozen=True)
class BenchGraph:
    """A cached benchmark graph: its files and facts."""

    shape: str
    size: Size
    facts: GraphFacts

    @property
    def name(self) -> str:
        return f"{self.shape}-{self.size.label}"

    @property
    def graph_def_path(self) -> Path:
        return _cache_path(self.shape, self.size, "graph_def.binpb")

    @property
    def snapshot_path(self) -> Path:
        """The graph as a snapshot (built on first use)."""
        path = _cache_path(self.shape, self.size, "snapshot.binpb")
        if not path.exists():
            graph_def = GraphDef.FromString(self.graph_def_path.read_bytes())
            _write_atomically(path, snapshot_of(graph_def).SerializeToString(deterministic=True))
        return path

    def graph_def_bytes(self) -> bytes:
        return self.graph_def_path.read_bytes()

    def graph_def(self) -> GraphDef:
        return GraphDef.FromString(self.graph_def_bytes())

    def snapshot(self) -> GraphSnapshot:
        return GraphSnapshot.FromString(self.snapshot_path.read_bytes())

    def tf_graph_def(self) -> Any:
        """The graph as TensorFlow's own ``GraphDef`` (imports TensorFlow)."""
        import tensorflow as tf

        return tf.compat.v1.GraphDef.FromString(self.graph_def_bytes())

    def tf_graph(self) -> Any:
        """The graph as a ``tf.Graph`` (imports TensorFlow; slow beyond ~20k nodes)."""
        import tensorflow as tf

        graph = tf.Graph()
        with graph.as_default():
            tf.graph_util.import_graph_def(self.tf_graph_def(), name="")
        return graph


def bench_graph(shape: str, size: Size) -> BenchGraph:
    """The graph of this shape and size, generated and cached on first use."""
    if shape not in shapes_for(size):
        raise ValueError(f"shape {shape!r} is not sized by {'bytes' if size.by_bytes else 'nodes'}")
    facts_path = _cache_path(shape, size, "json")
    if not facts_path.exists():
        graph_def = build_graph_def(shape, size)
        data = graph_def.SerializeToString(deterministic=True)
        _write_atomically(_cache_path(shape, size, "graph_def.binpb"), data)
        facts = _facts_of(graph_def, len(data))
        del graph_def
        _write_atomically(facts_path, json.dumps(asdict(facts), indent=1).encode())
    facts = GraphFacts(**json.loads(facts_path.read_text()))
    return BenchGraph(shape, size, facts)


def build_graph_def(shape: str, size: Size) -> GraphDef:
    """Builds the graph of this shape and size (deterministically)."""
    builder = _GraphBuilder()
    builders = {
        "chain": _chain,
        "fan_in": _fan_in,
        "deep_scopes": _deep_scopes,
        "defaults": _defaults,
        "functions": _functions,
        "constants": _constants,
    }
    builders[shape](builder, size)
    _add_saver(builder, "save")
    _add_saver(builder, "save_1")
    return builder.graph_def


def snapshot_of(graph_def: GraphDef) -> GraphSnapshot:
    """A snapshot as a ``tf.Graph`` would give: the graph and each node's output shapes.

    Every output is given an unknown shape except single-output float nodes,
    which are scalars (as in ``chain``); the exporter copies shapes, it does
    not interpret them.
    """
    snapshot = GraphSnapshot()
    snapshot.graph_def.CopyFrom(graph_def)
    for node in graph_def.node:
        outputs = snapshot.output_shapes[node.name].shape
        for _ in range(_output_count(node)):
            outputs.add().unknown_rank = node.op not in _SCALAR_OPS
    return snapshot


_SCALAR_OPS = frozenset({"Identity", "Relu", "Neg", "Square", "AddV2", "AddN"})
_NO_OUTPUT_OPS = frozenset({"NoOp", "SaveV2"})


def _output_count(node: NodeDef) -> int:
    if node.op in _NO_OUTPUT_OPS:
        return 0
    if node.op == "RestoreV2":
        return len(node.attr["dtypes"].list.type)
    if node.op == "PartitionedCall":
        return len(node.attr["Tout"].list.type)
    return 1


class _GraphBuilder:
    def __init__(self) -> None:
        self.graph_def = GraphDef()
        self.graph_def.versions.producer = PRODUCER

    def node(
        self,
        name: str,
        op: str,
        inputs: Sequence[str] = (),
        device: str = "",
        **type_attrs: types_pb2.DataType.ValueType,
    ) -> NodeDef:
        node = self.graph_def.node.add(name=name, op=op, input=inputs, device=device)
        for key, dtype in type_attrs.items():
            node.attr[key].type = dtype
        return node

    def scalar_const(self, name: str, value: float = 1.0, device: str = "") -> NodeDef:
        node = self.node(name, "Const", device=device, dtype=_FLOAT)
        tensor = node.attr["value"].tensor
        tensor.dtype = _FLOAT
        tensor.float_val.append(value)
        return node


def _scope_of(index: int, count: int) -> str:
    """``b`` for the first half, ``a`` for the second (which reads the first)."""
    return "b" if index < count // 2 else EXPORT_SCOPE


_UNARY_OPS = ("Identity", "Relu", "Neg", "Square")


def _chain(builder: _GraphBuilder, size: Size) -> None:
    count = size.nodes
    names = [f"{_scope_of(i, count)}/n{i}" for i in range(count)]
    builder.scalar_const(names[0], device=DEVICE)
    half = count // 2
    for i in range(1, count):
        if i >= half and i % 8 == 0:
            # A second input from b/: an unbound input of export_scope="a".
            builder.node(names[i], "AddV2", [names[i - 1], names[i - half]], DEVICE, T=_FLOAT)
        else:
            builder.node(names[i], _UNARY_OPS[i % 4], [names[i - 1]], DEVICE, T=_FLOAT)


_FAN_IN_SOURCES = 16
_FAN_IN_WIDTH = 8
_FAN_IN_CONTROLS = 2
_FAN_IN_WINDOW = 1000


def _fan_in(builder: _GraphBuilder, size: Size) -> None:
    rng = random.Random(f"fan_in-{size.nodes}")
    names = [f"{'ab'[i % 2]}/f{i}" for i in range(size.nodes)]
    for i in range(_FAN_IN_SOURCES):
        builder.scalar_const(names[i], float(i))
    for i in range(_FAN_IN_SOURCES, size.nodes):
        low = max(0, i - _FAN_IN_WINDOW)
        inputs = [names[rng.randrange(low, i)] for _ in range(_FAN_IN_WIDTH)]
        controls = [f"^{names[rng.randrange(low, i)]}" for _ in range(_FAN_IN_CONTROLS)]
        node = builder.node(names[i], "AddN", inputs + controls, T=_FLOAT)
        node.attr["N"].i = _FAN_IN_WIDTH


_SCOPE_DEPTH = 12


def _deep_scopes(builder: _GraphBuilder, size: Size) -> None:
    count = size.nodes

    def name(i: int) -> str:
        # Twelve levels below a/ or b/; neighbours share most of their path.
        levels = "/".join(f"s{d}_{(i >> d) & 3}" for d in range(_SCOPE_DEPTH - 1, -1, -1))
        return f"{_scope_of(i, count)}/{levels}/n{i}"

    names = [name(i) for i in range(count)]
    builder.scalar_const(names[0])
    for i in range(1, count):
        device = DEVICE if i % 2 else ""
        builder.node(names[i], _UNARY_OPS[i % 4], [names[i - 1]], device, T=_FLOAT)


_DEFAULTS_BLOCK = 6


def _defaults(builder: _GraphBuilder, size: Size) -> None:
    blocks = max(1, size.nodes // _DEFAULTS_BLOCK)
    previous = ""
    for block in range(blocks):
        scope = f"{_scope_of(block, blocks)}/block{block}"
        if not previous:
            placeholder = builder.node(f"{scope}/x", "Placeholder", dtype=_FLOAT)
            placeholder.attr["shape"].shape.unknown_rank = True  # the default
            previous = placeholder.name
        else:
            builder.node(f"{scope}/x", "Identity", [previous], T=_FLOAT)
        weights = builder.node(f"{scope}/w", "Const", dtype=_FLOAT)
        weights.attr["value"].tensor.dtype = _FLOAT
        weights.attr["value"].tensor.tensor_shape.dim.add(size=1)
        weights.attr["value"].tensor.tensor_shape.dim.add(size=1)
        weights.attr["value"].tensor.float_val.append(0.5)
        matmul = builder.node(f"{scope}/matmul", "MatMul", [f"{scope}/x", f"{scope}/w"], T=_FLOAT)
        for flag in ("transpose_a", "transpose_b", "grad_a", "grad_b"):
            matmul.attr[flag].b = False
        builder.scalar_const(f"{scope}/bias", 0.1)
        bias_add = builder.node(
            f"{scope}/bias_add", "BiasAdd", [f"{scope}/matmul", f"{scope}/bias"], T=_FLOAT
        )
        bias_add.attr["data_format"].s = b"NHWC"
        cast = builder.node(
            f"{scope}/cast", "Cast", [f"{scope}/bias_add"], SrcT=_FLOAT, DstT=_FLOAT
        )
        cast.attr["Truncate"].b = False
        previous = cast.name


_FUNCTION_EVERY = 50
_FUNCTION_NESTING = 8


def _functions(builder: _GraphBuilder, size: Size) -> None:
    functions = max(_FUNCTION_NESTING, size.nodes // _FUNCTION_EVERY)
    library = builder.graph_def.library
    for j in range(functions):
        function = library.function.add()
        function.signature.name = f"f{j}"
        function.signature.input_arg.add(name="x", type=_FLOAT)
        function.signature.output_arg.add(name="y", type=_FLOAT)
        source = "x"
        if j % _FUNCTION_NESTING:
            # Calls the previous function: nested calls up to eight deep.
            _partitioned_call(function.node_def.add(name="call", input=["x"]), f"f{j - 1}")
            source = "call:output:0"
        relu = function.node_def.add(name="relu", op="Relu", input=[source])
        relu.attr["T"].type = _FLOAT
        function.ret["y"] = "relu:activations:0"
    count = size.nodes
    names = [f"{_scope_of(i, count)}/call{i}" for i in range(count)]
    builder.scalar_const(names[0])
    for i in range(1, count):
        node = builder.node(names[i], "PartitionedCall", [names[i - 1]], DEVICE)
        _partitioned_call(node, f"f{i % functions}")


def _partitioned_call(node: NodeDef, function: str) -> None:
    node.op = "PartitionedCall"
    node.attr["Tin"].list.type.append(_FLOAT)
    node.attr["Tout"].list.type.append(_FLOAT)
    node.attr["f"].func.name = function
    for default_valued in ("config", "config_proto", "executor_type"):
        node.attr[default_valued].s = b""


def _constants(builder: _GraphBuilder, size: Size) -> None:
    chunks = max(1, -(-size.bytes // CONSTANT_CHUNK_BYTES))
    chunk_bytes = size.bytes // chunks // 4 * 4
    pattern = bytes(range(256)) * (chunk_bytes // 256 + 1)
    for i in range(chunks):
        scope = _scope_of(i, chunks) if chunks > 1 else EXPORT_SCOPE
        node = builder.node(f"{scope}/constant{i}", "Const", device=DEVICE, dtype=_FLOAT)
        tensor = node.attr["value"].tensor
        tensor.dtype = _FLOAT
        tensor.tensor_shape.dim.add(size=chunk_bytes // 4)
        # A different rotation per node, so no two constants are equal.
        start = i % 256
        tensor.tensor_content = pattern[start : start + chunk_bytes]
        builder.node(f"{scope}/read{i}", "Identity", [node.name], DEVICE, T=_FLOAT)


def _add_saver(builder: _GraphBuilder, scope: str) -> None:
    """A V2 saver of one float tensor, as ``tf.compat.v1.train.Saver`` builds it."""
    string = types_pb2.DT_STRING
    filename = builder.node(f"{scope}/Const", "Const", dtype=string)
    filename.attr["value"].tensor.dtype = string
    filename.attr["value"].tensor.string_val.append(b"model")
    for part, value in (("tensor_names", b"v"), ("shape_and_slices", b"")):
        node = builder.node(f"{scope}/SaveV2/{part}", "Const", dtype=string)
        tensor = node.attr["value"].tensor
        tensor.dtype = string
        tensor.tensor_shape.dim.add(size=1)
        tensor.string_val.append(value)
    builder.scalar_const(f"{scope}/v", 2.0)
    arguments = [
        f"{scope}/Const",
        f"{scope}/SaveV2/tensor_names",
        f"{scope}/SaveV2/shape_and_slices",
    ]
    save = builder.node(f"{scope}/SaveV2", "SaveV2", [*arguments, f"{scope}/v"])
    save.attr["dtypes"].list.type.append(_FLOAT)
    builder.node(
        f"{scope}/control_dependency",
        "Identity",
        [f"{scope}/Const", f"^{scope}/SaveV2"],
        T=string,
    )
    restore = builder.node(f"{scope}/RestoreV2", "RestoreV2", arguments)
    restore.attr["dtypes"].list.type.append(_FLOAT)
    builder.node(f"{scope}/restore_all", "NoOp", [f"^{scope}/RestoreV2"])


def _facts_of(graph_def: GraphDef, input_bytes: int) -> GraphFacts:
    prefix = EXPORT_SCOPE + "/"
    return GraphFacts(
        nodes=len(graph_def.node),
        nodes_in_scope=sum(node.name.startswith(prefix) for node in graph_def.node),
        extraneous_saver_nodes=sum(node.name.startswith("save_1/") for node in graph_def.node),
        input_bytes=input_bytes,
        functions=len(graph_def.library.function),
    )


def _cache_path(shape: str, size: Size, suffix: str) -> Path:
    return CACHE_DIR / f"graphs-v{GENERATOR_VERSION}" / f"{shape}-{size.label}.{suffix}"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
