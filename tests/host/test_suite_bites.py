"""The suite is known to bite: run against a plain first boot of the same image, it fails.

The plain root is the base image after cloud-init's first boot with the user data of an
un-hardened deployment (just a key for the image's default user). Every measure's test must
fail there with an assertion, except the few measures a stock Debian image already meets,
listed below with the reason: for those the hardening is a guarantee, not a change. And the
suite's sanity test must pass there, so the failures come from the root, not from the harness.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from infra.hardening import MEASURES
from infra.tiers import HostRole

HERE = Path(__file__).parent
SANITY_TEST = "test_target_is_a_debian_bookworm_system_after_cloud_init_first_boot"

HOLDS_ON_STOCK_IMAGE: dict[str, str] = {
    "no-legacy-services": "a minimal Debian image installs none of the legacy services",
}


@dataclass(frozen=True)
class Case:
    name: str
    measure: str | None
    outcome: str  # passed, failure, error, skipped
    message: str


def test_every_measure_listed_as_holding_on_a_stock_image_exists() -> None:
    assert set(HOLDS_ON_STOCK_IMAGE) <= {m.id for m in MEASURES}


@pytest.fixture(scope="module")
def plain_run(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    """Every test of the suite, run in a child pytest against the plain root."""
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
        "-o",
        "junit_family=xunit1",
        "-q",
        f"--junitxml={report}",
    ]
    for role in pytestconfig.getoption("--role") or []:
        command += ["--role", role]
    run = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert report.exists(), f"the plain run produced no report:\n{run.stdout}\n{run.stderr}"
    cases = []
    for case in ET.parse(report).getroot().iter("testcase"):
        measure = next(
            (p.get("value") for p in case.iter("property") if p.get("name") == "measure"), None
        )
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome, message = child.tag, child.get("message", "")
        cases.append(Case(str(case.get("name")), measure, outcome, message))
    return cases


def _roles(pytestconfig: pytest.Config) -> set[HostRole]:
    return {HostRole(r) for r in pytestconfig.getoption("--role") or [r.value for r in HostRole]}


def test_the_plain_root_answers_the_suite(
    plain_run: list[Case], pytestconfig: pytest.Config
) -> None:
    sanity = [c for c in plain_run if c.name.startswith(SANITY_TEST)]
    assert len(sanity) == len(_roles(pytestconfig))
    assert {c.outcome for c in sanity} == {"passed"}, [c.message for c in sanity]


def test_every_measure_is_checked_on_the_plain_root_for_each_role_it_applies_to(
    plain_run: list[Case], pytestconfig: pytest.Config
) -> None:
    roles = _roles(pytestconfig)
    expected = sorted(m.id for m in MEASURES for role in m.roles & roles)
    assert sorted(c.measure for c in plain_run if c.measure is not None) == expected


def test_every_hardening_test_fails_on_the_plain_root_by_assertion(plain_run: list[Case]) -> None:
    biting = [
        c for c in plain_run if c.measure is not None and c.measure not in HOLDS_ON_STOCK_IMAGE
    ]
    assert biting
    not_biting = {
        c.name: c.outcome
        for c in biting
        if c.outcome != "failure" or not c.message.startswith("AssertionError")
    }
    assert not_biting == {}, "these tests do not fail by assertion on the plain root"


def test_measures_a_stock_image_already_meets_pass_on_the_plain_root(
    plain_run: list[Case],
) -> None:
    holding = [c for c in plain_run if c.measure in HOLDS_ON_STOCK_IMAGE]
    assert holding
    assert {c.name: c.outcome for c in holding if c.outcome != "passed"} == {}
