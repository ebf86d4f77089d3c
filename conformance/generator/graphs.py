"""The TensorFlow graphs of the conformance cases and of the differential tests.

tests/test_differential_tensorflow.py exports nine of them under every option
and the scopes it names for each. Each builder returns a fresh graph;
``build`` makes the result independent of what the process built before:

* TensorFlow names traced functions with a process-wide counter
  (``__inference_f_19``), so ``build`` first moves that counter to the next
  multiple of ``_UID_BLOCK``;
* the creation stack trace of an operation keeps up to seven frames outside
  the innermost user frame, so ``build`` calls the builder ``_DEPTH`` frames
  deep inside this file: every kept frame is then in this file or in
  TensorFlow, whatever called the generator.

Only imported where TensorFlow is installed. Changing a line of this file
changes the stack traces recorded in the snapshots: regenerate afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import tensorflow as tf
from google.protobuf import any_pb2

v1 = tf.compat.v1

_UID_BLOCK = 1_000_000
_DEPTH = 10

_F = TypeVar("_F", bound=Callable[..., Any])


def traced(function: _F) -> _F:
    """tf.function, typed."""
    return cast(_F, tf.function(function))


def defun(*types: Any, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """TensorFlow 1's function.Defun, typed: the result is a function object
    called with the function's arguments and a name."""
    from tensorflow.python.framework import function

    return cast(Callable[[Callable[..., Any]], Any], function.Defun(*types, **options))


@dataclass
class BuiltGraph:
    graph: Any
    saver_def: Any = None
    """The SaverDef of the graph's main Saver, if it has one."""
    values: dict[str, Any] = field(default_factory=dict)
    """Other objects the cases refer to, by name."""


BUILDERS: dict[str, Callable[[], BuiltGraph]] = {}
V1_CONTROL_FLOW: set[str] = set()


def builder(name: str, v1_control_flow: bool = False) -> Callable[[Callable[[], BuiltGraph]], Any]:
    def register(function: Callable[[], BuiltGraph]) -> Callable[[], BuiltGraph]:
        BUILDERS[name] = function
        if v1_control_flow:
            V1_CONTROL_FLOW.add(name)
        return function

    return register


def build(name: str) -> BuiltGraph:
    """Builds the named graph, the same way in every process."""
    from tensorflow.python.framework import ops

    current = ops.uid()
    for _ in range(_UID_BLOCK - current % _UID_BLOCK - 1):
        ops.uid()
    builder_function = BUILDERS[name]
    if name not in V1_CONTROL_FLOW:
        return _nested(_DEPTH, builder_function)
    was_v2 = v1.control_flow_v2_enabled()
    v1.disable_control_flow_v2()
    try:
        return _nested(_DEPTH, builder_function)
    finally:
        if was_v2:
            v1.enable_control_flow_v2()


def _nested(depth: int, function: Callable[[], BuiltGraph]) -> BuiltGraph:
    if depth == 0:
        return function()
    return _nested(depth - 1, function)


# Scopes, devices, colocation, control inputs.


@builder("basic")
def _basic() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        outside = v1.placeholder(tf.float32, shape=[None, 3], name="input")
        with tf.device("/job:worker/task:0/device:CPU:0"):
            with tf.name_scope("s"):
                a = tf.constant([[1.0, 2.0, 3.0]], name="a")
                b = tf.add(a, outside, name="b")
                with tf.name_scope("inner"):
                    c = tf.multiply(b, b, name="c")
        with tf.name_scope("s_1"):
            d = tf.identity(c, name="d")
        with v1.colocate_with(a):
            with tf.name_scope("s"):
                e = tf.square(d, name="e")
        with v1.colocate_with(d):
            with tf.name_scope("s"):
                f = tf.negative(a, name="f")
        with tf.control_dependencies([d.op, outside.op]):
            with tf.name_scope("s"):
                g = tf.identity(e, name="g")
        with tf.name_scope("a.b"):
            h = tf.identity(f, name="h")
        with tf.name_scope("aXb"):
            tf.identity(h, name="i")
        with tf.device("/device:GPU:0"):
            tf.identity(g, name="top")
        v1.add_to_collection("tensors", b)
        v1.add_to_collection("tensors", d)
        v1.add_to_collection("ops", g.op)
    return BuiltGraph(graph)


