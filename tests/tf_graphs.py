"""TensorFlow graphs that exercise every part of export_meta_graph.

Each builder returns a fresh ``tf.Graph`` (built in graph mode) and the scopes
worth exporting it under. Builders are deterministic, so two calls give graphs
that export identically. Only imported where TensorFlow is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tensorflow as tf
from google.protobuf import any_pb2

v1 = tf.compat.v1


@dataclass
class BuiltGraph:
    graph: Any
    scopes: list[str] = field(default_factory=list)
    saver_def: Any = None


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
    return BuiltGraph(graph, ["s", "s/", "s/inner", "a.b", "aX", "nope"])


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
    return BuiltGraph(graph, ["s", "s/part", "outside"], saver.saver_def)


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
    return BuiltGraph(graph, ["model", "keep"], keep.saver_def)


def _control_flow_v1() -> BuiltGraph:
    graph = tf.Graph()
    was_v2 = tf.compat.v1.control_flow_v2_enabled()
    v1.disable_control_flow_v2()
    try:
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
    finally:
        if was_v2:
            v1.enable_control_flow_v2()
    return BuiltGraph(graph, ["m", "m/while"])


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
    return BuiltGraph(graph, ["s"])


def _functions() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():

        @tf.function
        def inner(x: Any) -> Any:
            return tf.nn.relu(x) * 2.0

        @tf.function
        def outer(x: Any, v: Any) -> Any:
            return inner(x) + v

        with tf.name_scope("f"):
            x = tf.constant([1.0, -1.0], name="x")
            var = v1.get_variable("v", shape=[2], use_resource=True)
            y = outer(x, var)
        with tf.control_dependencies([y]):
            tf.identity(x, name="after")
    return BuiltGraph(graph, ["f"])


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
    return BuiltGraph(graph, [])


def _collections() -> BuiltGraph:
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("s"):
            t = tf.constant(1.0, name="t")
        u = tf.constant(2.0, name="u")
        packed = any_pb2.Any()
        packed.Pack(tf.compat.v1.GraphOptions(build_cost_model=3))
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
            "any": [packed],
            "object": [object()],
            "dict": [{"a": 1}],
            "none": [None],
            "big": [2**70],
        }
        for key, values in items.items():
            for value in values:
                v1.add_to_collection(key, value)
        graph.add_to_collection(7, "non-string key")
        graph.get_collection_ref("empty")
    return BuiltGraph(graph, ["s"])


def _empty() -> BuiltGraph:
    return BuiltGraph(tf.Graph(), [])


BUILDERS: dict[str, Callable[[], BuiltGraph]] = {
    "basic": _basic,
    "variables": _variables,
    "savers": _savers,
    "control_flow_v1": _control_flow_v1,
    "queue_runner": _queue_runner,
    "functions": _functions,
    "default_attrs": _default_attrs,
    "collections": _collections,
    "empty": _empty,
}
