"""The conformance suite (conformance/): the reference passes it, the suite
is well-formed and covers the specification, catches every mutant, runs
programs in other languages, and its goldens are what TensorFlow produces."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.tf.control_flow_pb2 import CondContextDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export_conformance import CONFORMANCE_DIR, REPO_ROOT
from metagraph_export_conformance.cli import main
from metagraph_export_conformance.compare import (
    file_difference,
    first_difference,
    meta_graph_difference,
)
from metagraph_export_conformance.coverage import MINIMUM_CASES, measure
from metagraph_export_conformance.failures import FailureListError, parse_failure_list
from metagraph_export_conformance.runner import diagnostics_difference
from metagraph_export_conformance.suite import load_suite

NODE = shutil.which("node")
NODE_TESTEE = CONFORMANCE_DIR / "testees" / "node"
TF_FAILURES = CONFORMANCE_DIR / "failure_lists" / "tensorflow.txt"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out + err


def _summary(output: str) -> str:
    return [line for line in output.splitlines() if " passed, " in line][-1]


def test_python_backend_passes_every_case(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junit = tmp_path / "report.xml"
    status, output = _run(capsys, "run", "--backend", "python", "--junit", str(junit))
    assert status == 0, output
    summary = _summary(output)
    cases = load_suite(CONFORMANCE_DIR / "cases")
    slow = sum(1 for case in cases if "slow" in case.tags)
    assert summary.startswith(f"{len(cases) - slow} passed, 0 failed, {slow} skipped, 0 expected")
    assert "<testsuite" in junit.read_text()


def test_lint(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = _run(capsys, "lint")
    assert status == 0, output
    assert "no problems" in output


def test_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = _run(capsys, "coverage")
    assert status == 0, output
    coverage = measure(
        CONFORMANCE_DIR / "cases", REPO_ROOT / "spec", CONFORMANCE_DIR / "untestable.txt"
    )
    assert coverage.case_count >= MINIMUM_CASES
    assert not coverage.uncovered
    assert "0 uncovered" in output


def test_every_mutant_is_caught(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = _run(capsys, "mutants")
    assert status == 0, output
    assert " survived" in output and "SURVIVED" not in output
    caught = [line for line in output.splitlines() if line.startswith("caught ")]
    assert len(caught) >= 12


def test_case_pattern_and_summary_format(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = _run(capsys, "run", "--backend", "python", "--case", "Required.Scope.*")
    assert status == 0, output
    summary = _summary(output)
    assert summary.endswith(" passed, 0 failed, 0 skipped, 0 expected failures")
    assert summary == output.rstrip().splitlines()[-1]


def test_failure_list_is_strict(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    failures = tmp_path / "failures.txt"
    failures.write_text("Required.Options.Defaults  # claims a failure that does not happen\n")
    status, output = _run(
        capsys,
        "run",
        "--backend",
        "python",
        "--case",
        "Required.Options.Defaults",
        "--failure-list",
        str(failures),
    )
    assert status == 1
    assert "remove it from the list" in output
    assert _summary(output).startswith("0 passed, 1 failed")

    failures.write_text("Required.No.Such  # not a case\n")
    status, output = _run(capsys, "run", "--backend", "python", "--failure-list", str(failures))
    assert status == 1 and "not a case of the suite" in output

    with pytest.raises(FailureListError, match="no '# reason'"):
        parse_failure_list("Required.Options.Defaults\n", "inline")


def test_comparison_reports_first_differing_field() -> None:
    expected = MetaGraphDef()
    expected.graph_def.node.add(name="a", op="NoOp").attr["_class"].list.s.append(b"loc:@x")
    actual = MetaGraphDef()
    actual.CopyFrom(expected)
    actual.graph_def.node[0].attr["_class"].list.s[0] = b"loc:@y"
    assert meta_graph_difference(expected, actual) == (
        "graph_def.node[0].attr[\"_class\"].list.s[0]: expected b'loc:@x', got b'loc:@y'"
    )
    assert first_difference(expected, expected) is None


def test_typed_collection_items_compare_as_messages() -> None:
    """Map entries inside typed collection items may come in any order
    (spec, Implementation-defined, item 1)."""
    context = CondContextDef(context_name="c")
    context.values_def.external_values["a"] = "1"
    context.values_def.external_values["b"] = "2"
    one, other = MetaGraphDef(), MetaGraphDef()
    data = context.SerializeToString(deterministic=True)
    swapped = data.replace(b"\n\x01a\x12\x011", b"\x00").replace(
        b"\n\x01b\x12\x012", b"\n\x01a\x12\x011"
    )
    swapped = swapped.replace(b"\x00", b"\n\x01b\x12\x012")
    assert CondContextDef.FromString(swapped) == context and swapped != data
    one.collection_def["cond_context"].bytes_list.value.append(data)
    other.collection_def["cond_context"].bytes_list.value.append(swapped)
    assert meta_graph_difference(one, other) is None
    changed = CondContextDef(context_name="d")
    other.collection_def["cond_context"].bytes_list.value[0] = changed.SerializeToString()
    difference = meta_graph_difference(one, other)
    assert difference is not None and "<CondContextDef>.context_name" in difference


def test_file_difference_names_bytes_and_fields() -> None:
    message = MetaGraphDef()
    message.meta_info_def.tags.append("a")
    data = message.SerializeToString(deterministic=True)
    other = MetaGraphDef()
    other.meta_info_def.tags.append("b")
    difference = file_difference(
        data, other.SerializeToString(), "BINARY_META_GRAPH_DEF", False, "m.meta"
    )
    assert difference == "m.meta: meta_info_def.tags[0]: expected 'a', got 'b'"
    assert file_difference(data, data, "BINARY_META_GRAPH_DEF", False, "m.meta") is None


def test_diagnostics_are_compared_in_order() -> None:
    expected = [("COLLECTION_DROPPED", "a"), ("COLLECTION_DROPPED", "b")]
    assert diagnostics_difference(expected, list(expected)) is None
    difference = diagnostics_difference(expected, list(reversed(expected)))
    assert difference is not None and difference.startswith("diagnostics[0]")


def test_cases_parse_and_name_their_files() -> None:
    cases = load_suite(CONFORMANCE_DIR / "cases")
    assert len({case.id for case in cases}) == len(cases) >= MINIMUM_CASES
    for case in cases:
        assert case.path.name == f"{case.id}.textproto"
        if case.input_kind() == "arguments":
            assert isinstance(case.arguments(), ExportArguments)


# Programs in other languages, through the stdin/stdout protocol.


@pytest.mark.skipif(NODE is None, reason="needs Node.js (node) on PATH")
def test_node_testee_through_exec(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = _run(
        capsys,
        "run",
        "--backend",
        f"exec:node {NODE_TESTEE / 'testee.js'}",
        "--failure-list",
        str(NODE_TESTEE / "failures.txt"),
    )
    assert status == 0, output
    summary = _summary(output)
    passed = int(summary.split(" passed")[0])
    assert passed >= 100, summary
    assert " 0 failed, " in summary


_FAKE_TESTEE = """
import os, struct, sys
sys.path[:0] = {paths!r}
from metagraph_export._pipeline import Arguments, run
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.conformance.v1.protocol_pb2 import TesteeRequest, TesteeResponse

