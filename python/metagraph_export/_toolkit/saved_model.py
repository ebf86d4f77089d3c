"""Reading a SavedModel directory's ``saved_model.pb`` without TensorFlow:
its meta graphs, their tag sets and signatures.

TensorFlow's loader picks the meta graph whose tag set equals the requested
set (order and repetition aside); so does :meth:`SavedModelInfo.meta_graph`.
The variables and assets beside it are not read.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from .. import _codec
from ..errors import DecodeError, InvalidArgumentError
from ..tf.meta_graph_pb2 import MetaGraphDef, TensorInfo
from ..tf.saved_model_pb2 import SavedModel
from ..tf.types_pb2 import DataType
from ._read import read_bytes

__all__ = ["SavedModelInfo", "Signature", "TensorSpec", "read_saved_model"]

_BINARY, _TEXT = "saved_model.pb", "saved_model.pbtxt"


@dataclass(frozen=True)
class TensorSpec:
    key: str
    name: str
    """The tensor's name in the graph ("x:0"); for a sparse or composite
    tensor, what it is made of."""
    dtype: str
    shape: list[int] | None
    """Dimensions, -1 for unknown ones; None for an unknown rank."""


@dataclass(frozen=True)
class Signature:
    key: str
    method_name: str
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]


@dataclass(frozen=True)
class MetaGraphInfo:
    tags: list[str]
    signatures: list[Signature]
    nodes: int
    functions: int
    tensorflow_version: str


@dataclass(frozen=True)
class SavedModelInfo:
    """A SavedModel's ``saved_model.pb`` (or ``.pbtxt``), read."""

    path: str
    schema_version: int
    meta_graphs: list[MetaGraphInfo]
    saved_model: SavedModel

    def meta_graph(self, tags: list[str] | None = None) -> MetaGraphDef:
        """The meta graph of exactly these tags; without tags, the only one there is."""
        graphs = self.saved_model.meta_graphs
        if tags is None:
            if len(graphs) != 1:
                raise InvalidArgumentError(
                    "tags",
                    f"{self.path} has {len(graphs)} meta graphs, so one must be named by its "
                    f"tags (tag sets: {self._tag_sets()})",
                )
            return graphs[0]
        wanted = set(tags)
        for graph in graphs:
            if set(graph.meta_info_def.tags) == wanted:
                return graph
        raise InvalidArgumentError(
            "tags",
            f"{self.path} has no meta graph tagged {sorted(wanted)} (tag sets: {self._tag_sets()})",
        )

    def _tag_sets(self) -> str:
        return "; ".join(
            ",".join(graph.meta_info_def.tags) or "(none)" for graph in self.saved_model.meta_graphs
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "schema_version": self.schema_version,
            "meta_graphs": [asdict(graph) for graph in self.meta_graphs],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        lines = [f"{self.path}: SavedModel, schema version {self.schema_version}"]
        for graph in self.meta_graphs:
            lines.append(
                f"  tags {', '.join(graph.tags) or '(none)'}: {graph.nodes:,} nodes, "
                f"{graph.functions} functions, tensorflow {graph.tensorflow_version or '-'}"
            )
            for signature in graph.signatures:
                lines.append(f"    signature {signature.key!r} ({signature.method_name})")
                for label, specs in (("input", signature.inputs), ("output", signature.outputs)):
                    for spec in specs:
                        lines.append(f"      {label} {spec.key}: {spec.name} {_show(spec)}")
        return "\n".join(lines)


def _show(spec: TensorSpec) -> str:
    shape = "unknown" if spec.shape is None else f"[{', '.join(map(str, spec.shape))}]"
    return f"{spec.dtype} {shape}"


def read_saved_model(directory: str | os.PathLike[str]) -> SavedModelInfo:
    """Reads the SavedModel in ``directory``; a directory without one, or one
    that does not parse, is a :class:`DecodeError` naming it."""
    path = os.fspath(directory)
    if not os.path.isdir(path):
        raise DecodeError(path, "is not a SavedModel directory")
    binary, text = os.path.join(path, _BINARY), os.path.join(path, _TEXT)
    if os.path.isfile(binary):
        source, fmt = binary, "binary"
    elif os.path.isfile(text):
        source, fmt = text, "text"
    else:
        raise DecodeError(path, f"is not a SavedModel directory (no {_BINARY} or {_TEXT})")
    saved_model = _codec.parse_message(read_bytes(source), SavedModel, source, fmt)
    return SavedModelInfo(
        path=path,
        schema_version=saved_model.saved_model_schema_version,
        meta_graphs=[_meta_graph_info(graph) for graph in saved_model.meta_graphs],
        saved_model=saved_model,
    )


def _meta_graph_info(graph: MetaGraphDef) -> MetaGraphInfo:
    signatures = [
        Signature(
            key=key,
            method_name=signature.method_name,
            inputs=[_spec(k, signature.inputs[k]) for k in sorted(signature.inputs)],
            outputs=[_spec(k, signature.outputs[k]) for k in sorted(signature.outputs)],
        )
        for key, signature in sorted(graph.signature_def.items())
    ]
    return MetaGraphInfo(
        tags=list(graph.meta_info_def.tags),
        signatures=signatures,
        nodes=len(graph.graph_def.node),
        functions=len(graph.graph_def.library.function),
        tensorflow_version=graph.meta_info_def.tensorflow_version,
    )


def _spec(key: str, info: TensorInfo) -> TensorSpec:
    encoding = info.WhichOneof("encoding")
    if encoding == "name":
        name = info.name
    elif encoding == "coo_sparse":
        name = f"sparse({info.coo_sparse.values_tensor_name})"
    else:
        name = f"composite({len(info.composite_tensor.components)} components)"
    shape = info.tensor_shape
    dims = None if shape.unknown_rank else [dim.size for dim in shape.dim]
    dtype = (
        DataType.Name(info.dtype).removeprefix("DT_").lower()
        if info.dtype in DataType.values()
        else str(int(info.dtype))
    )
    return TensorSpec(key, name, dtype, dims)
