"""`hubctl pipeline gitlab`: the generated child pipeline, run for real by gitlab-ci-local on its
shell executor (no Docker) in a copy of the repository. gitlab-ci-local validates the file
against GitLab's schema and honours `needs:`; it does not follow `trigger:`, so the generated
file is run itself (`--file`). Only the check jobs run here (offline); the full pipeline of the
local site, preview and up included, is tests/review/test_local_pipeline.py.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.review.project import Project, make_project

OVH_SITES = ("prod", "staging", "dr")
LAYERS = ("network", "kms", "storage", "compute")
# The stack graph as the README states it: "storage reads kms; compute reads network and kms".
READS = {"network": (), "kms": (), "storage": ("kms",), "compute": ("network", "kms")}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("hub-copy"))


def generate(project: Project, site: str) -> str:
    name = f"hub-{site}.gitlab-ci.yml"
    result = project.hubctl("pipeline", "gitlab", "--site", site, "--output", name)
    assert result.returncode == 0, result.stderr
    return name


def needs(job: dict) -> set[tuple[str, bool]]:
    return {(need["job"], need["optional"]) for need in job["needs"]}


@pytest.mark.parametrize("site", [*OVH_SITES, "local", "local-dr"])
def test_every_stack_gets_a_check_preview_and_up_job_and_the_site_an_audit(project, site):
    jobs = project.jobs(generate(project, site))
    assert set(jobs) == {
        f"{kind}:{site}-{layer}" for kind in ("check", "preview", "up") for layer in LAYERS
    } | {f"audit:{site}"}


@pytest.mark.parametrize("site", [*OVH_SITES, "local"])
def test_needs_as_gitlab_ci_local_reads_them_follow_the_stack_graph(project: Project, site):
    jobs = project.jobs(generate(project, site))
    for layer, reads in READS.items():
        stack = f"{site}-{layer}"
        assert needs(jobs[f"check:{stack}"]) == set(), "checks run at once"
        assert needs(jobs[f"preview:{stack}"]) == {
            (f"check:{stack}", False),
            *((f"preview:{site}-{read}", False) for read in reads),
            *((f"up:{site}-{read}", True) for read in reads),
        }
        assert needs(jobs[f"up:{stack}"]) == {
            (f"preview:{stack}", False),
            *((f"up:{site}-{read}", False) for read in reads),
        }


def test_up_jobs_are_manual_on_the_default_branch_with_one_resource_group_per_stack(project):
    name = generate(project, "prod")
    jobs = project.jobs(name)
    document = yaml.safe_load((project.root / name).read_text())
    for layer in LAYERS:
        stack = f"prod-{layer}"
        assert jobs[f"up:{stack}"]["when"] == "manual"
        assert document[f"up:{stack}"]["resource_group"] == stack


def test_up_jobs_do_not_exist_off_the_default_branch(tmp_path: Path):
    project = make_project(tmp_path / "copy")
    project.git("checkout", "-q", "-b", "feature")
    jobs = project.jobs(generate(project, "staging"))
    assert {name for name, job in jobs.items() if job["when"] == "never"} == {
        f"up:staging-{layer}" for layer in LAYERS
    } | {"audit:staging"}
    assert all(jobs[f"preview:staging-{layer}"]["when"] == "on_success" for layer in LAYERS)


@pytest.mark.parametrize("source", ["CI_PIPELINE_SOURCE", "HUB_PIPELINE_SOURCE"])
def test_a_scheduled_pipeline_runs_the_audit_and_nothing_else(tmp_path: Path, source: str):
    """GitLab's own source, or the parent's (a child pipeline's own is parent_pipeline)."""
    project = make_project(tmp_path / "copy")
    listed = project.gitlab_ci_local(
        "--file", generate(project, "prod"), "--list-json", variables={source: "schedule"}
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    # gitlab-ci-local warns that CI_PIPELINE_SOURCE is predefined; the listing follows.
    start = re.search(r"^\[", listed.stdout, re.MULTILINE)
    assert start is not None, listed.stdout
    jobs = json.loads(listed.stdout[start.start() :])
    assert {job["name"] for job in jobs if job["when"] != "never"} == {"audit:prod"}


def test_the_audit_job_keeps_its_reports_and_record_as_artifacts(project: Project):
    document = yaml.safe_load((project.root / generate(project, "prod")).read_text())
    job = document["audit:prod"]
    assert job["artifacts"]["reports"] == {
        "codequality": "reports/hubctl/audit-prod.codequality.json",
        "junit": "reports/hubctl/audit-prod.junit.xml",
    }
    assert "reports/audits/" in job["artifacts"]["paths"] and job["artifacts"]["when"] == "always"
    assert "$HUBCTL audit --site prod" in job["script"][-1]


def test_the_include_passes_the_parents_source_to_the_child():
    template = yaml.safe_load_all(
        (Path(__file__).parents[2] / "ci" / "gitlab" / "hub.gitlab-ci.yml").read_text()
    )
    jobs = list(template)[1]
    trigger = jobs["hub:$[[ inputs.site ]]"]
    assert trigger["variables"]["HUB_PIPELINE_SOURCE"] == "$CI_PIPELINE_SOURCE"


def _check_stage(project: Project, site: str):
    return project.gitlab_ci_local("--file", generate(project, site), "--stage", "check")


@pytest.mark.parametrize("site", OVH_SITES)
def test_the_check_jobs_of_an_ovh_site_pass_and_their_artifacts_parse(project, site):
    result = _check_stage(project, site)
    assert result.returncode == 0, result.stdout[-3000:]
    for layer in LAYERS:
        stack = f"{site}-{layer}"
        assert f"PASS  check:{stack}" in result.stdout
        assert f"$HUBCTL check --stack {stack}" in result.stdout  # hubctl itself ran
        junit = ET.parse(project.artifact(f"check:{stack}", f"reports/hubctl/{stack}.junit.xml"))
        assert junit.getroot().tag == "testsuites" and junit.getroot().get("failures") == "0"
        assert int(junit.getroot().get("tests", "0")) >= 1
        quality = json.loads(
            project.artifact(
                f"check:{stack}", f"reports/hubctl/{stack}.codequality.json"
            ).read_text()
        )
        assert isinstance(quality, list)
        assert all(issue["severity"] == "info" for issue in quality)  # advisory only


def test_a_stack_with_a_non_eu_region_turns_the_pipeline_red_at_its_file_and_line(tmp_path):
    project = make_project(tmp_path / "copy")
    stack_file = project.root / "stacks" / "Pulumi.staging-network.yaml"
    lines = stack_file.read_text().splitlines()
    config = next(n for n, line in enumerate(lines) if line.startswith("config:"))
    lines[config : config + 1] = ["config:", "  openstack:region: us-east-1"]
    stack_file.write_text("\n".join(lines) + "\n")
    project.commit("staging network in the US")

    result = _check_stage(project, "staging")
    assert result.returncode != 0, result.stdout[-3000:]
    assert "FAIL  check:staging-network" in result.stdout
    assert "PASS  check:staging-kms" in result.stdout
    issues = json.loads(
        project.artifact(
            "check:staging-network", "reports/hubctl/staging-network.codequality.json"
        ).read_text()
    )
    region = [i for i in issues if i["check_name"] == "region-eu-only"]
    assert region and all(i["severity"] == "blocker" for i in region)
    # config: is line config+1 (1-based), the region key the line after it.
    assert {(i["location"]["path"], i["location"]["lines"]["begin"]) for i in region} == {
        ("stacks/Pulumi.staging-network.yaml", config + 2)
    }
    junit = ET.parse(
        project.artifact("check:staging-network", "reports/hubctl/staging-network.junit.xml")
    )
    assert int(junit.getroot().get("failures", "0")) >= 1


def test_the_include_generates_the_child_pipeline_and_triggers_it(tmp_path: Path):
    project = make_project(tmp_path / "copy")
    (project.root / ".gitlab-ci.yml").write_text(
        "include:\n"
        "  - local: ci/gitlab/hub.gitlab-ci.yml\n"
        "    inputs:\n"
        "      site: staging\n"
        f"      hubctl: {Path(__import__('sys').executable)} -m hubctl.cli\n"
    )
    project.commit("include the hub pipeline")
    jobs = project.jobs(".gitlab-ci.yml")
    assert set(jobs) == {"hub:staging:generate", "hub:staging"}
    assert needs(jobs["hub:staging"]) == {("hub:staging:generate", False)}
    trigger = yaml.safe_load(
        (project.root / ".gitlab-ci-local" / "expanded-gitlab-ci.yml").read_text()
    )["hub:staging"]["trigger"]
    assert trigger["include"] == [
        {"artifact": "hub-staging.gitlab-ci.yml", "job": "hub:staging:generate"}
    ]
    result = project.gitlab_ci_local("hub:staging:generate")
    assert result.returncode == 0, result.stdout[-3000:]
    generated = project.artifact("hub:staging:generate", "hub-staging.gitlab-ci.yml")
    assert generated.read_text() == project.hubctl("pipeline", "gitlab", "--site", "staging").stdout


def test_pipeline_for_an_unknown_site_is_a_usage_error(project: Project):
    result = project.hubctl("pipeline", "gitlab", "--site", "nowhere")
    assert result.returncode == 2 and "nowhere" in result.stderr and "prod" in result.stderr


def test_pipeline_stacks_lists_a_site_in_dependency_order(project: Project):
    result = project.hubctl("pipeline", "stacks", "--site", "local")
    order = result.stdout.split()
    assert sorted(order) == sorted(f"local-{layer}" for layer in LAYERS)  # not local-dr's
    for layer, reads in READS.items():
        assert all(order.index(f"local-{r}") < order.index(f"local-{layer}") for r in reads)