@builder("small")
def _small() -> BuiltGraph:
    """Three nodes, a device and a collection: for options and files."""
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/device:CPU:0"):
            with tf.name_scope("s"):
                x = tf.constant(1.0, name="x")
                y = tf.identity(x, name="y")
        tf.identity(y, name="z")
        v1.add_to_collection("outputs", y)
        v1.add_to_collection("notes", "a note")
    return BuiltGraph(graph)


@builder("prefixes")
def _prefixes() -> BuiltGraph:
    """Scopes that share a prefix: s, s_1, sab, s2, and a node named t/s."""
    graph = tf.Graph()
    with graph.as_default():
        base = tf.constant(0.0, name="base")
        for scope in ("s", "s_1", "sab", "s2"):
            with tf.name_scope(scope):
                value = tf.identity(base, name="x")
                with tf.name_scope("inner"):
                    tf.identity(value, name="y")
        with tf.name_scope("t"):
            tf.identity(base, name="s")
        v1.add_to_collection("strings", "s/x")
        v1.add_to_collection("strings", "s_1/x")
        v1.add_to_collection("strings", "t/s")
        v1.add_to_collection("names", graph.get_tensor_by_name("s/x:0"))
        v1.add_to_collection("names", graph.get_tensor_by_name("s_1/x:0"))
        v1.add_to_collection("names", graph.get_tensor_by_name("sab/x:0"))
    return BuiltGraph(graph)


@builder("nested_scopes")
def _nested_scopes() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        root = tf.constant(1.0, name="root")
        with tf.name_scope("a"):
            a = tf.identity(root, name="x")
            with tf.name_scope("b"):
                b = tf.identity(a, name="x")
                with tf.name_scope("c"):
                    c = tf.add(b, root, name="x")
            with tf.name_scope("b_1"):
                tf.identity(c, name="x")
        v1.add_to_collection("deep", c)
        v1.add_to_collection("deep", b)
    return BuiltGraph(graph)


