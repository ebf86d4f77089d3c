"""The C++ half of an import: TensorFlow 2.21's GraphConstructor on a snapshot.

``TargetGraph`` holds the result snapshot while it is built: it adds the
nodes of a GraphDef in TensorFlow's order with TensorFlow's renaming
(spec/import.md IMP-ORDER, IMP-NAME, IMP-MAP, IMP-NODE, IMP-LIB, IMP-DEV) and
answers the lookups the collections need (``Graph.as_graph_element``).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping, Sequence

from ._registry import OpRegistry
from .errors import InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import Collection, GraphSnapshot
from .tf.attr_value_pb2 import AttrValue
from .tf.function_pb2 import FunctionDef
from .tf.graph_pb2 import GraphDef
from .tf.node_def_pb2 import NodeDef
from .tf.op_def_pb2 import OpDef
from .tf.types_pb2 import DataType

__all__ = ["TargetGraph", "output_count", "parse_tensor_name", "render_tensor"]

_CONTROL = -1
_MERGE_OPS = frozenset({"Merge", "RefMerge", "_XlaMerge"})
_NEXT_ITERATION_OPS = frozenset({"NextIteration", "RefNextIteration"})
_NODE_NAME = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_./-]*(?:>[A-Za-z0-9.][A-Za-z0-9_./-]*)*")
_INDEX = re.compile(r"(.*):([0-9]+)", re.DOTALL)
_DEVICE_TYPES = frozenset({"CPU", "GPU", "TPU", "EPU", "CUSTOM"})
_REF = 100  # DataType offset of reference types


def parse_tensor_name(name: str) -> tuple[str, int]:
    """TensorFlow's ParseTensorName: ``^x`` → (x, -1), ``x:3`` → (x, 3), else (x, 0)."""
    if name.startswith("^"):
        return name[1:], _CONTROL
    match = _INDEX.fullmatch(name)
    if match is not None:
        return match.group(1), int(match.group(2))
    return name, 0


def render_tensor(node: str, index: int) -> str:
    """TensorId::ToString: ``^x`` or ``x:k``, ``:0`` included."""
    return "^" + node if index == _CONTROL else f"{node}:{index}"


def _graph_def_input(name: str) -> str:
    """An input as as_graph_def renders it: ``x`` for output 0."""
    node, index = parse_tensor_name(name)
    return node if index == 0 else render_tensor(node, index)


def _arg_types(node: NodeDef, args: Sequence[OpDef.ArgDef]) -> list[int] | None:
    """The types of a node's inputs or outputs per its OpDef; None if an attribute is missing."""
    types: list[int] = []
    for arg in args:
        try:
            if arg.type_list_attr:
                listed = list(node.attr[arg.type_list_attr].list.type)
            else:
                single = arg.type or node.attr[arg.type_attr].type
                count = node.attr[arg.number_attr].i if arg.number_attr else 1
                listed = [single] * count
        except KeyError:
            return None
        types.extend(t + _REF if arg.is_ref else t for t in listed)
    return types


# AttrDef.type -> the AttrValue field (or list field) that holds it.
_ATTR_FIELDS = {
    "string": "s",
    "int": "i",
    "float": "f",
    "bool": "b",
    "type": "type",
    "shape": "shape",
    "tensor": "tensor",
    "func": "func",
}
_LIST_FIELDS = ("s", "i", "f", "b", "type", "shape", "tensor", "func")
_DATA_TYPES = frozenset(DataType.values()) - {0}


