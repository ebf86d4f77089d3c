"""Builds the bundled example: a small TensorFlow training graph as a snapshot.

Run with the TensorFlow environment's python (tools/make-tf-env):

    .tf-env/bin/python tools/make_example.py

It writes examples/mlp.snapshot.binpb, which the README's first command
exports without TensorFlow. Stack-trace file names are made relative (to the
repository or to site-packages) so the file does not depend on this machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))


def _dense(inputs: Any, size_in: int, size_out: int, name: str) -> Any:
    import tensorflow as tf

    v1 = tf.compat.v1
    with v1.variable_scope(name):
        weights = v1.get_variable("kernel", [size_in, size_out], use_resource=True)
        bias = v1.get_variable("bias", [size_out], initializer=v1.zeros_initializer())
        return tf.nn.bias_add(tf.matmul(inputs, weights), bias)


def build_graph() -> Any:
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        global_step = v1.train.get_or_create_global_step()
        with tf.name_scope("input"):
            images = v1.placeholder(tf.float32, shape=[None, 784], name="images")
            labels = v1.placeholder(tf.int64, shape=[None], name="labels")
        with v1.variable_scope("model"), tf.device("/job:worker/task:0/device:CPU:0"):
            hidden = tf.nn.relu(_dense(images, 784, 128, "hidden"))
            logits = _dense(hidden, 128, 10, "logits")
        with tf.name_scope("loss"):
            loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
        with tf.name_scope("train"):
            optimizer = v1.train.GradientDescentOptimizer(0.01)
            train_op = optimizer.minimize(loss, global_step=global_step)
        with tf.name_scope("eval"):
            correct = tf.equal(tf.argmax(logits, 1), labels)
            accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
        v1.add_to_collection("train_op", train_op)
        v1.add_to_collection("predictions", tf.nn.softmax(logits, name="probabilities"))
        v1.add_to_collection("metrics", accuracy)
        v1.add_to_collection("hyperparameters", 0.01)
        v1.add_to_collection("hyperparameters", 128.0)
        v1.add_to_collection("labels_vocabulary", b"digits 0-9")
        v1.add_to_collection(v1.GraphKeys.SAVERS, v1.train.Saver(name="saver"))
    return graph


def _relative(path: str) -> str:
    for marker in ("site-packages/",):
        if marker in path:
            return path.split(marker, 1)[1]
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return os.path.basename(path)


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # TensorFlow adds a variable to its collections in set order, so the
        # graph's collection order depends on str hashing; fix it.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default=str(ROOT / "examples" / "mlp.snapshot.binpb"))
    arguments = parser.parse_args()

    from metagraph_export._tf_adapter import snapshot_from_graph

    snapshot = snapshot_from_graph(build_graph())
    for trace in snapshot.stack_traces.values():
        for frame in trace.frames:
            frame.file = _relative(frame.file)
    data = snapshot.SerializeToString(deterministic=True)
    Path(arguments.output).write_bytes(data)
    print(f"wrote {arguments.output} ({len(data):,} bytes, {len(snapshot.graph_def.node)} nodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
