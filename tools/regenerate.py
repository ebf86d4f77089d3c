#!/usr/bin/env python3
"""Regenerates every generated file of the repository, or checks that none is stale.

    .venv/bin/python tools/regenerate.py            # rewrite what this interpreter can
    .venv/bin/python tools/regenerate.py --check    # exit 1, listing them, if any differ
    .tf-env/bin/python tools/regenerate.py --check --require-all    # everything (CI)
    .venv/bin/python tools/regenerate.py --check --only protos

The generators, in the order they depend on each other:

    tf-protos    tools/import_tf_protos.py  TensorFlow's .proto schema         (TensorFlow)
    protos       tools/gen_protos.py        Python code and stubs of proto/
    op-registry  tools/dump_op_registry.py  TensorFlow's OpDefs                (TensorFlow)
    example      tools/make_example.py      examples/mlp.snapshot.binpb        (TensorFlow)
    goldens      metagraph_export_conformance.generate: conformance/cases/   (TensorFlow)

They run, one process each, in a scratch copy of the tree, each seeing what
the ones before it wrote there. ``--check`` then compares the files they own
with the tree and changes nothing; without it the differing files are copied
into the tree, so a generator that fails leaves the tree as it was.

The parts marked TensorFlow run where this interpreter can import TensorFlow
2.21 (the TensorFlow environment, tools/make-tf-env); elsewhere they are
listed on stderr as not checked, and ``--require-all`` makes that an error.
The tools whose output is committed (protobuf, grpcio-tools, mypy-protobuf)
must be installed at the versions pyproject.toml pins: any other version is
an error, never a reason to skip.

Exit status: 0 all selected parts ran and agree (or were written), 1 files
differ, 2 a part could not run (tool versions, no TensorFlow with
``--require-all``, a generator failing).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

# Where the generators find the packages of the tree they run in.
SOURCE_ROOTS = ("python", "grpc_server", "conformance")

# Left out of the scratch copy: what .gitignore names, and version control.
NOT_COPIED = (
    ".git",
    ".venv",
    ".tf-env",
    "node_modules",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".benchmarks",
    "build",
    "dist",
    "out",
)

TENSORFLOW_ENV_SCRIPT = "tools/make-tf-env"
NEEDS_TENSORFLOW = f"needs the TensorFlow environment ({TENSORFLOW_ENV_SCRIPT})"


@dataclass(frozen=True)
class Generator:
    name: str
    command: tuple[str, ...]
    """Arguments to the interpreter, run in the root of the scratch copy."""
    outputs: tuple[str, ...]
    """Patterns (fnmatch, `*` crossing directories) of the files it owns,
    relative to the root."""
    tools: tuple[str, ...]
    """Distributions whose version shapes the output; pyproject.toml pins them."""
    needs_tensorflow: bool


PROTOBUF_CODE = tuple(
    f"python/metagraph_export/*{suffix}"
    for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_pb2_grpc.pyi", "/__init__.py")
)

GENERATORS = (
    Generator(
        "tf-protos",
        ("tools/import_tf_protos.py",),
        ("proto/metagraph_export/tf/*",),
        ("protobuf", "grpcio-tools"),
        needs_tensorflow=True,
    ),
    Generator(
        "protos",
        ("tools/gen_protos.py",),
        PROTOBUF_CODE,
        ("protobuf", "grpcio-tools", "mypy-protobuf"),
        needs_tensorflow=False,
    ),
    Generator(
        "op-registry",
        ("tools/dump_op_registry.py",),
        ("spec/registry/op_registry.binpb",),
        ("protobuf",),
        needs_tensorflow=True,
    ),
    Generator(
        "example",
        ("tools/make_example.py",),
        ("examples/*",),
        ("protobuf",),
        needs_tensorflow=True,
    ),
    Generator(
        "goldens",
        ("-m", "metagraph_export_conformance.generate", "--quiet"),
        ("conformance/cases/*", "conformance/failure_lists/tensorflow.txt"),
        ("protobuf",),
        needs_tensorflow=True,
    ),
)
BY_NAME = {generator.name: generator for generator in GENERATORS}


class CannotRun(Exception):
    """A selected generator cannot run here, or failed."""


# --------------------------------------------------------------------------
# What may run here


def pinned_requirements(root: Path) -> dict[str, list[Requirement]]:
    """Every requirement pyproject.toml states, by distribution name."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        raise CannotRun(
            f"packaging is not installed in {sys.executable}; install the dev extra "
            f"({sys.executable} -m pip install -e '{root}[dev]')"
        ) from None
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    found: dict[str, list[Requirement]] = {}
    for line in lines:
        requirement = Requirement(line)
        found.setdefault(canonical(requirement.name), []).append(requirement)
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def tool_version_problems(root: Path, tools: Iterable[str]) -> list[str]:
    """Each tool not installed at a version pyproject.toml allows."""
    requirements = pinned_requirements(root)
    problems = []
    for tool in sorted(set(tools)):
        pins = [r for r in requirements.get(tool, []) if r.specifier]
        if not pins:
            problems.append(f"pyproject.toml states no version of {tool}")
            continue
        wanted = ",".join(sorted({str(r.specifier) for r in pins}))
        try:
            installed = importlib.metadata.version(tool)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{tool} is not installed; pyproject.toml pins {tool}{wanted}")
            continue
        if not all(r.specifier.contains(installed, prereleases=True) for r in pins):
            problems.append(f"{tool} {installed} is installed; pyproject.toml pins {tool}{wanted}")
    return problems


