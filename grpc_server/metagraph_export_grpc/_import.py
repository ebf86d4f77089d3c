"""One import as the service runs it (spec/import.md): the arguments of an
ImportRequest through the pipeline's ``import_from_proto``, a ``filename``
source read below the output root."""

from __future__ import annotations

import grpc
from metagraph_export import _pipeline
from metagraph_export.errors import InvalidArgumentError
from metagraph_export.service.v1.service_pb2 import ImportRequest, ImportResponse

from ._export import parse
from ._paths import OutputRoot
from ._status import FILENAME_READING_DISABLED, ServiceError


def run_import(request: bytes, output_root: OutputRoot | None) -> ImportResponse:
    """The ImportResponse a serialized ImportRequest asks for; raises
    ExportError or ServiceError."""
    arguments = parse(request, ImportRequest).arguments
    if arguments.WhichOneof("source") == "filename" and output_root is None:
        error = InvalidArgumentError(
            "filename",
            "this server reads no files (it has no output root); send the meta graph "
            "as meta_graph_def",
        )
        raise ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            FILENAME_READING_DISABLED,
            str(error),
            argument="filename",
            error=error,
        )

    def read(filename: str) -> object:
        assert output_root is not None
        return _pipeline.parse_meta_graph(output_root.read(filename), repr(filename))

    result = _pipeline.import_from_proto(arguments, read)
    response = ImportResponse(snapshot=result.snapshot)
    if result.saver_def is not None:
        response.saver_def.CopyFrom(result.saver_def)
    if result.return_elements is not None:
        response.return_elements.SetInParent()
        response.return_elements.names.extend(result.return_elements)
    response.diagnostics.extend(
        _pipeline.import_diagnostic_to_proto(diagnostic) for diagnostic in result.diagnostics
    )
    return response
