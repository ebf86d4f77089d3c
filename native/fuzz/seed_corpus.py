"""Writes the conformance cases' serialized arguments into fuzz/corpus/export/.

.venv/bin/python native/fuzz/seed_corpus.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from metagraph_export_conformance.suite import load_suite

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus" / "export"
MAX_BYTES = 200_000


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    written = 0
    for case in load_suite(ROOT / "conformance" / "cases"):
        kind = case.input_kind()
        if kind == "synthesized":
            continue
        if kind == "raw":
            data = bytes(case.message.input.raw_arguments)
        else:
            data = case.arguments().SerializeToString()
        if len(data) <= MAX_BYTES:
            (CORPUS / hashlib.sha1(data).hexdigest()).write_bytes(data)
            written += 1
    print(f"{written} inputs in {CORPUS}")


if __name__ == "__main__":
    main()
