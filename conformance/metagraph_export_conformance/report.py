"""``conformance report``: the results of several implementations side by side,
as a static HTML site and the JSON it is built from.

Results come from running backends here, or from the files that
``conformance run --json-results FILE`` writes. The site is one page,
``index.html``, with no script and no asset from elsewhere: the matrix of
implementations by case and by requirement, every failure with its first
differing field, the checked-in failure lists, coverage per section of the
specification, and the benchmark results with their plot.
"""

from __future__ import annotations

import html
import json
import shutil
import string
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import REPO_ROOT, __version__
from .failures import load_failure_list
from .runner import EXPECTED_FAILURE, FAILED, PASSED, SKIPPED, Result
from .spec import Requirement, load_requirements
from .suite import Case, area_of, level_name

__all__ = [
    "ReportError",
    "Run",
    "build_report",
    "read_results",
    "write_results",
    "write_site",
]

RESULTS_FORMAT = "metagraph-export-conformance-results/1"
REPORT_FORMAT = "metagraph-export-conformance-report/1"
BENCHMARKS_DIR = REPO_ROOT / "benchmarks"
_TEMPLATE = Path(__file__).with_name("report.html")
_STATUSES = (PASSED, FAILED, EXPECTED_FAILURE, SKIPPED)
# A requirement's status for an implementation: the worst of its cases'.
_UNTESTED = "untested"


class ReportError(Exception):
    """A results file that cannot be read, or a site that cannot be written."""


@dataclass(frozen=True)
class Run:
    """One implementation's results over the suite."""

    name: str
    description: str
    results: tuple[Result, ...]


def write_results(path: Path, run: Run) -> None:
    """Writes ``run`` as the JSON that :func:`read_results` reads."""
    data = {
        "format": RESULTS_FORMAT,
        "implementation": run.name,
        "description": run.description,
        "results": [
            {
                "case": result.case_id,
                "status": result.status,
                "message": result.message,
                "seconds": round(result.seconds, 6),
            }
            for result in run.results
        ],
    }
    _write_atomically(path, json.dumps(data, indent=1).encode("utf-8") + b"\n")


def read_results(path: Path) -> Run:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"{path}: cannot be read ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT:
        raise ReportError(f"{path}: not a results file of format {RESULTS_FORMAT}")
    try:
        results = tuple(
            Result(
                str(item["case"]),
                _status(item["status"]),
                str(item.get("message", "")),
                float(item.get("seconds", 0.0)),
            )
            for item in data["results"]
        )
        return Run(str(data["implementation"]), str(data.get("description", "")), results)
    except (KeyError, TypeError, ValueError) as error:
        raise ReportError(f"{path}: malformed results ({error})") from None


def _status(value: object) -> str:
    if value not in _STATUSES:
        raise ValueError(f"unknown status {value!r}")
    return str(value)


def _section_of(spec_dir: Path, requirement: Requirement, cache: dict[str, list[str]]) -> str:
    """The heading ("## ...") a requirement is introduced under."""
    if requirement.file not in cache:
        cache[requirement.file] = (
            (spec_dir / requirement.file).read_text(encoding="utf-8").splitlines()
        )
    lines = cache[requirement.file]
    for line in reversed(lines[: requirement.line]):
        if line.startswith("## "):
            return f"{requirement.file}: {line[3:].strip()}"
    return requirement.file