def read():
    header = sys.stdin.buffer.read(4)
    if len(header) < 4:
        sys.exit(0)
    return sys.stdin.buffer.read(struct.unpack("<I", header)[0])

def write(message):
    data = message.SerializeToString()
    sys.stdout.buffer.write(struct.pack("<I", len(data)) + data)
    sys.stdout.buffer.flush()

while True:
    request = TesteeRequest.FromString(read())
    response = TesteeResponse()
    if request.HasField("hello"):
        response.hello.protocol_version = {version}
        response.hello.implementation = "fake testee"
    else:
        case_id = request.run.case_id
        if case_id.endswith("AsText"):
            os._exit(3)
        if case_id.endswith("ClearDevices"):
            import time; time.sleep(60)
        result = run(Arguments.from_proto(ExportArguments.FromString(request.run.arguments)))
        response.result.exported.meta_graph_def.CopyFrom(result.meta_graph_def)
        exported = response.result.exported
        for diagnostic in result.diagnostics:
            exported.diagnostics.add(code=diagnostic.code, subject=diagnostic.subject)
    write(response)
"""


def _fake_testee(tmp_path: Path, version: int = 1) -> str:
    script = tmp_path / "fake_testee.py"
    paths = [str(REPO_ROOT / "python"), str(CONFORMANCE_DIR)]
    script.write_text(textwrap.dedent(_FAKE_TESTEE.format(paths=paths, version=version)))
    return f"exec:{sys.executable} {script}"


def test_exec_backend_survives_crashes_and_timeouts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, output = _run(
        capsys,
        "run",
        "--backend",
        _fake_testee(tmp_path),
        "--timeout",
        "3",
        "--case",
        "Required.Options.AsText",
        "--case",
        "Required.Options.ClearDevices",
        "--case",
        "Required.Options.Defaults",
        "--case",
        "Required.Options.ExportScope",
    )
    assert status == 1
    assert "crash: the program exited with status 3" in output
    assert "timeout: no answer within 3 s" in output
    # The program was started again after each and passed the other cases.
    assert _summary(output).startswith("2 passed, 2 failed")


def test_exec_backend_checks_the_protocol_version(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, output = _run(capsys, "run", "--backend", _fake_testee(tmp_path, version=2))
    assert status == 2
    assert "protocol version 2" in output


_IMPORTING_TESTEE = """
import struct, sys
sys.path[:0] = {paths!r}
from metagraph_export._pipeline import import_diagnostic_to_proto, import_from_proto
from metagraph_export.api.v1.import_pb2 import ImportArguments
from metagraph_export.conformance.v1.case_pb2 import ErrorCategory
from metagraph_export.conformance.v1.protocol_pb2 import TesteeRequest, TesteeResponse
from metagraph_export.errors import ExportError

def read():
    header = sys.stdin.buffer.read(4)
    if len(header) < 4:
        sys.exit(0)
    return sys.stdin.buffer.read(struct.unpack("<I", header)[0])

