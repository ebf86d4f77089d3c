"""Names the command line offers before any toolkit module is loaded."""

from __future__ import annotations

FORMATS = ("binary", "text", "json")
"""What ``convert --to`` writes."""
GRAPH_TYPE_NAMES = ("meta_graph_def", "graph_def", "snapshot")
"""The message types the toolkit reads, in the order it tries them."""