def build_report(
    runs: Sequence[Run],
    cases: Sequence[Case],
    spec_dir: Path,
    untestable: dict[str, str],
    failure_lists: Iterable[Path] = (),
    benchmarks_dir: Path | None = BENCHMARKS_DIR,
) -> dict[str, Any]:
    """The report's data: everything the site shows, as JSON-ready values."""
    names = [run.name for run in runs]
    if len(set(names)) != len(names):
        raise ReportError(f"implementations named twice: {', '.join(names)}")
    by_case = {run.name: {result.case_id: result for result in run.results} for run in runs}
    requirements = load_requirements(spec_dir)
    known = {case.id for case in cases}
    for run in runs:
        unknown = sorted(set(by_case[run.name]) - known)
        if unknown:
            raise ReportError(
                f"{run.name}: results for cases the suite does not have: {unknown[0]}"
            )

    case_rows: list[dict[str, Any]] = []
    cases_of: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        for cited in case.message.requirements:
            cases_of[cited].append(case.id)
        case_rows.append(
            {
                "id": case.id,
                "area": area_of(case.id),
                "level": level_name(case.message.level),
                "requirements": list(case.message.requirements),
                "results": {name: _cell(by_case[name].get(case.id)) for name in names},
            }
        )
    statuses = {row["id"]: row["results"] for row in case_rows}

    sections: dict[str, list[str]] = defaultdict(list)
    lines: dict[str, list[str]] = {}
    requirement_rows: list[dict[str, Any]] = []
    for requirement in requirements.values():
        section = _section_of(spec_dir, requirement, lines)
        sections[section].append(requirement.id)
        ids = cases_of.get(requirement.id, [])
        requirement_rows.append(
            {
                "id": requirement.id,
                "section": section,
                "text": requirement.text,
                "cases": ids,
                "untestable": untestable.get(requirement.id),
                "results": {
                    name: _requirement_cell([statuses[i][name]["status"] for i in ids])
                    for name in names
                },
            }
        )
    by_requirement = {row["id"]: row for row in requirement_rows}
    section_rows: list[dict[str, Any]] = []
    for section, ids in sections.items():
        rows = [by_requirement[i] for i in ids]
        section_rows.append(
            {
                "section": section,
                "requirements": len(ids),
                "covered": sum(1 for row in rows if row["cases"]),
                "untestable": sum(1 for row in rows if row["untestable"] and not row["cases"]),
                "results": {
                    name: dict(Counter(row["results"][name]["status"] for row in rows))
                    for name in names
                },
            }
        )

    return {
        "format": REPORT_FORMAT,
        "generator": f"metagraph-export conformance {__version__}",
        "implementations": [
            {
                "name": run.name,
                "description": run.description,
                "counts": {status: 0 for status in _STATUSES}
                | dict(Counter(result.status for result in run.results)),
                "not_run": sum(1 for case in cases if case.id not in by_case[run.name]),
            }
            for run in runs
        ],
        "cases": case_rows,
        "requirements": requirement_rows,
        "sections": section_rows,
        "failures": {
            run.name: [
                {"case": result.case_id, "status": result.status, "message": result.message}
                for result in run.results
                if result.status in (FAILED, EXPECTED_FAILURE)
            ]
            for run in runs
        },
        "failure_lists": {
            path.stem: [
                {"case": case_id, "reason": reason}
                for case_id, reason in load_failure_list(path).entries.items()
            ]
            for path in failure_lists
        },
        "benchmarks": _benchmarks(benchmarks_dir),
    }


def _cell(result: Result | None) -> dict[str, str]:
    if result is None:
        return {"status": "not run", "message": ""}
    return {"status": result.status, "message": result.message}


def _requirement_cell(statuses: list[str]) -> dict[str, Any]:
    counts = Counter(statuses)
    if not statuses:
        status = _UNTESTED
    elif counts[FAILED]:
        status = FAILED
    elif counts[EXPECTED_FAILURE]:
        status = EXPECTED_FAILURE
    elif counts[PASSED]:
        status = PASSED
    else:
        status = SKIPPED
    return {
        "status": status,
        **{key: counts[key] for key in (PASSED, FAILED, EXPECTED_FAILURE, SKIPPED)},
    }


def _benchmarks(directory: Path | None) -> dict[str, Any] | None:
    if directory is None or not (directory / "RESULTS.md").is_file():
        return None
    plot = directory / "results.png"
    return {
        "markdown": (directory / "RESULTS.md").read_text(encoding="utf-8"),
        "plot": str(plot) if plot.is_file() else None,
    }


# The site.


