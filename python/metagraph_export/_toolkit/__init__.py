"""Tools over meta graphs that need no TensorFlow: semantic diff, canonical
encoding and hash, summary, pruning and re-encoding.

Its names load their modules on first use, so that the command line can
register the toolkit's commands without loading protobuf code."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._fields import Change
    from ._read import Loaded, load
    from .canonical import canonical_bytes, content_hash
    from .convert import encode
    from .diff import EntryDiff, GraphDiff
    from .prune import extract_sub_graph
    from .saved_model import SavedModelInfo, read_saved_model
    from .summarize import Summary, Variable

# The functions diff, prune and summarize are not among these names: each
# shares its name with the submodule that defines it, which becomes the
# package's attribute once imported. Import them from their modules.
_MODULES = {
    "Change": "._fields",
    "Loaded": "._read",
    "load": "._read",
    "canonical_bytes": ".canonical",
    "content_hash": ".canonical",
    "encode": ".convert",
    "EntryDiff": ".diff",
    "GraphDiff": ".diff",
    "extract_sub_graph": ".prune",
    "SavedModelInfo": ".saved_model",
    "read_saved_model": ".saved_model",
    "Summary": ".summarize",
    "Variable": ".summarize",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Change",
    "EntryDiff",
    "GraphDiff",
    "Loaded",
    "SavedModelInfo",
    "Summary",
    "Variable",
    "canonical_bytes",
    "content_hash",
    "encode",
    "extract_sub_graph",
    "load",
    "read_saved_model",
]
