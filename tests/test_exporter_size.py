"""The size measure behind the 2 GiB limit (spec EXP-LIMIT), checked against
protobuf's own ByteSize on messages small enough for it."""

from __future__ import annotations

from google.protobuf import text_format
from metagraph_export._exporter import summed_size
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef


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