def write_site(report: dict[str, Any], directory: Path) -> list[Path]:
    """Writes index.html, report.json and the benchmark plot into ``directory``,
    all or nothing: the files are made in a scratch directory beside it first."""
    directory = directory.resolve()
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    except OSError as error:
        raise ReportError(f"{directory}: cannot be written ({error.strerror})") from None
    try:
        written = ["index.html", "report.json"]
        data = dict(report)
        benchmarks = report.get("benchmarks")
        if benchmarks and benchmarks.get("plot"):
            shutil.copyfile(benchmarks["plot"], scratch / "results.png")
            data["benchmarks"] = {**benchmarks, "plot": "results.png"}
            written.append("results.png")
        (scratch / "report.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        (scratch / "index.html").write_text(render(data), encoding="utf-8")
        directory.mkdir(exist_ok=True)
        for name in written:
            (scratch / name).replace(directory / name)
        return [directory / name for name in written]
    except OSError as error:
        raise ReportError(f"{directory}: cannot be written ({error.strerror})") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_atomically(path: Path, content: bytes) -> None:
    from metagraph_export._pipeline import write_files
    from metagraph_export.errors import WriteError

    try:
        write_files([(str(path), content)])
    except WriteError as error:
        raise ReportError(str(error)) from None


_LABELS = {
    PASSED: "pass",
    FAILED: "FAIL",
    EXPECTED_FAILURE: "xfail",
    SKIPPED: "skip",
    "not run": "-",
    _UNTESTED: "untested",
}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _status_cell(cell: dict[str, Any], title: str = "", link: str = "") -> str:
    status = cell["status"]
    css = status.replace(" ", "-")
    tip = f' title="{_e(title)}"' if title else ""
    label = _e(_LABELS[status])
    if link:
        label = f'<a href="#{_e(link)}">{label}</a>'
    return f'<td class="status {css}" data-status="{_e(status)}"{tip}>{label}</td>'


def render(report: dict[str, Any]) -> str:
    """The page, from the report's data."""
    names = [implementation["name"] for implementation in report["implementations"]]
    head = "".join(f"<th>{_e(name)}</th>" for name in names)
    parts: list[str] = []

    parts.append(
        '<section id="summary"><h2>Implementations</h2><table><thead><tr>'
        "<th>implementation</th><th>passed</th><th>failed</th><th>expected failures</th>"
        "<th>skipped</th><th>not run</th></tr></thead><tbody>"
    )
    for implementation in report["implementations"]:
        counts = implementation["counts"]
        parts.append(
            f'<tr><th title="{_e(implementation["description"])}">{_e(implementation["name"])}</th>'
            f"<td>{counts[PASSED]}</td><td>{counts[FAILED]}</td>"
            f"<td>{counts[EXPECTED_FAILURE]}</td><td>{counts[SKIPPED]}</td>"
            f"<td>{implementation['not_run']}</td></tr>"
        )
    parts.append("</tbody></table></section>")

    parts.append(
        '<section id="cases"><h2>Cases</h2><table class="matrix"><thead><tr>'
        f"<th>case</th><th>requirements</th>{head}</tr></thead><tbody>"
    )
    for row in report["cases"]:
        cells = "".join(
            _status_cell(
                row["results"][name],
                _first_line(row["results"][name]["message"]),
                _failure_anchor(index, row["id"])
                if row["results"][name]["status"] in (FAILED, EXPECTED_FAILURE)
                else "",
            )
            for index, name in enumerate(names)
        )
        parts.append(
            f'<tr id="case-{_e(row["id"])}"><th>{_e(row["id"])}</th>'
            f'<td class="ids">{_e(" ".join(row["requirements"]))}</td>{cells}</tr>'
        )
    parts.append("</tbody></table></section>")

    parts.append(
        '<section id="requirements"><h2>Requirements</h2><table class="matrix"><thead>'
        f"<tr><th>requirement</th><th>cases</th>{head}</tr></thead><tbody>"
    )
    for row in report["requirements"]:
        cells = "".join(
            _status_cell(
                row["results"][name],
                f"{row['results'][name][PASSED]} passed, {row['results'][name][FAILED]} failed, "
                f"{row['results'][name][EXPECTED_FAILURE]} expected failures, "
                f"{row['results'][name][SKIPPED]} skipped",
            )
            for name in names
        )
        count = len(row["cases"]) or ("untestable" if row["untestable"] else "none")
        parts.append(
            f'<tr id="req-{_e(row["id"])}"><th title="{_e(row["text"])}">{_e(row["id"])}</th>'
            f"<td>{_e(count)}</td>{cells}</tr>"
        )
    parts.append("</tbody></table></section>")

    parts.append(
        '<section id="coverage"><h2>Coverage by section of the specification</h2>'
        "<table><thead><tr><th>section</th><th>requirements</th><th>covered by cases</th>"
        f"<th>untestable</th>{head}</tr></thead><tbody>"
    )
    for row in report["sections"]:
        cells = "".join(
            "<td>" + _e(_section_counts(row["results"][name])) + "</td>" for name in names
        )
        parts.append(
            f"<tr><th>{_e(row['section'])}</th><td>{row['requirements']}</td>"
            f"<td>{row['covered']}</td><td>{row['untestable']}</td>{cells}</tr>"
        )
    parts.append(
        "</tbody></table>"
        "<p>Per implementation, requirements: whose cases all pass / with a failing case "
        "/ with an expected failure (listed) and no other failure / only skipped / with no "
        "case.</p></section>"
    )

    parts.append('<section id="failures"><h2>Failures</h2>')
    for index, name in enumerate(names):
        failures = report["failures"][name]
        parts.append(f"<h3>{_e(name)}: {len(failures)}</h3>")
        if failures:
            parts.append(
                '<table class="failures"><thead><tr><th>case</th><th>status</th>'
                "<th>first difference</th></tr></thead><tbody>"
            )
            for failure in failures:
                anchor = _failure_anchor(index, failure["case"])
                parts.append(
                    f'<tr id="{_e(anchor)}"><th>{_e(failure["case"])}</th>'
                    f"<td>{_e(failure['status'])}</td>"
                    f"<td><pre>{_e(failure['message'])}</pre></td></tr>"
                )
            parts.append("</tbody></table>")
    parts.append("</section>")

    parts.append('<section id="failure-lists"><h2>Failure lists</h2>')
    for list_name, entries in report["failure_lists"].items():
        parts.append(f"<h3>{_e(list_name)}.txt: {len(entries)}</h3>")
        if entries:
            parts.append("<table><tbody>")
            parts.extend(
                f"<tr><th>{_e(entry['case'])}</th><td>{_e(entry['reason'])}</td></tr>"
                for entry in entries
            )
            parts.append("</tbody></table>")
    parts.append("</section>")

    benchmarks = report.get("benchmarks")
    parts.append('<section id="benchmarks"><h2>Benchmarks</h2>')
    if benchmarks:
        parts.append(_markdown(benchmarks["markdown"], benchmarks.get("plot")))
    else:
        parts.append("<p>No benchmark results.</p>")
    parts.append("</section>")

    template = string.Template(_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(
        title=_e(f"Conformance: {', '.join(names)}"),
        generator=_e(report["generator"]),
        body="\n".join(parts),
    )


def _failure_anchor(implementation: int, case_id: str) -> str:
    return f"failure-{implementation}-{case_id}"


def _first_line(message: str) -> str:
    return message.splitlines()[0][:300] if message else ""


def _section_counts(counts: dict[str, int]) -> str:
    return " / ".join(
        str(counts.get(status, 0))
        for status in (PASSED, FAILED, EXPECTED_FAILURE, SKIPPED, _UNTESTED)
    )


def _markdown(text: str, plot: str | None) -> str:
    """RESULTS.md as HTML: with Python-Markdown where installed, else as text.
    Links to other files of the repository are left as text."""
    try:
        import markdown
    except ImportError:
        body = f"<pre>{_e(text)}</pre>"
    else:
        body = markdown.markdown(text, extensions=["tables"], output_format="html")
        body = body.replace('href="README.md"', "")
        # The document's headings, under the page's "Benchmarks".
        for level in (3, 2, 1):
            body = body.replace(f"<h{level}", f"<h{level + 2}").replace(
                f"</h{level}>", f"</h{level + 2}>"
            )
    if plot and "results.png" not in body:
        body += f'<img src="{_e(plot)}" alt="time against node count">'
    return f'<div class="markdown">{body}</div>'
