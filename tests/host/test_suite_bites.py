"""The suite is known to bite: run against a plain first boot of the same image, it fails.

The plain root is the base image after cloud-init's first boot with the user data of an
un-hardened deployment (just a key for the image's default user). Every measure's test must
fail there with an assertion, except the few measures a stock Debian image already meets,
listed below with the reason: for those the hardening is a guarantee, not a change.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from infra.hardening import MEASURES
from infra.hardening.hostroot import REPO_ROOT
from infra.tiers import HostRole

HERE = Path(__file__).parent

HOLDS_ON_STOCK_IMAGE: dict[str, str] = {
    "no-legacy-services": "a minimal Debian image installs none of the legacy services",
}


def test_every_measure_listed_as_holding_on_a_stock_image_exists() -> None:
    assert set(HOLDS_ON_STOCK_IMAGE) <= {m.id for m in MEASURES}


@pytest.fixture(scope="module")
def plain_results(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Outcome of every test of the suite run against the plain root: id -> passed/failed/..."""
    if pytestconfig.getoption("hosts", None) or pytestconfig.getoption("--plain-root"):
        pytest.skip("the bite check runs from a hardened-root run, not against a given target")
    report = tmp_path_factory.mktemp("plain") / "junit.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(HERE),
        "--plain-root",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-q",
        f"--junitxml={report}",
        "--deselect",
        f"{HERE / Path(__file__).name}",
    ]
    run = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert report.exists(), f"the plain run produced no report:\n{run.stdout}\n{run.stderr}"
    results: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                message = child.get("message", "")
                outcome = child.tag
                if child.tag == "failure" and not message.startswith("AssertionError"):
                    outcome = f"failure-not-assertion: {message[:200]}"
        results[f"{case.get('classname')}::{case.get('name')}"] = outcome
    return results


def test_every_hardening_test_fails_on_the_plain_root_by_assertion(
    plain_results: dict[str, str],
) -> None:
    measure_tests = {
        name: outcome
        for name, outcome in plain_results.items()
        if "[" in name and not any(m in name for m in ("test_catalogue", "test_rule_spellings"))
    }
    # One case per applicable (measure, role) pair: nothing was left out of the plain run.
    expected_cases = sum(len(m.roles & set(HostRole)) for m in MEASURES)
    assert len(measure_tests) == expected_cases, sorted(measure_tests)
    unexpected = {
        name: outcome
        for name, outcome in measure_tests.items()
        if outcome != "failure" and not _holds_on_stock(name)
    }
    assert unexpected == {}, "tests that do not bite on the plain root"


def test_measures_that_hold_on_a_stock_image_pass_there(plain_results: dict[str, str]) -> None:
    holding = {name: outcome for name, outcome in plain_results.items() if _holds_on_stock(name)}
    assert holding and set(holding.values()) == {"passed"}, holding


def _holds_on_stock(test_name: str) -> bool:
    return any(_test_of(measure) in test_name for measure in HOLDS_ON_STOCK_IMAGE)


def _test_of(measure_id: str) -> str:
    from test_catalogue import measure_markers  # the suite's own measure -> test table

    return next(test.split("::")[1] for test, mid in measure_markers() if mid == measure_id)
