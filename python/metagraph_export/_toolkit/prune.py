"""Keeping only what some outputs need: TensorFlow 2.21's
``tf.compat.v1.graph_util.extract_sub_graph``, and its consequences for the
rest of a meta graph.

The graph is cut exactly as TensorFlow cuts it (graph_util_impl.py):

* a node's name and its inputs are reduced to node names by dropping a
  leading "^" or else everything from the first ":" (so "^a" and "a:1" are
  "a", and a node named "b:0" is known as "b");
* a node's colocation constraints (the ``loc:@`` entries of its ``_class``
  attribute) count as inputs, so colocated nodes are kept;
* of nodes of the same name, the last one stands for the name, at its
  position;
* every output must name a node ("x is not in graph" otherwise), the walk
  is a breadth-first search over those inputs from the outputs, and the kept
  nodes come out in their original order;
* an input naming no node of the graph makes TensorFlow fail (a KeyError
  while ordering the kept nodes): here an :class:`InvalidArgumentError`;
* only the function library and the versions of the graph are carried over.

How the rest of the meta graph follows (TensorFlow has no counterpart):

* a collection item that names a node of the graph that was cut is dropped
  (``node_list`` entries by their node name; ``VariableDef`` by its variable,
  ``SaverDef`` by its filename tensor, ``QueueRunnerDef`` by its queue,
  ``CondContextDef``/``WhileContextDef`` by their pivot); items naming no
  node of the graph and lists of numbers are kept; a collection left empty
  by the cut is removed;
* the ``saver_def`` is kept when its filename tensor's node is kept;
* the stripped op list keeps the ops that the kept nodes and the library's
  functions use;
* the rest (meta_info_def otherwise, signatures, assets) is kept as it is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from google.protobuf import message as _message

from ..errors import ArgumentTypeError, InvalidArgumentError
from ..tf.graph_pb2 import GraphDef
from ..tf.meta_graph_pb2 import MetaGraphDef
from . import canonical
from ._read import as_meta_graph

__all__ = ["extract_sub_graph", "prune"]


def node_name(name: str) -> str:
    """TensorFlow's ``graph_util_impl._node_name``."""
    return name[1:] if name.startswith("^") else name.split(":")[0]


def extract_sub_graph(graph_def: GraphDef, outputs: Iterable[str]) -> GraphDef:
    """The subgraph of ``graph_def`` the ``outputs`` (node names) need, as
    ``extract_sub_graph`` returns it. The argument is never changed."""
    if isinstance(outputs, (str, bytes)):
        raise ArgumentTypeError.expected("outputs", "an iterable of node names", outputs)
    targets = list(outputs)
    inputs: dict[str, list[str]] = {}
    nodes: dict[str, int] = {}  # name -> position of the node that stands for it
    for position, node in enumerate(graph_def.node):
        name = node_name(node.name)
        needed = [node_name(text) for text in node.input]
        if "_class" in node.attr:
            needed += [_colocated(entry) for entry in node.attr["_class"].list.s]
        inputs[name] = needed
        nodes[name] = position
    for target in targets:
        if not isinstance(target, str):
            raise ArgumentTypeError.expected("outputs", "node names (str)", target)
        if target not in nodes:
            raise InvalidArgumentError("outputs", f"{target} is not in graph")
    keep: set[str] = set()
    queue = deque(targets)
    while queue:
        name = queue.popleft()
        if name in keep:
            continue
        keep.add(name)
        queue.extend(inputs.get(name, ()))
    missing = sorted(name for name in keep if name not in nodes)
    if missing:
        raise InvalidArgumentError(
            "graph_def", f"the outputs need {missing[0]!r}, which no node of the graph is"
        )
    result = GraphDef()
    result.node.extend(graph_def.node[position] for position in sorted(nodes[n] for n in keep))
    result.library.CopyFrom(graph_def.library)
    result.versions.CopyFrom(graph_def.versions)
    return result


def _colocated(entry: bytes) -> str:
    # TensorFlow decodes the entry as UTF-8 and fails where it is not.
    try:
        text = entry.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgumentError("graph_def", f"a _class entry is not UTF-8: {entry!r}") from None
    return text[5:] if text.startswith("loc:@") else text


def prune(message: object, outputs: Iterable[str]) -> MetaGraphDef:
    """A copy of a meta graph (or graph) with only what ``outputs`` need; see
    the module documentation for how collections, saver and op list follow.
    The argument is never changed."""
    source = as_meta_graph(message, "message")
    graph = extract_sub_graph(source.graph_def, outputs)
    result = MetaGraphDef()
    result.CopyFrom(source)
    result.graph_def.CopyFrom(graph)
    before = {node_name(node.name) for node in source.graph_def.node}
    kept = {node_name(node.name) for node in graph.node}
    cut = before - kept

    def dropped(name: str) -> bool:
        return node_name(name) in cut

    for key in list(result.collection_def):
        collection = result.collection_def[key]
        kind = collection.WhichOneof("kind")
        if kind == "node_list":
            names = collection.node_list.value
            kept_names = [name for name in names if not dropped(name)]
            if len(kept_names) != len(names):
                del names[:]
                names.extend(kept_names)
        elif kind == "bytes_list" and canonical.item_type(key) is not None:
            items = collection.bytes_list.value
            kept_items = [item for item in items if not _item_dropped(key, item, dropped)]
            if len(kept_items) != len(items):
                del items[:]
                items.extend(kept_items)
        else:
            continue
        if not getattr(collection, kind).value:
            # Emptied by the cut: a collection that was empty stays.
            del result.collection_def[key]
    if result.HasField("saver_def") and dropped(result.saver_def.filename_tensor_name):
        result.ClearField("saver_def")
    if result.meta_info_def.stripped_op_list.op:
        used = {node.op for node in graph.node}
        for function in graph.library.function:
            used.update(node.op for node in function.node_def)
        ops = result.meta_info_def.stripped_op_list.op
        remaining_ops = [op for op in ops if op.name in used]
        del ops[:]
        ops.extend(remaining_ops)
    return result


def _item_dropped(key: str, data: bytes, dropped: Callable[[str], bool]) -> bool:
    node = _item_node(key, data)
    return node is not None and dropped(node)


def _item_node(key: str, data: bytes) -> str | None:
    """The node a typed collection item is named after."""
    item: _message.Message | None = canonical.typed_item(key, data)
    if item is None:
        return None
    for field in ("variable_name", "filename_tensor_name", "queue_name", "pivot_name"):
        if field in item.DESCRIPTOR.fields_by_name:
            value = getattr(item, field)
            return value if isinstance(value, str) and value else None
    return None