def write(message):
    data = message.SerializeToString()
    sys.stdout.buffer.write(struct.pack("<I", len(data)) + data)
    sys.stdout.buffer.flush()

def run(data):
    result = TesteeResponse().result
    try:
        imported = import_from_proto(ImportArguments.FromString(data))
    except ExportError as error:
        result.failed.category = ErrorCategory.Value(error.category)
        result.failed.message = str(error)
        return result
    except Exception as error:
        result.failed.category = ErrorCategory.Value("MALFORMED_INPUT")
        result.failed.message = str(error)
        return result
    result.imported.snapshot.CopyFrom(imported.snapshot)
    if imported.saver_def is not None:
        result.imported.saver_def.CopyFrom(imported.saver_def)
    if imported.return_elements is not None:
        result.imported.return_elements.SetInParent()
        result.imported.return_elements.names.extend(imported.return_elements)
    result.imported.diagnostics.extend(map(import_diagnostic_to_proto, imported.diagnostics))
    return result

while True:
    request = TesteeRequest.FromString(read())
    response = TesteeResponse()
    if request.HasField("hello"):
        response.hello.protocol_version = 1
        response.hello.implementation = "importing testee"
        response.hello.capabilities.append("import")
    elif request.run.HasField("import_arguments"):
        response.result.CopyFrom(run(request.run.import_arguments))
    else:
        response.result.runtime_error = "exports are not implemented"
    write(response)
"""


def test_exec_backend_runs_import_cases_for_a_program_that_imports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The protocol's import: a program naming the "import" capability gets the
    import cases (files read from the sandbox included) and passes them."""
    script = tmp_path / "importing_testee.py"
    paths = [str(REPO_ROOT / "python"), str(CONFORMANCE_DIR)]
    script.write_text(textwrap.dedent(_IMPORTING_TESTEE.format(paths=paths)))
    status, output = _run(
        capsys,
        "run",
        "--backend",
        f"exec:{sys.executable} {script}",
        "--case",
        "Required.Import.*",
    )
    assert status == 0, output
    summary = _summary(output)
    assert int(summary.split(" passed")[0]) >= 150, summary
    assert " 0 failed, 0 skipped" in summary, summary


def test_native_backend_skips_the_import_cases_with_a_reason() -> None:
    from metagraph_export_conformance.backends.python import PythonBackend
    from metagraph_export_conformance.failures import FailureList
    from metagraph_export_conformance.runner import SKIPPED, Options, run_cases

    cases = [case for case in load_suite(CONFORMANCE_DIR / "cases") if case.is_import][:3]
    assert cases
    results = run_cases(cases, PythonBackend(native=True), FailureList({}), Options())
    assert [(r.status, r.message) for r in results] == [
        (SKIPPED, "import is not implemented natively")
    ] * len(cases)


def test_a_program_without_import_skips_the_import_cases(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, output = _run(
        capsys,
        "run",
        "--backend",
        _fake_testee(tmp_path),
        "--case",
        "Required.Import.Basic.*",
        "-v",
    )
    assert status == 0, output
    assert 'no "import" capability in its hello' in output
    assert _summary(output).startswith("0 passed, 0 failed, 6 skipped")


# The gRPC service.


def test_grpc_backend_against_the_service(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("metagraph_export_grpc", reason="needs the gRPC service")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "metagraph_export",
            "serve",
            "--port",
            "0",
            "--output-root",
            str(tmp_path),
            "--log-level",
            "INFO",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        port = None
        assert server.stderr is not None
        for line in server.stderr:
            if "listening" in line.lower() or "serving" in line.lower():
                port = line.rsplit(":", 1)[-1].split()[0].strip()
                break
        assert port and port.isdigit(), "the server did not say where it listens"
        status, output = _run(capsys, "run", "--backend", f"grpc://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert status == 0, output
    assert " 0 failed, " in _summary(output)


# Goldens and the tensorflow backend (TensorFlow environment).


@pytest.mark.tensorflow
def test_goldens_are_reproduced() -> None:
    pytest.importorskip("tensorflow", reason="needs the TensorFlow 2.21 environment")
    command = [sys.executable, "-m", "metagraph_export_conformance.generate", "--check", "--quiet"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "reproduced byte for byte" in result.stdout


@pytest.mark.tensorflow
def test_tensorflow_backend_with_its_failure_list() -> None:
    pytest.importorskip("tensorflow", reason="needs the TensorFlow 2.21 environment")
    command = [
        sys.executable,
        "-m",
        "metagraph_export_conformance",
        "run",
        "--backend",
        "tensorflow",
        "--failure-list",
        str(TF_FAILURES),
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = _summary(result.stdout)
    assert " 0 failed, " in summary
    listed = parse_failure_list(TF_FAILURES.read_text(), "tensorflow").entries
    slow = {case.id for case in load_suite(CONFORMANCE_DIR / "cases") if "slow" in case.tags}
    expected = len(set(listed) - slow)  # the cases over 2 GiB are skipped here
    assert summary.endswith(f", {expected} expected failures")
