"""The size measure behind the 2 GiB limit (spec EXP-LIMIT), checked against
protobuf's own ByteSize on messages small enough for it, and the encoding of
large graphs node by node, checked against protobuf's own encoding."""

from __future__ import annotations

from pathlib import Path

import metagraph_export
from google.protobuf import text_format
from metagraph_export._codec import streamed_size, write_binary
from metagraph_export._sizes import map_size_by_entry, summed_size
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.types_pb2 import DT_UINT8


def test_summed_size_equals_byte_size_for_every_field_kind() -> None:
    meta_graph_def = text_format.Parse(
        """
        meta_info_def { tags: "serve" tags: "train" stripped_default_attrs: true
                        function_aliases { key: "f" value: "g" } }
        graph_def {
          node { name: "a" op: "Const" input: "^b" device: "/cpu:0"
                 attr { key: "value" value { tensor {
                     dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: 1.5 float_val: -2
                 } } }
                 attr { key: "dtype" value { type: DT_FLOAT } } }
          node { name: "b" op: "NoOp" }
          library { function { signature { name: "f" } } gradient { function_name: "f" } }
          versions { producer: 2474 bad_consumers: 3 bad_consumers: 7 }
        }
        collection_def { key: "x" value { int64_list { value: 1 value: -5 value: 300 } } }
        collection_def { key: "y" value { float_list { value: 0.5 } } }
        """,
        MetaGraphDef(),
    )
    assert summed_size(meta_graph_def) == meta_graph_def.ByteSize()
    assert summed_size(meta_graph_def.graph_def) == meta_graph_def.graph_def.ByteSize()
    snapshot = GraphSnapshot()
    snapshot.graph_def.CopyFrom(meta_graph_def.graph_def)
    snapshot.output_shapes["a"].shape.add().dim.add(size=2)
    snapshot.collections.add(key="k").items.add(int64_value=3)
    assert summed_size(snapshot) == snapshot.ByteSize()
    assert summed_size(MetaGraphDef()) == 0


def _large_meta_graph_def() -> MetaGraphDef:
    """Every MetaGraphDef field before and after the graph, and a graph of a
    few large constants: the kind of graph that is written node by node."""
    meta_graph_def = text_format.Parse(
        """
        meta_info_def { tags: "serve" stripped_default_attrs: true }
        graph_def {
          node { name: "b" op: "NoOp" device: "/cpu:0" }
          library { function { signature { name: "f" } } }
          versions { producer: 2474 }
        }
        saver_def { filename_tensor_name: "save/Const:0" version: V2 }
        collection_def { key: "z" value { int64_list { value: 1 } } }
        collection_def { key: "a" value { bytes_list { value: "x" } } }
        signature_def { key: "s" value { method_name: "m" } }
        asset_file_def { filename: "vocab.txt" }
        """,
        MetaGraphDef(),
    )
    for index in range(4):
        node = meta_graph_def.graph_def.node.add(name=f"c{index}", op="Const")
        node.attr["value"].tensor.tensor_content = bytes([index]) * (17 << 20)
        node.attr["dtype"].type = DT_UINT8
    return meta_graph_def


def test_a_graph_written_node_by_node_is_protobufs_encoding(tmp_path: Path) -> None:
    """EXP-ENC-1: the streamed file is byte for byte the deterministic encoding."""
    meta_graph_def = _large_meta_graph_def()
    sizes = streamed_size(meta_graph_def)
    expected = meta_graph_def.SerializeToString(deterministic=True)
    assert sizes == (len(expected), meta_graph_def.graph_def.ByteSize())
    with open(tmp_path / "m.meta", "wb") as stream:
        write_binary(meta_graph_def, sizes[1], stream)
    assert (tmp_path / "m.meta").read_bytes() == expected


def test_an_export_of_large_constants_writes_the_same_file(tmp_path: Path) -> None:
    graph_def = _large_meta_graph_def().graph_def
    returned = metagraph_export.export_meta_graph(
        str(tmp_path / "m.meta"), graph_def=graph_def, clear_devices=True
    )
    written = (tmp_path / "m.meta").read_bytes()
    assert written == returned.SerializeToString(deterministic=True)


def test_small_graphs_and_unknown_fields_are_not_streamed() -> None:
    meta_graph_def = _large_meta_graph_def()
    assert streamed_size(MetaGraphDef()) is None
    with_unknown = MetaGraphDef.FromString(
        meta_graph_def.SerializeToString() + b"\xf8\x07\x01"  # field 127, varint 1
    )
    assert streamed_size(with_unknown) is None


def test_map_sizes_entry_by_entry_equal_byte_size() -> None:
    """The measure used when a map holds a value too large to encode."""
    meta_graph_def = _large_meta_graph_def()
    node = meta_graph_def.graph_def.node[1]
    attr = node.DESCRIPTOR.fields_by_name["attr"]
    node.attr["\u00e9t\u00e9"].s = b"x" * 300  # a non-ASCII key, a 2-byte length
    holder = type(node)()
    holder.attr.MergeFrom(node.attr)
    assert map_size_by_entry(node, attr) == holder.ByteSize()
    collections = meta_graph_def.DESCRIPTOR.fields_by_name["collection_def"]
    collection_holder = MetaGraphDef()
    collection_holder.collection_def.MergeFrom(meta_graph_def.collection_def)
    assert map_size_by_entry(meta_graph_def, collections) == collection_holder.ByteSize()
