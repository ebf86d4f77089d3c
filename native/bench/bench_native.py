"""The native extension's speed against protobuf's own work, in one run.

Baseline: protobuf (upb) parsing the serialized ExportArguments plus
serializing the resulting MetaGraphDef deterministically, which any exporter
must at least do. Measured: metagraph_export_native.export on the same bytes
(parse, export, canonical encoding). Prints the ratio; the target is <= 2.

    python native/bench/bench_native.py --nodes 1000000
"""

from __future__ import annotations

import argparse
import time

import metagraph_export_native as native
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef


def build(nodes: int) -> bytes:
    arguments = ExportArguments(clear_devices=True)
    graph = arguments.graph.graph_def
    graph.versions.producer = 2474
    for index in range(nodes):
        node = graph.node.add(name=f"layer_{index // 100}/op_{index}", device="/device:CPU:0")
        if index % 2 == 0:
            node.op = "Const"
            node.attr["dtype"].type = 1
            tensor = node.attr["value"].tensor
            tensor.dtype = 1
            tensor.tensor_shape.dim.add(size=4)
            tensor.float_val.extend([1.0, 2.0, 3.0, 4.0])
        else:
            node.op = "Identity"
            node.input.append(f"layer_{(index - 1) // 100}/op_{index - 1}")
            node.attr["T"].type = 1
        shapes = arguments.graph.output_shapes[node.name]
        shapes.shape.add().dim.add(size=4)
    return arguments.SerializeToString()


def best_of(runs: int, function) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best = float("inf")
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    data = build(options.nodes)
    native_time, result = best_of(options.runs, lambda: native.export(data))
    exported = MetaGraphDef.FromString(result.meta_graph_def)  # type: ignore[attr-defined]
    parse_time, _ = best_of(options.runs, lambda: ExportArguments.FromString(data))
    encode_time, encoded = best_of(
        options.runs, lambda: exported.SerializeToString(deterministic=True)
    )
    assert encoded == result.meta_graph_def  # type: ignore[attr-defined]
    baseline = parse_time + encode_time
    print(f"nodes: {options.nodes:,}, input {len(data):,} bytes, output {len(encoded):,} bytes")
    print(
        f"protobuf parse {parse_time:.3f} s + deterministic serialize {encode_time:.3f} s"
        f" = {baseline:.3f} s"
    )
    print(f"native export {native_time:.3f} s: {native_time / baseline:.2f} x the baseline")


if __name__ == "__main__":
    main()