@builder("regex_scopes")
def _regex_scopes() -> BuiltGraph:
    """Scope names with regular-expression characters: ".", "-"."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(1.0, name="x")
        with tf.name_scope("a.b"):
            ab = tf.identity(x, name="y")
        with tf.name_scope("aXb"):
            tf.identity(ab, name="y")
        with tf.name_scope("a-b"):
            tf.identity(x, name="y")
        with tf.name_scope("a.b.c"):
            tf.identity(x, name="y")
        v1.add_to_collection("picked", ab)
    return BuiltGraph(graph)


@builder("boundary")
def _boundary() -> BuiltGraph:
    """Data and control inputs that cross the scope boundary, repeated ones,
    and colocation with nodes inside and outside."""
    graph = tf.Graph()
    with graph.as_default():
        o = tf.constant([1.0, 2.0], name="o")
        p = tf.constant([3.0, 4.0], name="p")
        split = tf.split(tf.constant([1.0, 2.0, 3.0, 4.0]), 2, name="split")
        with tf.name_scope("m"):
            a = tf.add(o, p, name="a")
            b = tf.add(o, o, name="b")
            with tf.control_dependencies([p.op, a.op]):
                c = tf.identity(b, name="c")
            d = tf.add(split[1], split[0], name="d")
            with v1.colocate_with(o):
                e = tf.identity(c, name="e")
            with v1.colocate_with(a):
                f = tf.identity(d, name="f")
        with v1.colocate_with(e):
            tf.identity(e, name="after")
        v1.add_to_collection("inside", c)
        v1.add_to_collection("mixed", a)
        v1.add_to_collection("mixed", o)
        v1.add_to_collection("mixed", f)
    return BuiltGraph(graph)


@builder("control_order")
def _control_order() -> BuiltGraph:
    """Control inputs added out of name order: as_graph_def sorts them, the
    operation keeps them as added (the snapshot's operation_inputs)."""
    graph = tf.Graph()
    with graph.as_default():
        z = tf.constant(1.0, name="z")
        y = tf.constant(2.0, name="y")
        x = tf.constant(3.0, name="x")
        with tf.control_dependencies([z.op, x.op]):
            target = tf.identity(y, name="target")
        target.op._add_control_input(y.op)
    return BuiltGraph(graph)


@builder("colocation_only_outside")
def _colocation_only_outside() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        o = tf.constant(1.0, name="o")
        with tf.name_scope("m"):
            with v1.colocate_with(o):
                tf.identity(o, name="x")
    return BuiltGraph(graph)


@builder("class_without_at")
def _class_without_at() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("m"):
            x = tf.constant(1.0, name="x")
        x.op._set_attr(
            "_class", tf.compat.v1.AttrValue(list=tf.compat.v1.AttrValue.ListValue(s=[b"odd"]))
        )
    return BuiltGraph(graph)


@builder("devices")
def _devices() -> BuiltGraph:
    """Devices on nodes and inside a function body."""
    graph = tf.Graph()
    with graph.as_default():

        @traced
        def body(x: Any) -> Any:
            with tf.device("/device:CPU:0"):
                return tf.square(x, name="inside")

        with tf.device("/job:ps/replica:0/task:1/device:CPU:0"):
            a = tf.constant(2.0, name="a")
        with tf.device("/device:GPU:0"):
            b = body(a)
        tf.identity(b, name="c")
    return BuiltGraph(graph)


@builder("output_shapes_attr")
def _output_shapes_attr() -> BuiltGraph:
    """An operation that already carries an _output_shapes attribute."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant([1.0, 2.0], name="x")
        y = tf.identity(x, name="y")
        shape = tf.TensorShape([7]).as_proto()
        y.op._set_attr(
            "_output_shapes",
            tf.compat.v1.AttrValue(list=tf.compat.v1.AttrValue.ListValue(shape=[shape])),
        )
    return BuiltGraph(graph)


@builder("output_shapes_attr_not_list")
def _output_shapes_attr_not_list() -> BuiltGraph:
    """An operation whose _output_shapes attribute holds an int, not a list."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant([1.0, 2.0], name="x")
        y = tf.identity(x, name="y")
        y.op._set_attr("_output_shapes", tf.compat.v1.AttrValue(i=5))
    return BuiltGraph(graph)


@builder("imported")
def _imported() -> BuiltGraph:
    """Nodes made by import_graph_def carry no stack trace."""
    source = tf.Graph()
    with source.as_default():
        tf.identity(tf.constant(1.0, name="c"), name="i")
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(2.0, name="own")
        tf.graph_util.import_graph_def(source.as_graph_def(), name="imported")
    return BuiltGraph(graph)


@builder("shared_traces")
def _shared_traces() -> BuiltGraph:
    """Operations created on one line share a stack trace."""
    graph = tf.Graph()
    with graph.as_default():
        values = [tf.constant(float(i), name=f"c{i}") for i in range(3)]
        with tf.name_scope("m"):
            total = tf.add_n(values, name="total")
            tf.identity(total, name="out")
    return BuiltGraph(graph)


# Variables and savers.


@builder("variables")
def _variables() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        v1.train.get_or_create_global_step()
        with v1.variable_scope("s"):
            ref = v1.Variable([1.0, 2.0], name="ref", use_resource=False)
            res = v1.get_variable("res", shape=[2], use_resource=True)
            part = v1.get_variable(
                "part",
                shape=[4, 2],
                partitioner=v1.fixed_size_partitioner(2),
                use_resource=False,
            )
            local = v1.get_variable("local", shape=[], collections=[v1.GraphKeys.LOCAL_VARIABLES])
            v1.add_to_collection(v1.GraphKeys.MODEL_VARIABLES, ref)
            v1.add_to_collection(v1.GraphKeys.MOVING_AVERAGE_VARIABLES, res)
        outside = v1.Variable(3.0, name="outside", trainable=False)
        total = ref + res + tf.reduce_sum(part) + local + outside
        v1.add_to_collection("user_variables", outside)
        v1.add_to_collection("user_variables", ref)
        saver = v1.train.Saver()
    del total
    return BuiltGraph(graph, saver.saver_def)


@builder("variable_kinds")
def _variable_kinds() -> BuiltGraph:
    """One ref and one resource variable, partitioned resource variables and a
    metric variable, without a Saver."""
    graph = tf.Graph()
    with graph.as_default():
        with v1.variable_scope("m"):
            v1.Variable(1.0, name="ref", use_resource=False)
            v1.get_variable("res", shape=[], use_resource=True)
            v1.get_variable(
                "rpart",
                shape=[4],
                partitioner=v1.fixed_size_partitioner(2),
                use_resource=True,
            )
            v1.get_variable(
                "count",
                shape=[],
                collections=[v1.GraphKeys.METRIC_VARIABLES, v1.GraphKeys.LOCAL_VARIABLES],
                trainable=False,
            )
    return BuiltGraph(graph)


@builder("partitioned_scope")
def _partitioned_scope() -> BuiltGraph:
    """A partitioned variable: scope m/part/part selects its parts but not its
    full name m/part."""
    graph = tf.Graph()
    with graph.as_default():
        with v1.variable_scope("m"):
            v1.get_variable(
                "part", shape=[4, 2], partitioner=v1.fixed_size_partitioner(2), use_resource=False
            )
        saver = v1.train.Saver()
    return BuiltGraph(graph, saver.saver_def)


@builder("savers")
def _savers() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("model"):
            a = v1.Variable(1.0, name="a")
            b = v1.Variable(2.0, name="b")
        keep = v1.train.Saver([a, b], name="keep")
        v1.train.Saver([a], name="other")
        with tf.name_scope("model"):
            v1.train.Saver([b], name="inner_saver")
    return BuiltGraph(graph, keep.saver_def)


@builder("saver_unlisted")
def _saver_unlisted() -> BuiltGraph:
    """A Saver that is not in the savers collection, and variables."""
    graph = tf.Graph()
    with graph.as_default():
        v = v1.Variable(1.0, name="v")
        first = v1.train.Saver([v], name="first")
        v1.train.Saver([v], name="second")
    return BuiltGraph(graph, first.saver_def)


@builder("saver_in_collection")
def _saver_in_collection() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("m"):
            v = v1.Variable(1.0, name="v")
        saver = v1.train.Saver([v], name="save")
        v1.add_to_collection(v1.GraphKeys.SAVERS, saver)
    return BuiltGraph(graph, saver.saver_def)


@builder("saver_deferred")
def _saver_deferred() -> BuiltGraph:
    """A Saver built with defer_build has no SaverDef yet."""
    graph = tf.Graph()
    with graph.as_default():
        v1.Variable(1.0, name="v")
        saver = v1.train.Saver(defer_build=True)
        v1.add_to_collection(v1.GraphKeys.SAVERS, saver)
    return BuiltGraph(graph)


@builder("saver_no_variables")
def _saver_no_variables() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(1.0, name="c")
        saver = v1.train.Saver(allow_empty=True)
        v1.add_to_collection(v1.GraphKeys.SAVERS, saver)
    return BuiltGraph(graph)


@builder("saver_junk")
def _saver_junk() -> BuiltGraph:
    """Items that are not Savers in the savers collection."""
    graph = tf.Graph()
    with graph.as_default():
        v = v1.Variable(1.0, name="v")
        saver = v1.train.Saver([v])
        v1.add_to_collection(v1.GraphKeys.SAVERS, "junk")
    return BuiltGraph(graph, saver.saver_def)


@builder("typed_junk")
def _typed_junk() -> BuiltGraph:
    """Typed collections holding items of another type."""
    graph = tf.Graph()
    with graph.as_default():
        v1.Variable(1.0, name="v")
        v1.add_to_collection(v1.GraphKeys.GLOBAL_VARIABLES, "not a variable")
        v1.add_to_collection(v1.GraphKeys.QUEUE_RUNNERS, 7)
    return BuiltGraph(graph)


# Control flow and queues.


@builder("control_flow_v1", v1_control_flow=True)
def _control_flow_v1() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("m"):
            ext = tf.constant(2, name="ext")

            def body(i: Any) -> Any:
                return v1.cond(i < 5, lambda: i + ext, lambda: i * 2)

            loop = v1.while_loop(lambda i: i < 10, body, [tf.constant(0)])
            flag = v1.placeholder(tf.bool, shape=[], name="flag")
            chosen = v1.cond(flag, lambda: loop + 1, lambda: loop - 1)
        tf.identity(chosen, name="out")
        v1.cond(flag, lambda: tf.constant(1), lambda: tf.constant(2), name="top_cond")
    return BuiltGraph(graph)


@builder("while_external", v1_control_flow=True)
def _while_external() -> BuiltGraph:
    """A while loop whose body reads several outside tensors (ValuesDef maps
    with several entries), and a maximum_iterations."""
    graph = tf.Graph()
    with graph.as_default():
        a = tf.constant(1, name="a")
        b = tf.constant(2, name="b")
        c = tf.constant(3, name="c")
        with tf.name_scope("w"):
            v1.while_loop(
                lambda i: i < 100,
                lambda i: i + a + b + c,
                [tf.constant(0, name="start")],
                maximum_iterations=tf.constant(5, name="limit"),
            )
    return BuiltGraph(graph)


@builder("control_flow_v2")
def _control_flow_v2() -> BuiltGraph:
    """v2 control flow: bodies are functions referenced by then_branch,
    else_branch, cond and body attributes."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(4.0, name="x")
        flag = v1.placeholder_with_default(True, shape=[], name="flag")
        tf.cond(flag, lambda: tf.sqrt(x), lambda: tf.math.rsqrt(x), name="branch")
        tf.while_loop(lambda i: i < 3, lambda i: tf.bitwise.left_shift(i, 1), [1], name="loop")
    return BuiltGraph(graph)


@builder("queue_runner")
def _queue_runner() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("s"):
            queue = v1.FIFOQueue(10, [tf.float32], name="q")
            enqueue = queue.enqueue([tf.constant(1.0)])
            runner = v1.train.QueueRunner(queue, [enqueue, enqueue])
            v1.train.add_queue_runner(runner)
            queue.dequeue(name="next")
        other = v1.FIFOQueue(2, [tf.int32], name="other_q")
        v1.train.add_queue_runner(v1.train.QueueRunner(other, [other.enqueue([1])]))
    return BuiltGraph(graph)


# Functions.


@builder("functions")
def _functions() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():

        @traced
        def inner(x: Any) -> Any:
            return tf.nn.relu(x) * 2.0

        @traced
        def outer(x: Any, v: Any) -> Any:
            return inner(x) + v

        with tf.name_scope("f"):
            x = tf.constant([1.0, -1.0], name="x")
            var = v1.get_variable("v", shape=[2], use_resource=True)
            y = outer(x, var)
        with tf.control_dependencies([y]):
            tf.identity(x, name="after")
    return BuiltGraph(graph)


@builder("defun")
def _defun() -> BuiltGraph:
    """Functions defined with Defun, one with a gradient function: called by
    their own op name rather than through PartitionedCall."""
    graph = tf.Graph()
    with graph.as_default():

        @defun(tf.float32, tf.float32)
        def grad(x: Any, dy: Any) -> Any:
            return dy * 3.0

        @defun(tf.float32, grad_func=grad)
        def triple(x: Any) -> Any:
            return tf.multiply(x, 3.0)

        @defun(tf.float32)
        def plain(x: Any) -> Any:
            return tf.sign(x)

        x = tf.constant(2.0, name="x")
        with tf.name_scope("d"):
            triple(x, name="t")
            plain(x, name="p")
    return BuiltGraph(graph)


# Attributes and defaults.


@builder("default_attrs")
def _default_attrs() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        image = v1.placeholder(tf.float32, shape=[1, 4, 4, 1], name="image")
        kernel = tf.ones([2, 2, 1, 1])
        tf.nn.conv2d(image, kernel, strides=[1, 1, 1, 1], padding="SAME", name="conv")
        tf.nn.leaky_relu(image, alpha=0.2, name="leaky_default")
        tf.nn.leaky_relu(image, alpha=0.3, name="leaky_other")
        tf.raw_ops.ImageSummary(tag="t", tensor=image, name="summary")
        tf.raw_ops.ImageSummary(
            tag="t",
            tensor=image,
            bad_color=tf.make_tensor_proto([255, 0, 0, 255], dtype=tf.uint8),
            name="summary_explicit",
        )
        tf.raw_ops.ImageSummary(
            tag="t",
            tensor=image,
            bad_color=tf.make_tensor_proto([255, 0, 0, 0], dtype=tf.uint8),
            name="summary_other",
        )
        tf.strings.reduce_join(["a", "b"], separator="", name="join")
        tf.random.uniform([2], seed=0, name="rand")
        v1.placeholder_with_default(tf.constant(1.0), shape=[], name="with_default")
        tf.raw_ops.Fill(dims=[2], value=1.0, name="fill")
    return BuiltGraph(graph)


@builder("attr_kinds")
def _attr_kinds() -> BuiltGraph:
    """Attributes of every kind at and off their defaults: type, int, float,
    bool, string, shape, list(int), list(type), tensor, func."""
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, shape=[2, 2], name="x")
        # type: Cast's Truncate (bool) and DstT; Placeholder's shape (shape).
        tf.cast(x, tf.int32, name="cast")
        tf.raw_ops.Cast(x=x, DstT=tf.int32, Truncate=True, name="cast_truncate")
        # int: Cumsum's exclusive/reverse are bools; ArgMax's output_type is a type.
        tf.math.argmax(x, axis=0, output_type=tf.int64, name="argmax_default")
        tf.math.argmax(x, axis=0, output_type=tf.int32, name="argmax_other")
        # float: LeakyRelu alpha; ApproximateEqual tolerance.
        tf.raw_ops.ApproximateEqual(x=x, y=x, tolerance=1e-05, name="approx_default")
        tf.raw_ops.ApproximateEqual(x=x, y=x, tolerance=0.5, name="approx_other")
        # bool: MatMul transpose_a.
        tf.linalg.matmul(x, x, name="matmul_default")
        tf.linalg.matmul(x, x, transpose_a=True, name="matmul_other")
        # string: AsString fill (""), and Print's message.
        tf.strings.as_string(x, name="as_string_default")
        tf.strings.as_string(x, fill="0", width=3, name="as_string_other")
        # int: AsString precision -1 / width -1.
        tf.raw_ops.AsString(input=x, precision=-1, name="as_string_explicit")
        # list(int): MaxPool's explicit... ; Squeeze squeeze_dims ([]).
        tf.squeeze(tf.reshape(x, [1, 4]), name="squeeze_default")
        tf.squeeze(tf.reshape(x, [1, 4]), axis=[0], name="squeeze_other")
        # shape: PlaceholderWithDefault shape; Placeholder's shape default unknown rank.
        v1.placeholder(tf.float32, name="unknown_shape")
        v1.placeholder(tf.float32, shape=[], name="scalar_shape")
        # list(type): Unique's out_idx is a type; IdentityN's T is list(type).
        tf.unique(tf.constant([1, 1, 2]), out_idx=tf.int32, name="unique_default")
        tf.unique(tf.constant([1, 1, 2]), out_idx=tf.int64, name="unique_other")
        tf.raw_ops.IdentityN(input=[x, tf.constant(1)], name="identity_n")
        # tensor: ImageSummary bad_color default.
        image = tf.zeros([1, 2, 2, 1])
        tf.raw_ops.ImageSummary(tag="t", tensor=image, name="image_default")
        tf.raw_ops.ImageSummary(
            tag="t",
            tensor=image,
            bad_color=tf.make_tensor_proto([255, 0, 0, 255], dtype=tf.uint8),
            name="image_explicit_default",
        )
        tf.raw_ops.ImageSummary(
            tag="t",
            tensor=image,
            bad_color=tf.make_tensor_proto([255, 0, 0, 255, 0, 0], dtype=tf.uint8),
            name="image_other",
        )
        # func: a PartitionedCall with config_proto/executor_type at default.

        @traced
        def f(y: Any) -> Any:
            return tf.nn.relu(y)

        f(x)
    return BuiltGraph(graph)


@builder("strings_and_bytes")
def _strings_and_bytes() -> BuiltGraph:
    """Attribute strings with non-ASCII and control bytes, for text format."""
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(["é", "tab\there", "\x00\x01", "quote\"'"], name="strings")
        tf.constant(0.1, name="tenth")
        tf.constant(123456789.0, name="big")
        tf.constant(1e-07, name="tiny")
        tf.constant([1.0, 2.0, 3.0], name="floats")
        v1.add_to_collection("kß", "value ß")
        v1.add_to_collection("bytes", b"\xff\x00\x7f")
    return BuiltGraph(graph)


# Collections.


@builder("collections")
def _collections() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("s"):
            t = tf.constant(1.0, name="t")
        u = tf.constant(2.0, name="u")
        packed = any_pb2.Any()
        packed.Pack(tf.compat.v1.train.SaverDef(version=2, max_to_keep=3))
        unknown = any_pb2.Any(type_url="type.googleapis.com/some.Unknown", value=b"\x08\x01\xff")
        items: dict[str, list[Any]] = {
            "ints": [1, 2, -(2**63)],
            "floats": [1.5, 0.1, float("nan"), float("inf"), 1e300],
            "float_then_int": [2.5, 1, True, 2**70],
            "int_then_float": [1, 2.5],
            "bools": [True, False],
            "strings": ["s/t", "hello", "s_1/x", "$unbound_inputs_x"],
            "bytes": [b"s/t", b"\xff\x00"],
            "mixed_text": ["a", b"b"],
            "bytes_then_int": [b"x", 1],
            "tensors": [t, u],
            "tensor_then_string": [t, "a"],
            "operations": [t.op, u.op],
            "any": [packed, unknown],
            "object": [object()],
            "dict": [{"a": 1}],
            "none": [None],
            "big": [2**70],
            "int64_max": [2**63 - 1],
        }
        for key, values in items.items():
            for value in values:
                v1.add_to_collection(key, value)
        graph.add_to_collection(7, "non-string key")
        graph.add_to_collection(b"bytes_key", "bytes key")
        graph.get_collection_ref("empty")
    return BuiltGraph(graph)


@builder("collection_order")
def _collection_order() -> BuiltGraph:
    """Keys added out of alphabetical order."""
    graph = tf.Graph()
    with graph.as_default():
        c = tf.constant(1.0, name="c")
        for key in ("zeta", "alpha", "mid", "beta"):
            v1.add_to_collection(key, c)
    return BuiltGraph(graph)


@builder("scoped_items")
def _scoped_items() -> BuiltGraph:
    """String, bytes and node items under an export scope."""
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("s"):
            x = tf.constant(1.0, name="x")
        y = tf.constant(2.0, name="y")
        with tf.name_scope("sz"):
            z = tf.constant(3.0, name="z")
        for value in ("s/a", "t/b", "sab", b"t/c", b"s/d"):
            v1.add_to_collection("text", value)
        for value in (x, y, z):
            v1.add_to_collection("nodes", value)
        v1.add_to_collection("nodes_then_string", x)
        v1.add_to_collection("nodes_then_string", "s/x")
        v1.add_to_collection("numbers", 1)
        v1.add_to_collection("numbers", 2)
        v1.add_to_collection("unbound_inputs", "s/junk")
        v1.add_to_collection("unbound_inputs", "zzz")
        v1.add_to_collection("custom", "s/old")
    return BuiltGraph(graph)


@builder("empty")
def _empty() -> BuiltGraph:
    return BuiltGraph(tf.Graph())


@builder("one_constant")
def _one_constant() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(1.0, name="c")
    return BuiltGraph(graph)


# Added for the specification's finer points.


class Named:
    """An object with a name, as TensorFlow's collections accept."""

    def __init__(self, name: str) -> None:
        self.name = name


@builder("odd_scopes")
def _odd_scopes() -> BuiltGraph:
    """Scope names TensorFlow allows that a regular expression reads otherwise:
    a backslash, ">", leading digits."""
    graph = tf.Graph()
    with graph.as_default():
        base = tf.constant(1.0, name="base")
        for scope in ("a\\.b", "a.b", "a>b", "a\\d", "a1", "0abc", "00x"):
            with tf.name_scope(scope):
                tf.identity(base, name="x")
    return BuiltGraph(graph)


@builder("named_items")
def _named_items() -> BuiltGraph:
    """Collections of plain Python objects that have a name."""
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("s"):
            tf.constant(1.0, name="c")
        v1.add_to_collection("unbound_named", Named("$unbound_inputs_x"))
        v1.add_to_collection("regex_named", Named("a(x"))
        v1.add_to_collection("plain_named", Named("s/n"))
        v1.add_to_collection("plain_named", Named("t/n"))
    return BuiltGraph(graph)


@builder("numbers")
def _numbers() -> BuiltGraph:
    """Scalar float and double constants whose text form is tricky, and number
    collections: integers too large for a double, numpy values."""
    import numpy as np

    graph = tf.Graph()
    with graph.as_default():
        doubles = [1e16, 1e-05, 5e-324, 0.0001, 123456789.0, -0.0, 1.2345678901234568e16]
        for index, value in enumerate([*doubles, float("nan"), float("inf")]):
            tf.constant(value, dtype=tf.float64, name=f"d{index}")
        floats = [0.1, 1e-07, 3.0, 1 / 3, 123456789.0, 1.1805916e21, 3.4028235e38, -0.0]
        for index, value in enumerate([*floats, float("nan"), float("-inf")]):
            tf.constant(value, dtype=tf.float32, name=f"f{index}")
        v1.add_to_collection("float_then_huge", 1.5)
        v1.add_to_collection("float_then_huge", 2**1100)
        v1.add_to_collection("float_then_numpy", 1.0)
        v1.add_to_collection("float_then_numpy", np.float32(2.5))
        v1.add_to_collection("float_then_bool", 0.5)
        v1.add_to_collection("float_then_bool", False)
        v1.add_to_collection("plain_floats", 0.25)
    return BuiltGraph(graph)


@builder("map_order")
def _map_order() -> BuiltGraph:
    """Collection keys where one is a prefix of another, and keys to escape."""
    graph = tf.Graph()
    with graph.as_default():
        c = tf.constant(1.0, name="c")
        for key in ("b", "abc", "a", "ab", "tab\tkey", "quote\"'\\", "ctl\x01\x7f", "é"):
            v1.add_to_collection(key, c)
    return BuiltGraph(graph)


# Below every builder, so that adding it moved no line the snapshots record.


def build_unnumbered(name: str) -> BuiltGraph:
    """Builds the named graph as ``build`` does, except that the process's uid
    counter is left alone: traced functions are then numbered by what was
    built before, and building takes milliseconds rather than the tenth of a
    second moving the counter costs. For comparing two exports of one graph."""
    builder_function = BUILDERS[name]
    if name not in V1_CONTROL_FLOW:
        return builder_function()
    was_v2 = v1.control_flow_v2_enabled()
    v1.disable_control_flow_v2()
    try:
        return builder_function()
    finally:
        if was_v2:
            v1.enable_control_flow_v2()
