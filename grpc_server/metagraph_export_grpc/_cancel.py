"""Abandoning an export when its call ends: deadline, cancellation, shutdown.

The service runs each step of an export through :meth:`Abandonable.run`. When
the call terminates while a step runs, gRPC's termination callback stops it:
the native exporter, which runs without the GIL and executes no bytecode, by
its cancellation flag (``cancellation``, handed to it by the step); the
reference exporter, plain Python with no cancellation points, by an
asynchronous exception raised in the thread running it
(``PyThreadState_SetAsyncExc``) at the next bytecode boundary. Only the side-effect-free
steps (building, encoding) run this way; files are written outside it, after a
last check that the call is still active, so an abandoned export writes
nothing.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import grpc
from metagraph_export import _pipeline

P = ParamSpec("P")
T = TypeVar("T")


class Abandoned(Exception):
    """The call ended before the export did; nothing is left to answer."""


class _Interrupt(BaseException):
    """Raised asynchronously in the thread running a step; a BaseException so
    that no ``except Exception`` in the exporter swallows it."""


def _set_async_exception(thread_id: int, exception: type[BaseException] | None) -> None:
    # NULL clears an exception that is pending but not raised yet.
    argument = ctypes.py_object(exception) if exception is not None else ctypes.c_void_p(None)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), argument)


class Abandonable:
    """The steps of one call's export, stopped when the call terminates."""

    def __init__(self, context: grpc.ServicerContext) -> None:
        self._lock = threading.Lock()
        self._running: int | None = None  # the thread running a step
        self._ended = False
        self._interrupted = False
        self._context = context
        self.cancellation = _pipeline.Cancellation()
        """Handed to the native exporter by the steps that run it."""
        if not context.add_callback(self._on_termination):
            self._ended = True

    def _on_termination(self) -> None:
        self.cancellation.cancel()
        with self._lock:
            self._ended = True
            if self._running is not None and not self._interrupted:
                self._interrupted = True
                _set_async_exception(self._running, _Interrupt)

    def check(self) -> None:
        """Raises Abandoned if the call has ended."""
        if self._ended or not self._context.is_active():
            raise Abandoned

    def run(self, step: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``step(*args, **kwargs)``, or Abandoned if the call ends first."""
        thread = threading.get_ident()
        try:
            with self._lock:
                if self._ended:
                    raise Abandoned
                self._running = thread
            try:
                return step(*args, **kwargs)
            finally:
                with self._lock:
                    self._running = None
                    if self._interrupted:
                        _set_async_exception(thread, None)
        except (_Interrupt, _pipeline.Cancelled):
            raise Abandoned from None
