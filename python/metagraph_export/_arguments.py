"""``ExportArguments`` messages to and from the keyword arguments of :func:`export`."""

from __future__ import annotations

from typing import Any

from ._codec import as_message
from ._exporter import Diagnostic
from .api.v1.export_pb2 import Diagnostic as DiagnosticProto
from .api.v1.export_pb2 import ExportArguments


def to_kwargs(arguments: object) -> dict[str, Any]:
    """The keyword arguments of :func:`metagraph_export.export` an
    ``ExportArguments`` message stands for."""
    message = as_message(arguments, ExportArguments, "arguments")
    kwargs: dict[str, Any] = {
        "as_text": message.as_text,
        "clear_devices": message.clear_devices,
        "clear_extraneous_savers": message.clear_extraneous_savers,
        "strip_default_attrs": message.strip_default_attrs,
        "save_debug_info": message.save_debug_info,
    }
    if message.HasField("filename"):
        kwargs["filename"] = message.filename
    for name in ("meta_info_def", "graph_def", "saver_def", "graph"):
        if message.HasField(name):
            kwargs[name] = getattr(message, name)
    if message.HasField("collection_list"):
        kwargs["collection_list"] = list(message.collection_list.keys)
    if message.HasField("export_scope"):
        kwargs["export_scope"] = message.export_scope
    if message.HasField("unbound_inputs_col_name"):
        kwargs["unbound_inputs_col_name"] = message.unbound_inputs_col_name or None
    if message.HasField("op_defs"):
        kwargs["op_defs"] = message.op_defs
    return kwargs


def diagnostic_to_proto(diagnostic: Diagnostic) -> DiagnosticProto:
    return DiagnosticProto(
        code=diagnostic.code,
        severity=diagnostic.severity,
        subject=diagnostic.subject,
        message=diagnostic.message,
    )
