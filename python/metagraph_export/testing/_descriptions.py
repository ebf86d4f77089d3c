"""Descriptions of TensorFlow graphs as plain data, and the builder that makes them real.

A :class:`GraphDescription` is a list of operations to create, each with its
name scope, inputs, control inputs, device, colocation and collections, plus
Python values for collections and the savers to build. It is hashable,
printable and needs nothing but the standard library, so Hypothesis can
generate and shrink it; :func:`build_tf_graph` builds it with TensorFlow, in
graph mode, the same way every time.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "BuiltGraph", "GraphDescription", "OpDescription", "build_tf_graph"]

# Each kind of operation, with the number of tensor inputs it takes and
# whether it has a tensor output others can use.
KINDS: dict[str, tuple[int, bool]] = {
    "constant": (0, True),
    "placeholder": (0, True),
    "identity": (1, True),
    "add": (2, True),
    "leaky_relu": (1, True),
    "noop": (0, False),
    "variable": (0, True),
    "resource_variable": (0, True),
    "function": (1, True),
    "nested_function": (1, True),
    "cond": (1, True),
    "while": (1, True),
}

CollectionValue = int | float | str | bytes | bool


@dataclass(frozen=True)
class OpDescription:
    """One operation to create.

    ``kind`` is a key of :data:`KINDS`; ``scope`` the name scope it is created
    in ("" for the root, "s/t" for a nested one, reopened exactly rather than
    uniquified); ``name`` the name asked for (TensorFlow makes it unique).
    ``inputs`` and ``control_inputs`` are indices of earlier operations;
    ``colocate_with`` the index of an earlier operation or None; ``param`` the
    ``alpha`` of a leaky_relu (None for the op's default).
    """

    kind: str
    name: str = "x"
    scope: str = ""
    inputs: tuple[int, ...] = ()
    control_inputs: tuple[int, ...] = ()
    device: str = ""
    colocate_with: int | None = None
    collections: tuple[str, ...] = ()
    param: float | None = None


@dataclass(frozen=True)
class GraphDescription:
    """A graph to build: operations in creation order, then collections of
    Python values, then savers (each a ``tf.compat.v1.train.Saver`` over all
    variables, named by its scope, added to the ``savers`` collection when
    ``add_savers_to_collection``)."""

    ops: tuple[OpDescription, ...] = ()
    values: tuple[tuple[str, tuple[CollectionValue, ...]], ...] = ()
    savers: tuple[str, ...] = ()
    add_savers_to_collection: bool = False

    def scopes(self) -> list[str]:
        """Every name scope used, with each of its parents, in first-use order."""
        seen: dict[str, None] = {}
        for op in self.ops:
            parts = op.scope.split("/") if op.scope else []
            for depth in range(1, len(parts) + 1):
                seen.setdefault("/".join(parts[:depth]), None)
        for saver in self.savers:
            seen.setdefault(saver, None)
        return list(seen)


@dataclass
class BuiltGraph:
    """A built graph, the SaverDef of each saver, and the scopes of its description."""

    graph: Any
    saver_defs: list[Any] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)


def _tf() -> Any:
    return importlib.import_module("tensorflow")


@contextlib.contextmanager
def _control_flow_v1(tf: Any) -> Iterator[None]:
    """v1 while_loop and cond build contexts (and their collections) only with
    control flow v2 disabled, a process-wide switch: restored afterwards."""
    was_v2 = tf.compat.v1.control_flow_v2_enabled()
    tf.compat.v1.disable_control_flow_v2()
    try:
        yield
    finally:
        if was_v2:
            tf.compat.v1.enable_control_flow_v2()


def build_tf_graph(description: GraphDescription) -> BuiltGraph:
    """Builds ``description`` into a new ``tf.Graph`` (graph mode, deterministic)."""
    tf = _tf()
    v1 = tf.compat.v1
    graph = tf.Graph()
    ops: list[Any] = []
    tensors: list[Any] = []
    variables: list[Any] = []
    functions: dict[str, Any] = {}

    def inner_function() -> Any:
        if "inner" not in functions:

            @tf.function  # type: ignore[untyped-decorator]
            def inner(x: Any) -> Any:
                return tf.nn.relu(x) * 2.0

            functions["inner"] = inner
        return functions["inner"]

    def outer_function() -> Any:
        if "outer" not in functions:
            inner = inner_function()

            @tf.function  # type: ignore[untyped-decorator]
            def outer(x: Any) -> Any:
                return inner(x) + 1.0

            functions["outer"] = outer
        return functions["outer"]

    with graph.as_default():
        for index, spec in enumerate(description.ops):
            if spec.kind not in KINDS:
                raise ValueError(f"op {index}: unknown kind {spec.kind!r}")
            arity = KINDS[spec.kind][0]
            inputs = [tensors[i] for i in spec.inputs if tensors[i] is not None][:arity]
            if len(inputs) < arity:
                raise ValueError(f"op {index} ({spec.kind}) needs {arity} tensor inputs")
            with contextlib.ExitStack() as stack:
                if spec.scope:
                    stack.enter_context(graph.name_scope(spec.scope + "/"))
                if spec.device:
                    stack.enter_context(graph.device(spec.device))
                if spec.colocate_with is not None:
                    stack.enter_context(v1.colocate_with(ops[spec.colocate_with]))
                if spec.control_inputs:
                    stack.enter_context(
                        graph.control_dependencies([ops[i] for i in spec.control_inputs])
                    )
                op, tensor, variable = _make(tf, spec, inputs, inner_function, outer_function)
            ops.append(op)
            tensors.append(tensor)
            if variable is not None:
                variables.append(variable)
            for key in spec.collections:
                item = tensor if key == "tensors" and tensor is not None else op
                graph.add_to_collection(key, item)
        for key, values in description.values:
            for value in values:
                graph.add_to_collection(key, value)
        saver_defs = []
        for scope in description.savers:
            if not variables:
                break
            saver = v1.train.Saver(variables, name=scope or None)
            if description.add_savers_to_collection:
                graph.add_to_collection("savers", saver)
            saver_defs.append(saver.saver_def)
    return BuiltGraph(graph, saver_defs, description.scopes())


def _make(
    tf: Any, spec: OpDescription, inputs: list[Any], inner: Any, outer: Any
) -> tuple[Any, Any, Any]:
    """Creates one operation; returns it, its tensor (or None) and its variable (or None)."""
    v1 = tf.compat.v1
    name = spec.name
    kind = spec.kind
    if kind == "constant":
        tensor = tf.constant([1.0, 2.0], name=name)
    elif kind == "placeholder":
        tensor = v1.placeholder(tf.float32, shape=[2], name=name)
    elif kind == "identity":
        tensor = tf.identity(inputs[0], name=name)
    elif kind == "add":
        tensor = tf.add(inputs[0], inputs[1], name=name)
    elif kind == "leaky_relu":
        if spec.param is None:
            tensor = tf.nn.leaky_relu(inputs[0], name=name)
        else:
            tensor = tf.nn.leaky_relu(inputs[0], alpha=spec.param, name=name)
    elif kind == "noop":
        return tf.no_op(name=name), None, None
    elif kind in ("variable", "resource_variable"):
        variable = v1.Variable([1.0, 2.0], name=name, use_resource=kind == "resource_variable")
        return variable.op, tf.convert_to_tensor(variable), variable
    elif kind == "function":
        tensor = tf.identity(inner()(inputs[0]), name=name)
    elif kind == "nested_function":
        tensor = tf.identity(outer()(inputs[0]), name=name)
    elif kind == "cond":
        with _control_flow_v1(tf):
            x = inputs[0]
            tensor = v1.cond(tf.reduce_sum(x) > 0.0, lambda: x + 1.0, lambda: x * 2.0, name=name)
    elif kind == "while":
        with _control_flow_v1(tf):
            x = inputs[0]
            _, tensor = v1.while_loop(
                lambda i, v: i < 3, lambda i, v: (i + 1, v * 2.0), [tf.constant(0), x], name=name
            )
    else:  # pragma: no cover - KINDS is checked by the caller
        raise ValueError(kind)
    return tensor.op, tensor, None