def pinned_tensorflow(root: Path) -> tuple[str, str]:
    """The distribution and version tools/make-tf-env installs."""
    script = (root / TENSORFLOW_ENV_SCRIPT).read_text(encoding="utf-8")
    match = re.search(r'"(tensorflow[-\w]*)==([\w.]+)"', script)
    if match is None:
        raise CannotRun(f"{TENSORFLOW_ENV_SCRIPT} names no tensorflow==VERSION to install")
    return match.group(1), match.group(2)


def tensorflow_here(root: Path) -> bool:
    """Whether TensorFlow is importable here; at another version it is an error."""
    if importlib.util.find_spec("tensorflow") is None:
        return False
    distribution, version = pinned_tensorflow(root)
    try:
        installed = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        installed = "a TensorFlow other than " + distribution
    if installed != version:
        raise CannotRun(
            f"{installed} is installed; the generated files come from {distribution} "
            f"{version} ({TENSORFLOW_ENV_SCRIPT})"
        )
    return True


# --------------------------------------------------------------------------
# Running the generators


def copy_tree(root: Path, destination: Path) -> None:
    shutil.copytree(root, destination, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)


def run_generator(generator: Generator, tree: Path) -> float:
    """Runs one generator in `tree`; its seconds."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(tree / name) for name in SOURCE_ROOTS]
            + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
        ),
        # No __pycache__ in the copy, and TensorFlow's C++ logging kept quiet.
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *generator.command],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise CannotRun(
            f"{generator.name}: `{' '.join(generator.command)}` exited with status "
            f"{result.returncode}:\n{output}"
        )
    return time.monotonic() - started


def stamps(tree: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file, to see what a generator wrote."""
    found = {}
    for path in tree.rglob("*"):
        if path.is_file() and not path.is_symlink():
            status = path.stat()
            found[path.relative_to(tree).as_posix()] = (status.st_size, status.st_mtime_ns)
    return found