def _attr_problem(value: AttrValue, attr_def: OpDef.AttrDef) -> str | None:
    """ValidateAttrValue: the value's kind, its minimum and allowed values (IMP-NODE-5)."""
    kind = attr_def.type
    listed = kind.startswith("list(") and kind.endswith(")")
    field = _ATTR_FIELDS.get(kind[5:-1] if listed else kind)
    if field is None:
        return None
    case = value.WhichOneof("value")
    if case == "placeholder":
        return None
    if listed:
        if case != "list":
            return f"AttrValue missing value with expected type {kind!r}"
        others = [f for f in _LIST_FIELDS if f != field and len(getattr(value.list, f))]
        if others:
            return f"AttrValue had value with type 'list({others[0]})' when {kind!r} expected"
        items = list(getattr(value.list, field))
    else:
        if case is None or case == "list":
            return f"AttrValue missing value with expected type {kind!r}"
        if case != field:
            return f"AttrValue had value with type {case!r} when {kind!r} expected"
        items = [getattr(value, case)]
    if field == "type" and any(item not in _DATA_TYPES for item in items):
        return "AttrValue has invalid DataType"
    if attr_def.has_minimum:
        size = value.i if kind == "int" else len(items)
        if listed or kind == "int":
            if size < attr_def.minimum:
                return f"value {size} is less than the minimum {attr_def.minimum}"
    if attr_def.HasField("allowed_values") and field in ("type", "s"):
        allowed = list(getattr(attr_def.allowed_values.list, field))
        for item in items:
            if item not in allowed:
                return f"value {item!r} is not in the list of allowed values"
    return None


def output_count(node: NodeDef, op_def: OpDef) -> int | None:
    types = _arg_types(node, op_def.output_arg)
    return None if types is None else len(types)


def _prefixes(name: str) -> list[str]:
    return [name[:i] for i, char in enumerate(name) if char == "/"]


def canonical_device(device: str) -> str:
    """DeviceSpec.from_string(device).to_string() (IMP-DEV-3)."""
    if not device:
        return ""
    job = replica = task = device_type = index = None
    for part in device.split("/"):
        fields = part.split(":")
        count = len(fields)
        if count == 2 and fields[0] == "job":
            job = fields[1]
        elif count == 2 and fields[0] in ("replica", "task"):
            value = _int(fields[1], device)
            if fields[0] == "replica":
                replica = value
            else:
                task = value
        elif count in (1, 2) and fields[0].upper() in _DEVICE_TYPES:
            if device_type is not None:
                raise _bad_device(device, "multiple device types")
            device_type = fields[0].upper()
            if count == 2 and fields[1] != "*":
                index = _int(fields[1], device)
        elif count == 3 and fields[0] == "device":
            if device_type is not None:
                raise _bad_device(device, "multiple device types")
            device_type = fields[1]
            if fields[2] != "*":
                index = _int(fields[2], device)
        elif fields[0] != "":
            raise _bad_device(device, f"unknown attribute {fields[0]!r}")
    parts = []
    if job is not None:
        parts.append("/job:" + job)
    if replica is not None:
        parts.append(f"/replica:{replica}")
    if task is not None:
        parts.append(f"/task:{task}")
    if device_type is not None:
        parts.append(f"/device:{device_type}:{'*' if index is None else index}")
    return "".join(parts)


