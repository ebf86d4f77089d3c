"""Any program speaking the conformance protocol over stdin and stdout.

Messages both ways are a 4-byte little-endian length and a serialized
TesteeRequest or TesteeResponse (protocol.proto). The program is started once,
greeted with a hello, then given one case at a time; if it crashes or does not
answer in time, the case fails and the program is started again.
"""

from __future__ import annotations

import collections
import os
import queue
import shlex
import struct
import subprocess
import threading
from typing import IO

from google.protobuf import message as _message
from metagraph_export.conformance.v1.case_pb2 import ErrorCategory
from metagraph_export.conformance.v1.protocol_pb2 import (
    PROTOCOL_VERSION_1,
    Hello,
    RunCase,
    TesteeRequest,
    TesteeResponse,
)

from .. import __version__
from . import (
    FILESYSTEM,
    IMPORT,
    Backend,
    BackendError,
    Broken,
    Call,
    Exported,
    Failed,
    Imported,
    Outcome,
)

_HEADER = struct.Struct("<I")
_STDERR_LINES = 40
_HELLO_TIMEOUT = 60.0


class _ProgramExited(Exception):
    pass


def write_frame(stream: IO[bytes], data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame, or None at the end of the stream."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    body = _read_exactly(stream, length)
    if body is None:
        raise EOFError(f"the stream ended inside a {length}-byte message")
    return body


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if remaining == size and size:
                return None
            if remaining == size:
                return b""
            raise EOFError(f"the stream ended {remaining} bytes short")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class _Process:
    """One run of the program, with threads draining its stdout and stderr."""

    def __init__(self, command: list[str]) -> None:
        try:
            self.popen = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        except OSError as error:
            raise BackendError(f"cannot start {shlex.join(command)}: {error}") from None
        self.responses: queue.Queue[bytes | Exception | None] = queue.Queue()
        self.stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.popen.stdout is not None
        try:
            while True:
                frame = read_frame(self.popen.stdout)
                self.responses.put(frame)
                if frame is None:
                    return
        except Exception as error:
            self.responses.put(error)

    def _read_stderr(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.stderr.append(line.decode("utf-8", errors="replace").rstrip("\n"))

    def ask(self, request: TesteeRequest, timeout: float) -> TesteeResponse:
        assert self.popen.stdin is not None
        try:
            write_frame(self.popen.stdin, request.SerializeToString())
        except (BrokenPipeError, OSError):
            raise _ProgramExited(self._exit_text()) from None
        try:
            frame = self.responses.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no answer within {timeout:g} s") from None
        if frame is None:
            raise _ProgramExited(self._exit_text())
        if isinstance(frame, Exception):
            raise _ProgramExited(f"{frame}; {self._exit_text()}")
        response = TesteeResponse()
        try:
            response.ParseFromString(frame)
        except _message.DecodeError as error:
            raise _ProgramExited(f"sent a response that does not parse: {error}") from None
        return response

    def _exit_text(self) -> str:
        try:
            status = self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "the program closed its output"
        return f"the program exited with status {status}"

    def stderr_tail(self) -> str:
        return "\n".join(self.stderr)

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                assert self.popen.stdin is not None
                self.popen.stdin.close()
                self.popen.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.popen.kill()
                self.popen.wait()


class ExecBackend(Backend):
    capabilities = frozenset({FILESYSTEM})

    def __init__(self, command: str, timeout: float) -> None:
        self.command = shlex.split(command)
        self.name = f"exec:{command}"
        self.timeout = timeout
        self.process: _Process | None = None
        self.implementation = "?"
        self.restarts = 0

    def start(self) -> str:
        self._ensure_started()
        return self.implementation

    def _ensure_started(self) -> _Process:
        if self.process is not None and self.process.popen.poll() is None:
            return self.process
        if self.process is not None:
            self.process.stop()
            self.restarts += 1
        process = _Process(self.command)
        hello = TesteeRequest(
            hello=Hello(
                protocol_version=PROTOCOL_VERSION_1,
                runner=f"metagraph-export conformance {__version__}",
            )
        )
        try:
            response = process.ask(hello, _HELLO_TIMEOUT)
        except (TimeoutError, _ProgramExited) as error:
            process.stop()
            raise BackendError(
                f"{shlex.join(self.command)} did not answer the hello: {error}\n"
                f"{process.stderr_tail()}"
            ) from None
        if response.WhichOneof("response") != "hello":
            process.stop()
            raise BackendError("the program answered the hello with something else")
        if response.hello.protocol_version != PROTOCOL_VERSION_1:
            process.stop()
            raise BackendError(
                f"the program speaks protocol version {response.hello.protocol_version}, "
                f"the runner {PROTOCOL_VERSION_1}"
            )
        self.implementation = response.hello.implementation or shlex.join(self.command)
        # Import cases run only for a program that says it can.
        self.capabilities = frozenset(
            {FILESYSTEM, IMPORT} if IMPORT in response.hello.capabilities else {FILESYSTEM}
        )
        self.process = process
        return process

    def import_skip_reason(self) -> str:
        return 'the program does not implement import (no "import" capability in its hello)'

    def run(self, call: Call) -> Outcome:
        if call.too_large_to_serialize:
            return Broken("the input is larger than one serialized message")
        try:
            process = self._ensure_started()
        except BackendError as error:
            return Broken(str(error))
        if call.is_import:
            run = RunCase(
                case_id=call.case_id,
                import_arguments=call.serialized_import(),
                sandbox=str(call.sandbox),
            )
        else:
            run = RunCase(
                case_id=call.case_id, arguments=call.serialized(), sandbox=str(call.sandbox)
            )
        request = TesteeRequest(run=run)
        try:
            response = process.ask(request, self.timeout)
        except TimeoutError as error:
            process.stop()
            self.process = None
            return Broken(f"timeout: {error}; the program was stopped and is started again")
        except _ProgramExited as error:
            tail = process.stderr_tail()
            process.stop()
            self.process = None
            return Broken(f"crash: {error}" + (f"\nstderr:\n{tail}" if tail else ""))
        if response.WhichOneof("response") != "result":
            return Broken("the program answered a case with something other than a result")
        result = response.result
        which = result.WhichOneof("result")
        if which == "exported":
            if call.is_import:
                return Broken("the program answered an import case with an export")
            return Exported(
                result.exported.meta_graph_def,
                tuple((d.code, d.subject) for d in result.exported.diagnostics),
            )
        if which == "imported":
            if not call.is_import:
                return Broken("the program answered an export case with an import")
            imported = result.imported
            return Imported(
                imported.snapshot,
                imported.saver_def if imported.HasField("saver_def") else None,
                tuple(imported.return_elements.names)
                if imported.HasField("return_elements")
                else None,
                tuple((d.code, d.subject) for d in imported.diagnostics),
            )
        if which == "failed":
            number = result.failed.category
            try:
                category = ErrorCategory.Name(number)
            except ValueError:
                category = f"unknown category {number}"
            return Failed(category, result.failed.message)
        if which == "runtime_error":
            return Broken(f"runtime error: {result.runtime_error}")
        return Broken("the program sent an empty result")

    def close(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
