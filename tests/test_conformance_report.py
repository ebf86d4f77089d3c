"""``conformance run --json-results`` and ``conformance report``: the site is
opened in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright), which must show the statuses the report was given."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCOPE_CASES = "Required.Scope.*"

# Statuses given for a second implementation, one of each kind.
GIVEN = {
    "Required.Scope.BasicGraph": ("passed", ""),
    "Required.Scope.Nested": (
        "failed",
        "returned MetaGraphDef: graph_def.node[1].input[0]: expected 'x', got 's/x'",
    ),
    "Required.Scope.Colocation": ("expected failure", "file model.meta was not written"),
    "Required.Scope.Hyphen": ("skipped", "needs the runner's sandbox"),
}


def conformance(*arguments: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metagraph_export", "conformance", *map(str, arguments)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("report")
    run = conformance(
        "run",
        "--backend",
        "python",
        "--case",
        SCOPE_CASES,
        "--json-results",
        "python.json",
        cwd=directory,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((directory / "python.json").read_text())
    known = {item["case"] for item in results["results"]}
    assert set(GIVEN) <= known, sorted(known)
    given = {
        "format": results["format"],
        "implementation": "given",
        "description": "statuses given by the test",
        "results": [
            {"case": case, "status": status, "message": message, "seconds": 0.0}
            for case, (status, message) in GIVEN.items()
        ],
    }
    (directory / "given.json").write_text(json.dumps(given))
    report = conformance(
        "report",
        "--results",
        "python.json",
        "--results",
        "given.json",
        "-o",
        "site",
        cwd=directory,
    )
    # A failing case: exit status 1, the site written all the same.
    assert report.returncode == 1, report.stdout + report.stderr
    assert "given: 1 passed, 1 failed, 1 skipped, 1 expected failures" in report.stdout
    return directory / "site"


def test_report_json_holds_the_given_statuses(site: Path) -> None:
    report: dict[str, Any] = json.loads((site / "report.json").read_text())
    assert [i["name"] for i in report["implementations"]] == ["python", "given"]
    rows = {row["id"]: row["results"] for row in report["cases"]}
    for case, (status, message) in GIVEN.items():
        assert rows[case]["given"] == {"status": status, "message": message}
    scope_rows = [row for row in report["cases"] if row["id"].startswith("Required.Scope.")]
    assert all(row["results"]["python"]["status"] == "passed" for row in scope_rows)
    assert all(
        row["results"]["given"]["status"] == "not run"
        for row in scope_rows
        if row["id"] not in GIVEN
    )
    assert report["failures"]["given"] == [
        {"case": case, "status": GIVEN[case][0], "message": GIVEN[case][1]}
        for case in ("Required.Scope.Nested", "Required.Scope.Colocation")
    ]
    # A requirement cited by the failing case fails for that implementation.
    requirements = {row["id"]: row for row in report["requirements"]}
    strip_case = next(row for row in report["cases"] if row["id"] == "Required.Scope.Nested")
    for requirement in strip_case["requirements"]:
        assert requirements[requirement]["results"]["given"]["status"] == "failed"
    assert report["sections"] and report["failure_lists"]["tensorflow"]
    assert (site / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_results_file_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    result = conformance("report", "--results", "bad.json", "-o", "site", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "metagraph-export conformance report: error: bad.json: not a results file of format "
        "metagraph-export-conformance-results/1"
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad.json"]


def _browser() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="needs the playwright package (pip install playwright)"
    )
    return sync_api


def test_the_matrix_renders_in_chromium(site: Path, tmp_path: Path) -> None:
    sync_api = _browser()
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.goto((site / "index.html").as_uri())
            columns = page.eval_on_selector_all(
                "#cases thead th", "cells => cells.map(cell => cell.textContent)"
            )
            assert columns == ["case", "requirements", "python", "given"]
            for case, (status, message) in GIVEN.items():
                row = page.locator(f'#cases tr[id="case-{case}"]')
                cell = row.locator("td.status").nth(1)
                assert cell.get_attribute("data-status") == status
                label = {
                    "passed": "pass",
                    "failed": "FAIL",
                    "expected failure": "xfail",
                    "skipped": "skip",
                }[status]
                assert cell.inner_text().strip() == label
                assert cell.is_visible()
                if message:
                    assert cell.get_attribute("title") == message
            failing = page.locator('#cases tr[id="case-Required.Scope.Nested"] td.failed')
            colour = failing.evaluate("cell => getComputedStyle(cell).backgroundColor")
            assert colour == "rgb(255, 204, 213)"
            failing.locator("a").click()
            target = page.locator(":target")
            assert "graph_def.node[1].input[0]" in target.inner_text()
            python_passes = page.locator('#cases td.passed[data-status="passed"]').count()
            report = json.loads((site / "report.json").read_text())
            expected = sum(
                (row["results"]["python"]["status"] == "passed")
                + (row["results"]["given"]["status"] == "passed")
                for row in report["cases"]
            )
            assert python_passes == expected
            plot = page.locator("#benchmarks img")
            assert plot.evaluate("image => image.complete && image.naturalWidth") > 0
            page.screenshot(path=str(tmp_path / "report.png"))
        finally:
            browser.close()
    assert requests and all(url.startswith("file://") for url in requests), requests
    shutil.copyfile(tmp_path / "report.png", site / "screenshot.png")


def test_report_runs_a_backend(tmp_path: Path) -> None:
    result = conformance(
        "report",
        "--backend",
        "python",
        "--case",
        "Required.Scope.Basic*",
        "--no-benchmarks",
        "-o",
        "site",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "site" / "report.json").read_text())
    statuses = {row["id"]: row["results"]["python"]["status"] for row in report["cases"]}
    ran = {case for case, status in statuses.items() if status != "not run"}
    assert ran == {"Required.Scope.BasicGraph", "Required.Scope.BasicGraphInner"}
    assert {statuses[case] for case in ran} == {"passed"}
    assert report["benchmarks"] is None
    assert sorted(path.name for path in (tmp_path / "site").iterdir()) == [
        "index.html",
        "report.json",
    ]
