"""Tools over meta graphs that need no TensorFlow: semantic diff, canonical
encoding and hash, summary, pruning and re-encoding."""

from __future__ import annotations

from ._fields import Change
from ._read import Loaded, load
from .canonical import canonical_bytes, content_hash
from .convert import encode
from .diff import EntryDiff, GraphDiff, diff
from .prune import extract_sub_graph, prune
from .saved_model import SavedModelInfo, read_saved_model
from .summarize import Summary, Variable, summarize

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
    "diff",
    "encode",
    "extract_sub_graph",
    "load",
    "prune",
    "read_saved_model",
    "summarize",
]
