"""Backends: the implementations the runner can test.

``python``        the reference, in this process
``exec:PROGRAM``  any program speaking the stdin/stdout protocol
                  (proto/metagraph_export/conformance/v1/protocol.proto)
``grpc://HOST:PORT``  any server of the project's gRPC service
``tensorflow``    TensorFlow 2.21 itself, in the TensorFlow environment
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.api.v1.import_pb2 import ImportArguments
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.saver_pb2 import SaverDef

# What a backend may be able to do beyond the plain call (see the tags in
# case.proto): write into the runner's sandbox, and take an input larger
# than one serialized message.
FILESYSTEM = "filesystem"
SYNTHESIZED = "synthesized"
# import_meta_graph (spec/import.md): the cases of the Import area.
IMPORT = "import"


class BackendError(Exception):
    """A backend cannot be started or used at all (not a case failure)."""


@dataclass(frozen=True)
class Call:
    """One export to perform."""

    case_id: str
    sandbox: Path
    """An existing, absolute directory; relative filenames resolve against it."""
    arguments: ExportArguments | None
    """The arguments as the case gives them (``filename`` relative), or None
    when the case gives raw bytes."""
    raw_arguments: bytes | None = None
    """The bytes to parse as ExportArguments, for malformed-input cases."""
    too_large_to_serialize: bool = False
    import_arguments: ImportArguments | None = None
    """An import case's arguments (a ``filename`` source relative)."""
    raw_import_arguments: bytes | None = None
    """The bytes to parse as ImportArguments, for malformed-input import cases."""

    @property
    def is_import(self) -> bool:
        return self.import_arguments is not None or self.raw_import_arguments is not None

    def localized_import(self) -> ImportArguments:
        """The import arguments with a ``filename`` source made absolute inside the sandbox."""
        assert self.import_arguments is not None
        arguments = ImportArguments()
        arguments.CopyFrom(self.import_arguments)
        if arguments.WhichOneof("source") == "filename" and arguments.filename:
            if not os.path.isabs(arguments.filename):
                arguments.filename = os.path.join(self.sandbox, arguments.filename)
        return arguments

    def serialized_import(self) -> bytes:
        """The serialized ImportArguments to send (a ``filename`` source absolute)."""
        if self.raw_import_arguments is not None:
            return self.raw_import_arguments
        return self.localized_import().SerializeToString(deterministic=True)

    def localized(self) -> ExportArguments:
        """The arguments with ``filename`` made absolute inside the sandbox."""
        assert self.arguments is not None
        arguments = ExportArguments()
        arguments.CopyFrom(self.arguments)
        localize(arguments, self.sandbox)
        return arguments

    def serialized(self) -> bytes:
        """The serialized ExportArguments to send (``filename`` absolute).

        Raw bytes are sent as they are, unless they parse and name a relative
        filename: then that is made absolute, the rest (unknown fields
        included) kept."""
        if self.raw_arguments is not None:
            parsed = ExportArguments()
            try:
                parsed.ParseFromString(self.raw_arguments)
            except Exception:
                return self.raw_arguments
            if not (parsed.HasField("filename") and parsed.filename):
                return self.raw_arguments
            localize(parsed, self.sandbox)
            return parsed.SerializeToString()
        return self.localized().SerializeToString(deterministic=True)


def localize(arguments: ExportArguments, sandbox: Path) -> None:
    """Makes a relative, non-empty ``filename`` absolute inside ``sandbox``.
    An empty filename stays empty: it means "write nothing"."""
    if arguments.HasField("filename") and arguments.filename:
        if not os.path.isabs(arguments.filename):
            arguments.filename = os.path.join(sandbox, arguments.filename)


@dataclass(frozen=True)
class Exported:
    """The call returned."""

    meta_graph_def: MetaGraphDef
    diagnostics: tuple[tuple[str, str], ...] = ()
    """(code, subject) of each diagnostic, in the order reported."""
    files: dict[str, bytes] | None = None
    """Every file of the sandbox after the call, by path relative to it;
    None when the backend wrote into the runner's sandbox itself."""
    reports_diagnostics: bool = True


@dataclass(frozen=True)
class Imported:
    """The import returned."""

    snapshot: GraphSnapshot
    saver_def: SaverDef | None
    return_elements: tuple[str, ...] | None
    diagnostics: tuple[tuple[str, str], ...] = ()
    """(code, subject) of each diagnostic, in the order reported."""


@dataclass(frozen=True)
class Failed:
    """The call failed with an error of the specification."""

    category: str
    message: str
    files: dict[str, bytes] | None = field(default=None)


@dataclass(frozen=True)
class Broken:
    """The backend could not run the call (a crash, a timeout, a bug)."""

    reason: str


Outcome = Exported | Imported | Failed | Broken


class Backend(ABC):
    """An implementation under test."""

    name: str = "?"
    capabilities: frozenset[str] = frozenset({FILESYSTEM})

    def start(self) -> str:
        """Prepares the backend; returns a description of the implementation."""
        return self.name

    @abstractmethod
    def run(self, call: Call) -> Outcome: ...

    def close(self) -> None:  # noqa: B027  (most backends hold nothing)
        """Releases the backend's resources."""

    def skip_reason(self, case_id: str) -> str | None:
        """Why this backend cannot run a case at all, or None."""
        return None

    def import_skip_reason(self) -> str:
        """Why the import cases are skipped, for a backend without IMPORT."""
        return f"{self.name} does not implement import_meta_graph"


def make_backend(spec: str, timeout: float) -> Backend:
    """The backend named by ``--backend``."""
    if spec in ("python", "native"):
        from .python import PythonBackend

        return PythonBackend(native=spec == "native")
    if spec.startswith("exec:"):
        from .exec import ExecBackend

        command = spec[len("exec:") :]
        if not command.strip():
            raise BackendError("exec: needs a program, e.g. exec:./my-testee")
        return ExecBackend(command, timeout)
    if spec.startswith("grpc://"):
        from .grpc import GrpcBackend

        return GrpcBackend(spec[len("grpc://") :], timeout)
    if spec == "tensorflow":
        from .tensorflow import TensorFlowBackend

        return TensorFlowBackend()
    raise BackendError(
        f"unknown backend {spec!r}: expected python, native, tensorflow, exec:PROGRAM or "
        "grpc://HOST:PORT"
    )
