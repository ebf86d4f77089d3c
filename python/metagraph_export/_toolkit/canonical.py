"""One encoding per meaning: the form :func:`diff` compares and :func:`content_hash` hashes.

Two meta graphs that :func:`~metagraph_export.diff` calls equal have the same
canonical bytes, and the other way round. The canonical form is the project's
deterministic binary encoding (spec EXP-ENC-1) of a copy in which what carries
no meaning is put in one order:

* graph nodes sorted by name (a graph is a set of named nodes; nodes of the
  same name keep their relative order), library functions by signature name,
  gradients by function name, the stripped op list by op name;
* the serialized items of typed collections (``VariableDef``, ``SaverDef``,
  ``QueueRunnerDef``, and TensorFlow's ``CondContextDef``/``WhileContextDef``,
  whose ``external_values`` map TensorFlow serializes in hash order) parsed and
  re-encoded deterministically; an item that does not parse is kept as it is;
* unless ``include_versions``, ``meta_info_def.tensorflow_version`` and
  ``tensorflow_git_version`` cleared: they name the writer, not the graph;
* an empty ``graph_def.library``, ``graph_def.versions``,
  ``meta_info_def.stripped_op_list`` or ``meta_info_def`` removed: present
  and empty, each means what its absence means.

Order inside a node (inputs), a function body, and a collection's items is
kept: it is part of the meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf import message as _message
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer

from .._collections import TYPED_KEYS
from ..tf.control_flow_pb2 import CondContextDef, WhileContextDef
from ..tf.meta_graph_pb2 import MetaGraphDef
from ..tf.queue_runner_pb2 import QueueRunnerDef
from ..tf.saver_pb2 import SaverDef
from ..tf.variable_pb2 import VariableDef
from ._read import as_meta_graph

M = TypeVar("M", bound=_message.Message)

__all__ = ["canonical_bytes", "canonical_form", "content_hash", "typed_item"]

# The message a typed collection's bytes_list items hold, by item kind.
ITEM_TYPES: dict[str, type[_message.Message]] = {
    "variable": VariableDef,
    "saver": SaverDef,
    "queue_runner": QueueRunnerDef,
    "cond_context": CondContextDef,
    "while_context": WhileContextDef,
}


def item_type(key: str) -> type[_message.Message] | None:
    """The message type serialized in the ``bytes_list`` of collection ``key``, if typed."""
    kind = TYPED_KEYS.get(key)
    return None if kind is None else ITEM_TYPES[kind]


def typed_item(key: str, data: bytes) -> _message.Message | None:
    """The parsed item of a typed collection; None for untyped keys and for
    bytes that are not a valid message of the type."""
    cls = item_type(key)
    if cls is None:
        return None
    item = cls()
    try:
        item.ParseFromString(data)
    except _message.DecodeError:
        return None
    return item


def canonical_form(message: object, *, include_versions: bool = False) -> MetaGraphDef:
    """A canonical copy of a MetaGraphDef (or of a GraphDef, as the graph of an
    otherwise empty MetaGraphDef). The argument is never changed."""
    source = as_meta_graph(message, "message")
    result = MetaGraphDef()
    result.CopyFrom(source)
    graph = result.graph_def
    _sort(graph.node, lambda node: node.name)
    library = graph.library
    _sort(library.function, lambda function: function.signature.name)
    _sort(library.gradient, lambda gradient: (gradient.function_name, gradient.gradient_func))
    _sort(library.registered_gradients, lambda gradient: gradient.registered_op_type)
    _sort(result.meta_info_def.stripped_op_list.op, lambda op: op.name)
    for key, collection in result.collection_def.items():
        if collection.WhichOneof("kind") != "bytes_list" or item_type(key) is None:
            continue
        values = collection.bytes_list.value
        for index, data in enumerate(values):
            item = typed_item(key, data)
            if item is not None:
                values[index] = item.SerializeToString(deterministic=True)
    if not include_versions and source.HasField("meta_info_def"):
        result.meta_info_def.ClearField("tensorflow_version")
        result.meta_info_def.ClearField("tensorflow_git_version")
    # An empty part means what its absence means (no functions, producer 0,
    # no ops), and TensorFlow writes one or the other depending on the path.
    if graph.HasField("library") and not graph.library.ByteSize():
        graph.ClearField("library")
    if graph.HasField("versions") and not graph.versions.ByteSize():
        graph.ClearField("versions")
    info = result.meta_info_def
    if info.HasField("stripped_op_list") and not info.stripped_op_list.ByteSize():
        info.ClearField("stripped_op_list")
    if result.HasField("meta_info_def") and not info.ByteSize():
        result.ClearField("meta_info_def")
    return result


def canonical_bytes(message: object, *, include_versions: bool = False) -> bytes:
    """The canonical encoding: deterministic binary of :func:`canonical_form`."""
    return canonical_form(message, include_versions=include_versions).SerializeToString(
        deterministic=True
    )


def content_hash(message: object, *, include_versions: bool = False) -> str:
    """SHA-256 of :func:`canonical_bytes`, in hex."""
    return hashlib.sha256(canonical_bytes(message, include_versions=include_versions)).hexdigest()


def _sort(field: RepeatedCompositeFieldContainer[M], key: Callable[[M], Any]) -> None:
    """Sorts a repeated message field in place, stably."""
    if len(field) > 1:
        field.sort(key=key)