def _int(text: str, device: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _bad_device(device, f"{text!r} is not an integer") from None


def _bad_device(device: str, reason: str) -> InvalidArgumentError:
    return InvalidArgumentError("device", f"cannot parse device spec {device!r}: {reason}")


def _invalid(message: str) -> InvalidArgumentError:
    return InvalidArgumentError("meta_graph_or_file", message)


class TargetGraph:
    """The result snapshot while an import builds it."""

    def __init__(self, snapshot: GraphSnapshot, registry: OpRegistry) -> None:
        self.snapshot = snapshot
        self._registry = registry
        self._nodes: dict[str, NodeDef] = {}
        for node in snapshot.graph_def.node:
            self._nodes.setdefault(node.name, node)
        self.unknown_attrs: list[tuple[str, str]] = []
        """(node, attribute) pairs the node's OpDef does not name (IMP-NODE-5)."""
        self._collections: dict[str, Collection] = {}
        for collection in snapshot.collections:
            self._collections.setdefault(collection.key, collection)

    # Lookups.

    def output_count(self, name: str) -> int | None:
        shapes = self.snapshot.output_shapes.get(name)
        node = self._nodes[name]
        op_def = self._registry.get(node.op)
        if op_def is not None:
            count = output_count(node, op_def)
            if count is not None:
                return count
        if shapes is not None:
            return len(shapes.shape)
        function = next(
            (f for f in self.snapshot.graph_def.library.function if f.signature.name == node.op),
            None,
        )
        return None if function is None else len(function.signature.output_arg)

    def element_name(self, name: str) -> str:
        """Graph.as_graph_element(name).name, failing as TensorFlow does."""
        if ":" in name:
            op_name, _, index_text = name.partition(":")
            try:
                if ":" in index_text:
                    raise ValueError
                index = int(index_text)
            except ValueError:
                raise _invalid(
                    f"the name {name!r} looks like a tensor name, but is not a valid one"
                ) from None
            if op_name not in self._nodes:
                raise _invalid(
                    f"the name {name!r} refers to a tensor of an operation not in the graph"
                )
            count = self.output_count(op_name) or 0
            if not -count <= index < count:
                raise _invalid(f"the name {name!r} refers to a tensor which does not exist")
            return f"{op_name}:{index % count}"
        if name not in self._nodes:
            raise _invalid(f"the name {name!r} refers to an operation not in the graph")
        return name

    def set_loop_frame(self, tensor_name: str, frame_name: str) -> None:
        """What WhileContext._init_from_proto does to the Enter op of a value
        after a scoped import: its frame_name becomes the context's name."""
        if ":" not in tensor_name:
            raise _invalid(f"while context value {tensor_name!r} is not a tensor name")
        node = self._nodes[self.element_name(tensor_name).partition(":")[0]]
        if node.op in ("Enter", "RefEnter"):
            node.attr["frame_name"].CopyFrom(AttrValue(s=frame_name.encode("utf-8")))

    def collection(self, key: str) -> Collection:
        collection = self._collections.get(key)
        if collection is None:
            collection = self._collections[key] = Collection(key=key)
        return collection

    def finish(self) -> None:
        """Appends the collections created by the import, in creation order (IMP-COLL-3)."""
        existing = {collection.key for collection in self.snapshot.collections}
        for key, collection in self._collections.items():
            if key not in existing and collection.items:
                self.snapshot.collections.append(collection)

    # The import (IMP-ALGO-1 steps 8 to 11).

    def import_graph_def(
        self,
        graph_def: GraphDef,
        prefix: str,
        input_map: Mapping[str, str],
        return_elements: Sequence[str] | None,
    ) -> list[str] | None:
        nodes = list(graph_def.node)
        mapping = self._input_map(input_map)
        existing = set(self._nodes)
        for name in list(existing):
            existing.update(_prefixes(name))
        index = self._index(nodes)
        gdef_names = set(index)
        for name in index:
            gdef_names.update(_prefixes(name))

        self._merge_library(graph_def)
        order = self._order(nodes, index, mapping)

        imported: dict[str, NodeDef] = {}  # original name -> new node
        renamed: dict[str, str] = {}
        used_keys: set[tuple[str, int]] = set()
        raw_inputs: dict[str, list[str]] = {}
        remapped_inputs: dict[str, list[bool]] = {}
        new_nodes: list[NodeDef] = []
        for position in order:
            node = NodeDef()
            node.CopyFrom(nodes[position])
            original = node.name
            remapped = self._remap(node, mapping, used_keys)
            self._check_colocation(node, index)
            for i, name in enumerate(node.input):
                if remapped[i]:
                    continue
                source, _ = parse_tensor_name(name)
                if source not in imported and node.op not in _MERGE_OPS:
                    raise _invalid(
                        f"node {original!r} had a back edge, but only Merge nodes can have them"
                    )
            self._prefix(node, prefix, remapped)
            if node.name in existing:
                # Keyed by the prefixed name, as the inputs now are.
                new_name = self._unique(node.name, existing, gdef_names)
                renamed[node.name] = new_name
                node.name = new_name
            for i, name in enumerate(node.input):
                if remapped[i]:
                    continue
                source, slot = parse_tensor_name(name)
                if source in renamed:
                    node.input[i] = render_tensor(renamed[source], slot)
            self._validate(node, original, graph_def)
            imported[original] = node
            new_nodes.append(node)
            raw_inputs[node.name] = list(node.input)
            remapped_inputs[node.name] = remapped

        self._resolve_back_edges(new_nodes, remapped_inputs, renamed)
        by_new_name = {node.name: node for node in new_nodes}
        for node in new_nodes:
            self._check_edges(node, by_new_name)
        self._merge_versions(graph_def)
        returned = self._return_elements(return_elements, mapping, imported)
        self._rename_colocations(new_nodes, renamed)
        # On a copy: a failure after this point leaves the caller's snapshot as it was.
        self._add_nodes(new_nodes, raw_inputs)
        self._check_unused_keys(mapping, used_keys, nodes, index)
        return returned

    def _input_map(self, input_map: Mapping[str, str]) -> dict[tuple[str, int], tuple[str, int]]:
        """IMP-MAP-1, IMP-MAP-2: keys parsed, values resolved in the target."""
        mapping: dict[tuple[str, int], tuple[str, int]] = {}
        for key, value in input_map.items():
            # Two keys of one tensor ("x", "x:0"): the later one wins, as in
            # TensorFlow's std::map of options.
            source = parse_tensor_name(key)
            if key.startswith("^"):
                op_name = value.lstrip("^").partition(":")[0]
                if op_name not in self._nodes:
                    raise InvalidArgumentError("input_map", f"{value!r} is not in the graph")
                mapping[source] = (op_name, _CONTROL)
            else:
                try:
                    name = self.element_name(value if ":" in value else value + ":0")
                except InvalidArgumentError:
                    raise InvalidArgumentError(
                        "input_map", f"{value!r} is not a tensor of the graph"
                    ) from None
                op_name, _, index = name.partition(":")
                mapping[source] = (op_name, int(index))
        return mapping

    def _index(self, nodes: list[NodeDef]) -> dict[str, int]:
        """BuildNodeIndex (IMP-NODE-3)."""
        index: dict[str, int] = {}
        for position, node in enumerate(nodes):
            if not _NODE_NAME.fullmatch(node.name):
                raise _invalid(f"node {node.name!r}: node name contains invalid characters")
            if node.name in index:
                raise _invalid(f"node {node.name!r} is not unique")
            if not node.op:
                raise _invalid(f"node {node.name!r} does not specify an operation")
            in_control = False
            for name in node.input:
                if name.startswith("^"):
                    in_control = True
                elif in_control:
                    raise _invalid(
                        f"node {node.name!r}: control inputs must come after data inputs"
                    )
            index[node.name] = position
        return index

    def _order(
        self,
        nodes: list[NodeDef],
        index: dict[str, int],
        mapping: dict[tuple[str, int], tuple[str, int]],
    ) -> list[int]:
        """InitFromEdges and Convert's ready set: smallest index first (IMP-ORDER)."""
        next_iterations = {node.name for node in nodes if node.op in _NEXT_ITERATION_OPS}
        outputs: list[list[int]] = [[] for _ in nodes]
        pending: list[int] = []
        ready: list[int] = []
        for position, node in enumerate(nodes):
            count = len(node.input)
            if node.op in _MERGE_OPS:
                controls = sum(1 for name in node.input if name.startswith("^"))
                if any(
                    not name.startswith("^") and parse_tensor_name(name)[0] in next_iterations
                    for name in node.input
                ):
                    count = controls + 1
            for name in node.input:
                key = parse_tensor_name(name)
                if key in mapping:
                    count -= 1
                    continue
                source = index.get(key[0])
                if source is None:
                    raise _invalid(f"node {node.name!r}: unknown input node {name!r}")
                outputs[source].append(position)
            pending.append(count)
            if count == 0:
                ready.append(position)
        heapq.heapify(ready)
        order: list[int] = []
        while ready:
            position = heapq.heappop(ready)
            order.append(position)
            from_next = nodes[position].op in _NEXT_ITERATION_OPS
            for target in outputs[position]:
                if from_next and nodes[target].op in _MERGE_OPS:
                    continue
                if pending[target] <= 0:
                    continue
                pending[target] -= 1
                if pending[target] == 0:
                    heapq.heappush(ready, target)
        if len(order) < len(nodes):
            raise _invalid(f"{len(nodes) - len(order)} nodes in a cycle")
        return order

    def _remap(
        self,
        node: NodeDef,
        mapping: dict[tuple[str, int], tuple[str, int]],
        used_keys: set[tuple[str, int]],
    ) -> list[bool]:
        """RemapNodeDefInputs (IMP-MAP-3)."""
        remapped = [False] * len(node.input)
        if not mapping:
            return remapped
        controls: set[tuple[str, int]] = set()
        keep: list[int] = []
        for i, name in enumerate(node.input):
            key = parse_tensor_name(name)
            target = mapping.get(key)
            if target is None:
                keep.append(i)
                continue
            used_keys.add(key)
            if target[1] == _CONTROL:
                if target in controls:
                    continue
                controls.add(target)
            node.input[i] = render_tensor(*target)
            remapped[i] = True
            keep.append(i)
        if len(keep) < len(node.input):
            inputs = [node.input[i] for i in keep]
            del node.input[:]
            node.input.extend(inputs)
            remapped = [remapped[i] for i in keep]
        return remapped

    def _check_colocation(self, node: NodeDef, index: dict[str, int]) -> None:
        """ValidateColocationConstraints (IMP-NAME-6)."""
        value = node.attr.get("_class")
        if value is None:
            return
        for entry in value.list.s:
            text = entry.decode("utf-8", "surrogateescape")
            if text.startswith("loc:@") and text[5:] not in index:
                raise _invalid(
                    f"node {node.name!r} expects to be colocated with unknown node {text[5:]!r}"
                )

    @staticmethod
    def _prefix(node: NodeDef, prefix: str, remapped: list[bool]) -> None:
        """AddPrefixToNodeDef (IMP-NAME-2)."""
        if not prefix:
            return
        node.name = prefix + node.name
        for i, name in enumerate(node.input):
            if remapped[i]:
                continue
            node.input[i] = "^" + prefix + name[1:] if name.startswith("^") else prefix + name
        value = node.attr.get("_class")
        if value is not None:
            entries = list(value.list.s)
            for i, entry in enumerate(entries):
                if entry.startswith(b"loc:@"):
                    value.list.s[i] = b"loc:@" + prefix.encode("utf-8") + entry[5:]

    @staticmethod
    def _unique(name: str, existing: set[str], gdef_names: set[str]) -> str:
        """FindUniqueName (IMP-NAME-3)."""
        count = 0
        candidate = name
        while candidate in existing or (count > 0 and candidate in gdef_names):
            count += 1
            candidate = f"{name}_{count}"
        return candidate

    def _validate(self, node: NodeDef, original: str, graph_def: GraphDef) -> None:
        """ModifyNodeDefForImport and ValidateShape (IMP-NODE-4 to IMP-NODE-6, IMP-VER-2)."""
        op_def = self._registry.get(node.op)
        if op_def is None:
            function = self._function(node.op)
            if function is None:
                raise _invalid(f"op type not registered {node.op!r} (node {node.name!r})")
            op_def = function.signature
        for attr_def in op_def.attr:
            if attr_def.name not in node.attr:
                if attr_def.HasField("default_value"):
                    node.attr[attr_def.name].CopyFrom(attr_def.default_value)
                else:
                    raise _invalid(
                        f"node {node.name!r}: NodeDef missing attr {attr_def.name!r} of {node.op!r}"
                    )
        for attr_def in op_def.attr:
            problem = _attr_problem(node.attr[attr_def.name], attr_def)
            if problem is not None:
                raise _invalid(f"node {node.name!r}: {problem} for attr {attr_def.name!r}")
        known = {attr.name for attr in op_def.attr}
        for key in sorted(node.attr):
            if key not in known and not key.startswith("_"):
                # TensorFlow logs it and keeps the attribute.
                self.unknown_attrs.append((node.name, key))
        inputs = _arg_types(node, op_def.input_arg)
        data_inputs = [name for name in node.input if not name.startswith("^")]
        if inputs is not None and len(inputs) != len(data_inputs):
            raise _invalid(
                f"node {node.name!r}: op {node.op!r} expects {len(inputs)} inputs, "
                f"{len(data_inputs)} given"
            )
        if (
            op_def.HasField("deprecation")
            and op_def.deprecation.version <= graph_def.versions.producer
        ):
            raise _invalid(
                f"op {node.op!r} is not available in GraphDef version "
                f"{graph_def.versions.producer}: {op_def.deprecation.explanation}"
            )
        shapes = node.attr.get("_output_shapes")
        if shapes is not None:
            count = output_count(node, op_def) or 0
            if len(shapes.list.shape) < count:
                raise _invalid(
                    f"node {node.name!r} has {count} outputs but the _output_shapes attribute "
                    f"specifies shapes for {len(shapes.list.shape)} outputs"
                )
            entry = self.snapshot.output_shapes[node.name]
            entry.shape.extend(shapes.list.shape[:count])
            if not count:
                del self.snapshot.output_shapes[node.name]
            del node.attr["_output_shapes"]

    def _function(self, name: str) -> FunctionDef | None:
        return next(
            (f for f in self.snapshot.graph_def.library.function if f.signature.name == name), None
        )

    def _types(self, node: NodeDef, outputs: bool) -> list[int] | None:
        op_def = self._registry.get(node.op)
        if op_def is None:
            return None
        return _arg_types(node, op_def.output_arg if outputs else op_def.input_arg)

    def _check_edges(self, node: NodeDef, new_names: dict[str, NodeDef]) -> None:
        """MakeEdge's output-index and type checks (IMP-NODE-7, IMP-NODE-8)."""
        inputs = self._types(node, outputs=False)
        data = [name for name in node.input if not name.startswith("^")]
        for position, name in enumerate(data):
            source_name, slot = parse_tensor_name(name)
            source = new_names.get(source_name) or self._nodes.get(source_name)
            if source is None:
                continue
            outputs = self._types(source, outputs=True)
            if outputs is None:
                continue
            if slot >= len(outputs):
                raise _invalid(
                    f"node {node.name!r}: connecting to invalid output {slot} of source node "
                    f"{source_name} which has {len(outputs)} outputs"
                )
            if inputs is not None and position < len(inputs):
                wanted, given = inputs[position], outputs[slot]
                if wanted != given and wanted != (given - _REF if given > _REF else given):
                    raise _invalid(
                        f"input {position} of node {node.name!r} was passed type {given} from "
                        f"{source_name}:{slot} incompatible with expected type {wanted}"
                    )

    def _merge_library(self, graph_def: GraphDef) -> None:
        """AddFunctionLibrary (IMP-LIB-1)."""
        library = self.snapshot.graph_def.library
        functions = {f.signature.name: f for f in library.function}
        for function in graph_def.library.function:
            name = function.signature.name
            present = functions.get(name)
            if present is None:
                library.function.add().CopyFrom(function)
                functions[name] = function
            elif present != function:
                raise _invalid(
                    f"cannot add function {name!r} because a different function with the same "
                    "name already exists"
                )
        gradients = {g.function_name: g.gradient_func for g in library.gradient}
        for gradient in graph_def.library.gradient:
            present_gradient = gradients.get(gradient.function_name)
            if present_gradient is None:
                library.gradient.add().CopyFrom(gradient)
                gradients[gradient.function_name] = gradient.gradient_func
            elif present_gradient != gradient.gradient_func:
                raise _invalid(
                    f"cannot assign gradient function {gradient.gradient_func!r} to "
                    f"{gradient.function_name!r}: it already has {present_gradient!r}"
                )

    def _merge_versions(self, graph_def: GraphDef) -> None:
        """UpdateVersionDef (IMP-LIB-3)."""
        versions = self.snapshot.graph_def.versions
        imported = graph_def.versions
        versions.producer = min(versions.producer, imported.producer)
        versions.min_consumer = max(versions.min_consumer, imported.min_consumer)
        if imported.bad_consumers:
            bad = sorted(set(versions.bad_consumers) | set(imported.bad_consumers))
            del versions.bad_consumers[:]
            versions.bad_consumers.extend(bad)

    def _return_elements(
        self,
        requested: Sequence[str] | None,
        mapping: dict[tuple[str, int], tuple[str, int]],
        imported: dict[str, NodeDef],
    ) -> list[str] | None:
        """PopulateReturnTensors, PopulateReturnNodes (IMP-RET)."""
        if requested is None:
            return None
        result: list[str] = []
        for name in requested:
            if ":" not in name:
                node = imported.get(name)
                if node is None:
                    raise _invalid(f"requested return node {name!r} not found in graph def")
                result.append(node.name)
                continue
            key = parse_tensor_name(name)
            if key in mapping:
                target, slot = mapping[key]
                result.append(f"{target}:{slot}")
                continue
            node = imported.get(key[0])
            if node is None:
                raise _invalid(f"requested return tensor {name!r} not found in graph def")
            op_def = self._registry.get(node.op)
            count = (output_count(node, op_def) if op_def is not None else None) or 0
            if not 0 <= key[1] < count:
                raise _invalid(
                    f"invalid return output {key[1]} of {key[0]!r}, which has {count} output(s)"
                )
            result.append(f"{node.name}:{key[1]}")
        return result

    @staticmethod
    def _rename_colocations(nodes: list[NodeDef], renamed: dict[str, str]) -> None:
        """UpdateUniquifiedColocationNames (IMP-NAME-5); keys are prefixed names."""
        if not renamed:
            return
        by_prefixed = renamed
        for node in nodes:
            value = node.attr.get("_class")
            if value is None:
                continue
            for i, entry in enumerate(list(value.list.s)):
                if entry.startswith(b"loc:@"):
                    new = by_prefixed.get(entry[5:].decode("utf-8", "surrogateescape"))
                    if new is not None:
                        value.list.s[i] = b"loc:@" + new.encode("utf-8")

    def _check_unused_keys(
        self,
        mapping: dict[tuple[str, int], tuple[str, int]],
        used_keys: set[tuple[str, int]],
        nodes: list[NodeDef],
        index: dict[str, int],
    ) -> None:
        """PopulateMissingUnusedInputMapKeys and importer's check (IMP-MAP-5)."""
        missing = []
        for key in sorted(mapping):
            if key in used_keys:
                continue
            position = index.get(key[0])
            if position is None:
                missing.append(render_tensor(*key))
                continue
            node = nodes[position]
            op_def = self._registry.get(node.op)
            count = (output_count(node, op_def) if op_def is not None else None) or 0
            if key[1] >= count:
                missing.append(render_tensor(*key))
        if missing:
            raise InvalidArgumentError(
                "input_map",
                f"attempted to map inputs that were not found in graph_def: [{', '.join(missing)}]",
            )

    @staticmethod
    def _resolve_back_edges(
        nodes: list[NodeDef], remapped: dict[str, list[bool]], renamed: dict[str, str]
    ) -> None:
        """A back edge names its source before that was renamed; the graph's edge,
        which as_graph_def renders, points at the renamed node (IMP-RESULT-1).
        A new name is never an old one (IMP-NAME-3), so forward edges stay."""
        if not renamed:
            return
        for node in nodes:
            flags = remapped[node.name]
            for i, name in enumerate(node.input):
                if flags[i]:
                    continue
                source, slot = parse_tensor_name(name)
                if source in renamed:
                    node.input[i] = render_tensor(renamed[source], slot)

    def _add_nodes(self, nodes: list[NodeDef], raw_inputs: dict[str, list[str]]) -> None:
        """The nodes as as_graph_def renders them (IMP-RESULT-1, -2), devices (IMP-DEV-2)."""
        for node in nodes:
            self._nodes[node.name] = node
        colocated: list[tuple[NodeDef, list[str]]] = []
        for node in nodes:
            device, node.device = node.device, ""
            value = node.attr.get("_class")
            names = []
            if value is not None:
                for entry in value.list.s:
                    text = entry.decode("utf-8", "surrogateescape")
                    if text.startswith("loc:@") and text[5:] != node.name:
                        names.append(text[5:])
            if names:
                colocated.append((node, names))
            else:
                node.device = canonical_device(device)
        for node, names in colocated:
            for name in names:
                target = self._nodes.get(name)
                if target is not None and target.device:
                    node.device = canonical_device(target.device)
                    break
        graph = self.snapshot.graph_def
        for node in nodes:
            data = [name for name in node.input if not name.startswith("^")]
            controls = sorted({name for name in node.input if name.startswith("^")})
            rendered = [_graph_def_input(name) for name in data] + controls
            raw = raw_inputs[node.name]
            if raw != rendered:
                self.snapshot.operation_inputs[node.name].input.extend(raw)
            del node.input[:]
            node.input.extend(rendered)
            added = graph.node.add()
            added.CopyFrom(node)
            self._nodes[node.name] = added
