"""The exceptions metagraph_export raises.

Every error derives from :class:`ExportError` and carries a ``category``: one of
the error categories of the specification (spec/export.md, EXP-ERR-1), which the
gRPC service and the conformance suite map to status codes and expected
outcomes. Each also derives from the built-in exception a Python caller would
expect (``TypeError`` for a wrong type, ``ValueError`` for a bad value,
``OSError`` for a failed write), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "MAX_MESSAGE_BYTES",
    "ArgumentTypeError",
    "DecodeError",
    "ExportError",
    "GraphTooLargeError",
    "InvalidArgumentError",
    "WriteError",
]


MAX_MESSAGE_BYTES = (1 << 31) - 1
"""The largest message protobuf encodes, and so TensorFlow's limit on a meta
graph (spec EXP-LIMIT-1): the one place this number is written."""


class ExportError(Exception):
    """Base class of every error metagraph_export raises on bad input."""

    category: str = "INTERNAL"


class InvalidArgumentError(ExportError, ValueError):
    """An argument has the right type but a value that cannot be exported."""

    category = "INVALID_ARGUMENT"

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument


class ArgumentTypeError(ExportError, TypeError):
    """An argument is not of the type the API takes."""

    category = "INVALID_ARGUMENT"

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument

    @classmethod
    def expected(cls, argument: str, expected: str, received: object) -> ArgumentTypeError:
        """The error for ``received`` where ``expected`` was wanted."""
        received_name = type(received).__name__
        descriptor = getattr(received, "DESCRIPTOR", None)
        full_name = getattr(descriptor, "full_name", None)
        if isinstance(full_name, str):
            received_name = f"{received_name} ({full_name})"
        return cls(argument, f"must be {expected}, not {received_name}")


class DecodeError(ExportError, ValueError):
    """Input bytes or text are not a valid encoding of the expected message."""

    category = "MALFORMED_INPUT"

    def __init__(self, what: str, message: str) -> None:
        super().__init__(f"{what}: {message}")
        self.what = what


class GraphTooLargeError(ExportError, ValueError):
    """The exported graph reaches protobuf's 2 GiB message limit."""

    category = "GRAPH_TOO_LARGE"

    def __init__(self, size: int) -> None:
        super().__init__(
            f"GraphDef cannot be larger than 2GB: {size} bytes reach the limit of "
            f"{MAX_MESSAGE_BYTES} bytes"
        )
        self.size = size


class WriteError(ExportError, OSError):
    """The meta graph or debug file could not be written; nothing was left behind."""

    category = "WRITE_FAILED"

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"cannot write {path!r}: {message}")
        self.path = path
