"""Builds the bundled example: a small TensorFlow training graph as a snapshot.

Run with the TensorFlow environment's python (tools/make-tf-env):

    .tf-env/bin/python tools/make_example.py           # rewrite the file
    .tf-env/bin/python tools/make_example.py --check   # fail if it is stale

It writes examples/mlp.snapshot.binpb, which the README's first command
exports without TensorFlow. Reruns reproduce it byte for byte:

* TensorFlow adds variables to collections in set order, so the script runs
  with PYTHONHASHSEED=0 (it restarts itself with it);
* the snapshot is serialized deterministically (map entries sorted);
* a creation stack trace names absolute files: each is made relative to the
  repository or to site-packages, and a frame anywhere else (another copy of
  a library, the Python standard library, an interactive session) is an
  error rather than a file name that would depend on this machine. Line
  numbers are kept, so editing this script changes the example.
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


class MachineDependentFrame(Exception):
    """A stack frame whose file is neither in the repository nor in site-packages."""


def _portable(path: str) -> str:
    """The file of a stack frame, relative to site-packages or to the repository."""
    marker = "site-packages/"
    if marker in path:
        return path.split(marker, 1)[1]
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        raise MachineDependentFrame(
            f"a creation stack trace passes through {path}, outside the repository and "
            "site-packages; run this script as a file with the TensorFlow environment's python"
        ) from None


def build_example() -> bytes:
    from metagraph_export._tf_adapter import snapshot_from_graph

    snapshot = snapshot_from_graph(build_graph())
    for trace in snapshot.stack_traces.values():
        for frame in trace.frames:
            frame.file = _portable(frame.file)
    data: bytes = snapshot.SerializeToString(deterministic=True)
    return data


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # TensorFlow adds a variable to its collections in set order, so the
        # graph's collection order depends on str hashing; fix it.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "examples" / "mlp.snapshot.binpb")
    parser.add_argument(
        "--check", action="store_true", help="compare with --output instead of writing it"
    )
    arguments = parser.parse_args()
    output: Path = arguments.output

    try:
        data = build_example()
    except MachineDependentFrame as error:
        print(f"make_example: error: {error}", file=sys.stderr)
        return 2
    if arguments.check:
        if not output.is_file() or output.read_bytes() != data:
            print(f"make_example: {output} is stale; rerun tools/make_example.py", file=sys.stderr)
            return 1
        print(f"make_example: {output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed, so the example is never half written.
    partial = output.with_name(f".{output.name}.partial")
    partial.write_bytes(data)
    partial.replace(output)
    print(f"make_example: wrote {output} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