def written_elsewhere(
    generator: Generator, before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> list[str]:
    """The files a generator created, changed or removed outside its outputs."""
    touched = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    return sorted(
        name
        for name in touched
        if not any(fnmatchcase(name, pattern) for pattern in generator.outputs)
    )


def owned_files(tree: Path, generator: Generator) -> dict[str, bytes]:
    """The files of `tree` that `generator` owns, by path relative to the tree."""
    roots = {pattern.split("*", 1)[0].rsplit("/", 1)[0] for pattern in generator.outputs}
    found: dict[str, bytes] = {}
    for root in sorted(roots):
        start = tree / root
        for path in sorted(start.rglob("*")):
            name = path.relative_to(tree).as_posix()
            if "__pycache__" in path.relative_to(tree).parts or not path.is_file():
                continue
            if any(fnmatchcase(name, pattern) for pattern in generator.outputs):
                found[name] = path.read_bytes()
    return found


@dataclass(frozen=True)
class Difference:
    path: str
    what: str
    """'differs', 'missing' (generated, not in the tree) or 'left over'."""


def differences(generated: dict[str, bytes], present: dict[str, bytes]) -> list[Difference]:
    found = []
    for name in sorted(generated.keys() | present.keys()):
        if name not in present:
            found.append(Difference(name, "missing"))
        elif name not in generated:
            found.append(Difference(name, "left over"))
        elif generated[name] != present[name]:
            found.append(Difference(name, "differs"))
    return found


def apply(root: Path, generated: dict[str, bytes], found: Sequence[Difference]) -> None:
    """Brings the tree to what was generated, each file replaced whole."""
    for difference in found:
        path = root / difference.path
        if difference.what == "left over":
            path.unlink()
            parent = path.parent
            while parent != root and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(generated[difference.path])
        partial.replace(path)


# --------------------------------------------------------------------------


def selected(names: Sequence[str]) -> list[Generator]:
    if not names:
        return list(GENERATORS)
    return [generator for generator in GENERATORS if generator.name in names]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog="generators, in order: " + ", ".join(BY_NAME),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1, listing them, if any generated file differs",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(BY_NAME),
        default=[],
        metavar="NAME",
        help="only these generators (still in dependency order)",
    )
    parser.add_argument(
        "--require-all",
        action="store_true",
        help="fail if a selected generator needs TensorFlow and this interpreter has none",
    )
    args = parser.parse_args(argv)
    generators = selected(args.only)
    prefix = "regenerate --check" if args.check else "regenerate"

    try:
        problems = tool_version_problems(ROOT, (t for g in generators for t in g.tools))
        if problems:
            raise CannotRun(
                "the tools that shape the generated files are not at the pinned versions:\n"
                + "\n".join(f"  {problem}" for problem in problems)
                + f"\nInstall them with: {sys.executable} -m pip install -e '{ROOT}[dev]'"
            )
        has_tensorflow = any(g.needs_tensorflow for g in generators) and tensorflow_here(ROOT)
    except CannotRun as error:
        print(f"{prefix}: error: {error}", file=sys.stderr)
        return 2

    runnable = [g for g in generators if has_tensorflow or not g.needs_tensorflow]
    left_out = [g.name for g in generators if g not in runnable]
    verb = "checked" if args.check else "regenerated"
    not_run = (
        f"not {verb}: {', '.join(left_out)}: {NEEDS_TENSORFLOW}; run "
        f"`.tf-env/bin/python tools/regenerate.py{' --check' if args.check else ''}`"
    )
    if left_out and args.require_all:
        print(f"{prefix}: error: {not_run}", file=sys.stderr)
        return 2

    stale: list[Difference] = []
    generated: dict[str, bytes] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="regenerate-") as scratch:
        tree = Path(scratch) / "tree"
        copy_tree(ROOT, tree)
        for generator in runnable:
            try:
                before = stamps(tree)
                seconds = run_generator(generator, tree)
                elsewhere = written_elsewhere(generator, before, stamps(tree))
                if elsewhere:
                    raise CannotRun(
                        f"{generator.name} wrote outside the files it owns: {', '.join(elsewhere)}"
                    )
            except CannotRun as error:
                print(f"{prefix}: error: {error}", file=sys.stderr)
                print(f"{prefix}: nothing in {ROOT} was changed", file=sys.stderr)
                return 2
            output = owned_files(tree, generator)
            found = differences(output, owned_files(ROOT, generator))
            changed = "differ" if args.check else "changed"
            status = f"{len(found)} of {len(output)} files {changed}" if found else "up to date"
            print(f"{prefix}: {generator.name:<12} {status} ({seconds:.1f} s)", flush=True)
            generated.update(output)
            stale.extend(found)
    elapsed = time.monotonic() - started

    exit_status = 0
    if not args.check:
        # Only once every generator has succeeded.
        apply(ROOT, generated, stale)
        print(
            f"{prefix}: {len(stale)} file(s) rewritten, {len(runnable)} generators, {elapsed:.1f} s"
        )
    elif stale:
        for difference in stale:
            print(f"{prefix}: {difference.path}: {difference.what}", file=sys.stderr)
        print(
            f"{prefix}: {len(stale)} generated file(s) are stale; run "
            "tools/regenerate.py and commit the result",
            file=sys.stderr,
        )
        exit_status = 1
    else:
        print(f"{prefix}: {len(runnable)} of {len(generators)} generators in {elapsed:.1f} s")
    if left_out:
        print(f"{prefix}: warning: {not_run}", file=sys.stderr)
    return exit_status


if __name__ == "__main__":
    sys.exit(main())
