"""``python -m metagraph_export_conformance.generate``: the golden generator.

The generator itself lives in conformance/generator/ of the source tree and
needs TensorFlow 2.21 (the TensorFlow environment, tools/make-tf-env).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from . import CONFORMANCE_DIR

_USAGE = """\
usage: metagraph-export conformance generate [-h] [--check] [--slow] [--case PATTERN] [--quiet]

Regenerate the conformance cases and their goldens from TensorFlow 2.21.
Runs in the TensorFlow environment only (tools/make-tf-env, then
.tf-env/bin/python -m metagraph_export_conformance.generate), from a source
checkout.

options:
  -h, --help      show this help message and exit
  --check         compare instead of writing
  --slow          also run the slow cases
  --case PATTERN  only these cases (glob); other files are left alone
  --quiet         no line per case
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if {"-h", "--help"} & set(args):
        # Help needs neither TensorFlow nor the source tree.
        print(_USAGE, end="")
        return 0
    if not (CONFORMANCE_DIR / "generator").is_dir():
        print(
            "generate: conformance/generator/ is not here (a source checkout is needed)",
            file=sys.stderr,
        )
        return 2
    if os.environ.get("PYTHONHASHSEED") != "0":
        # TensorFlow adds variables to collections in set order: fix str hashing.
        os.environ["PYTHONHASHSEED"] = "0"
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.execv(
            sys.executable, [sys.executable, "-m", "metagraph_export_conformance.generate", *args]
        )
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        print(
            "generate: TensorFlow 2.21 is not installed here; run this in the TensorFlow "
            "environment (tools/make-tf-env, then .tf-env/bin/python -m "
            "metagraph_export_conformance.generate)",
            file=sys.stderr,
        )
        return 2
    if str(CONFORMANCE_DIR) not in sys.path:
        sys.path.insert(0, str(CONFORMANCE_DIR))
    from generator.generate import main as generate_main

    return generate_main(argv)


if __name__ == "__main__":
    sys.exit(main())
