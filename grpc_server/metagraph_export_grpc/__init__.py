"""The gRPC service of metagraph-export: ``metagraph-export serve``.

The service (``metagraph_export.service.v1.ExportService``) runs the reference
exporter of the ``metagraph_export`` package: ``Export`` in one message each way,
``ExportStream`` in chunks for graphs up to TensorFlow's 2 GB limit, and
``GetInfo``. :class:`ExportServer` runs it in-process; :func:`cli.main` is the
command line.
"""

from __future__ import annotations

from ._status import STATUS_BY_CATEGORY
from .server import ExportServer, ServerConfig, TlsConfig

__all__ = ["STATUS_BY_CATEGORY", "ExportServer", "ServerConfig", "TlsConfig"]
