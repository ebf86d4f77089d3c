"""Node rewriting for export_scope and clear_devices (spec EXP-SCOPE-8 to EXP-SCOPE-14,
EXP-DEV-1), and the scopes clear_extraneous_savers removes (spec EXP-SAVERS-1 to EXP-SAVERS-4)."""

from __future__ import annotations

from ._scope import Scope, mark_unbound
from .errors import InvalidArgumentError
from .tf.attr_value_pb2 import AttrValue
from .tf.graph_pb2 import GraphDef
from .tf.node_def_pb2 import NodeDef
from .tf.saver_pb2 import SaverDef

_ENTER_OPS = ("Enter", "RefEnter")

SAVE_AND_RESTORE_OPS = frozenset(
    {
        "SaveV2",
        "Save",
        "SaveSlice",
        "LegacySave",
        "LegacySaveSlice",
        "RestoreV2",
        "Restore",
        "RestoreSlice",
        "LegacyRestore",
        "LegacyRestoreSlice",
    }
)


def rewrite_node(
    node: NodeDef, scope: Scope, unbound_inputs: list[str], clear_devices: bool
) -> None:
    """TensorFlow's ``meta_graph._node_def`` applied in place to the exporter's own
    copy of a node (spec EXP-SCOPE-8); fields no rule touches are left as they are."""
    scoped = bool(scope.text)
    source_name = node.name if scoped else ""
    if scoped:
        inputs = node.input
        if inputs:
            prefix = scope.text or ""
            rewritten = []
            for name in inputs:
                if name.lstrip("^").startswith(prefix):
                    rewritten.append(scope.strip(name))
                else:
                    unbound = mark_unbound(name)
                    unbound_inputs.append(unbound)
                    rewritten.append(unbound)
            inputs[:] = rewritten
        node.name = scope.strip(source_name)
    attr = node.attr
    if "_class" in attr:
        source_name = source_name or node.name
        locations: list[bytes] = []
        for entry in attr["_class"].list.s:
            if not scoped:
                locations.append(entry)
                continue
            text = _text(entry, source_name, "_class")
            parts = text.split("@")
            if len(parts) < 2:
                raise InvalidArgumentError(
                    "graph",
                    f"node {source_name!r}: _class entry {text!r} has no '@', "
                    "so it cannot be tested against export_scope",
                )
            if parts[1].startswith(scope.text or ""):
                locations.append(scope.strip(text).encode("utf-8"))
        # Rebuilt as a list of strings alone, as TensorFlow does.
        attr["_class"].CopyFrom(AttrValue(list=AttrValue.ListValue(s=locations)))
    if node.op in _ENTER_OPS and "frame_name" in attr:
        source_name = source_name or node.name
        frame_name = attr["frame_name"].s
        if scoped:
            frame = _text(frame_name, source_name, "frame_name")
            if not frame.startswith(scope.text or ""):
                # TensorFlow fails here, on a variable it never assigned.
                raise InvalidArgumentError(
                    "export_scope",
                    f"node {source_name!r} is in the scope but its frame_name {frame!r} is not",
                )
            frame_name = scope.strip(frame).encode("utf-8")
        # Rebuilt as a plain string value, as TensorFlow does.
        attr["frame_name"].CopyFrom(AttrValue(s=frame_name))
    if clear_devices and node.device:
        node.device = ""


def _text(value: bytes, node: str, attr: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgumentError(
            "graph", f"node {node!r}: attribute {attr!r} holds bytes that are not UTF-8"
        ) from None


def op_name(tensor_name: str, where: str) -> str:
    """TensorFlow's ``tensor.get_op_name``: "^a" and "a:0" name the op "a" (spec EXP-SAVERS-1)."""
    if not tensor_name:
        raise InvalidArgumentError(where, "a tensor name is empty")
    if tensor_name.startswith("^"):
        tensor_name = tensor_name[1:]
    if ":" in tensor_name:
        parts = tensor_name.split(":")
        if len(parts) != 2:
            raise InvalidArgumentError(where, f"tensor name {tensor_name!r} has more than one ':'")
        return parts[0]
    return tensor_name


def name_scope_of(name: str, where: str) -> str:
    """TensorFlow's ``meta_graph._get_scope``: everything before the last "/"
    (spec EXP-SAVERS-2)."""
    if not name:
        raise InvalidArgumentError(where, "a node name is empty")
    if name.startswith("^"):
        name = name[1:]
    return name.rsplit("/", 1)[0] if "/" in name else ""


def extraneous_saver_nodes(graph_def: GraphDef, saver_def: SaverDef | None) -> frozenset[str]:
    """The nodes in the name scopes of save/restore ops that ``saver_def`` does not use
    (spec EXP-SAVERS-4)."""
    nodes: dict[str, str] = {}
    inputs: list[str] = []
    for node in graph_def.node:
        nodes[node.name] = node.op
        inputs.extend(node.input)
    # TensorFlow parses every input here and fails on a malformed one: find it
    # only when there is one.
    if not all(name and name.count(":") < 2 for name in inputs):
        for node in graph_def.node:
            for name in node.input:
                op_name(name, f"graph: input of node {node.name!r}")
    retained: set[str | None] = {None}
    if saver_def is not None:
        save_op = op_name(saver_def.save_tensor_name, "saver_def.save_tensor_name")
        restore_op = op_name(saver_def.restore_op_name, "saver_def.restore_op_name")
        retained = {
            name_scope_of(restore_op, "saver_def.restore_op_name") + "/",
            name_scope_of(save_op, "saver_def.save_tensor_name") + "/",
        }
    saver_nodes = {name for name, op in nodes.items() if op in SAVE_AND_RESTORE_OPS}
    scopes = {name_scope_of(name, "graph") for name in saver_nodes} - saver_nodes
    extraneous = tuple({scope + "/" for scope in scopes} - retained)
    if not extraneous:
        return frozenset()
    return frozenset(name for name in nodes if name.startswith(extraneous))
