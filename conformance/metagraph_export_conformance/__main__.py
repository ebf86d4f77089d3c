"""``python -m metagraph_export_conformance``: the same as ``metagraph-export conformance``."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main(sys.argv[1:], prog="python -m metagraph_export_conformance"))
