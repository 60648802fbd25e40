"""Policy packs through the real engine: `pulumi preview/up --policy-pack <dir>`.

The probe pack under tests/engine/projects proves that a Python pack loads through our language
host at all; the others run the project's own pack in policies/ and need its PulumiPolicy.yaml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hubcore.stackfiles import STACKS_DIR_VARIABLE
from hubctl.cloud import connect_from_env
from hubctl.engine_project import engine_work_dir
from tests.cloud import generated_key_refs
from tests.engine.conftest import POLICIES, PROJECTS, REPO, Pulumi, Stack, StackFactory
from tests.hubctl_runner import run_hubctl
from tests.private_stacks import copy_stacks

pytestmark = pytest.mark.engine

PROBE_PACK = PROJECTS / "probe-policy"


@dataclass(frozen=True)
class PolicyRun:
    returncode: int
    output: str
    # (policy name, resource name) for each violation; resource name is "" for stack policies.
    violations: frozenset[tuple[str, str]]
    # The same with the enforcement level the engine applied.
    verdicts: frozenset[tuple[str, str, str]]
    packs: frozenset[str]


def run_with_pack(stack: Stack, operation: str, pack: Path, tmp_path: Path) -> PolicyRun:
    """Run preview or up with a policy pack and read its verdicts from the engine's event log."""
    events_file = tmp_path / f"{operation}-events.jsonl"
    args = [operation, "--policy-pack", str(pack), "--event-log", str(events_file)]
    if operation == "up":
        args += ["--yes", "--skip-preview"]
    # --event-log is only offered with PULUMI_DEBUG_COMMANDS (the Automation API sets it too).
    stack.run.extra_env["PULUMI_DEBUG_COMMANDS"] = "true"
    result = stack.run(*args, check=False)
    verdicts: set[tuple[str, str, str]] = set()
    packs: set[str] = set()
    for line in events_file.read_text().splitlines():
        event = json.loads(line)
        if "policyEvent" in event:
            found = event["policyEvent"]
            resource = resource_name(found.get("resourceUrn") or "")
            verdicts.add((found["policyName"], resource, found["enforcementLevel"]))
            packs.add(found["policyPackName"])
        for summary in ("policyAnalyzeSummaryEvent", "policyAnalyzeStackSummaryEvent"):
            if summary in event:
                packs.add(event[summary]["policyPackName"])
    return PolicyRun(
        returncode=result.returncode,
        output=result.stdout + result.stderr,
        violations=frozenset((policy, resource) for policy, resource, _ in verdicts),
        verdicts=frozenset(verdicts),
        packs=frozenset(packs),
    )


def resource_name(urn: str) -> str:
    """The name part of a URN; "" for the stack itself, which is where stack policies report."""
    if not urn or "::pulumi:pulumi:Stack::" in urn:
        return ""
    return urn.rsplit("::", 1)[-1]


def require_project_pack() -> None:
    # Not a skip: the project pack is part of the deliverable, so its absence is a failure.
    assert (POLICIES / "PulumiPolicy.yaml").is_file(), "policies/PulumiPolicy.yaml is missing"


def test_a_python_policy_pack_runs_through_the_language_host(
    make_stack: StackFactory, tmp_path: Path
) -> None:
    run = run_with_pack(make_stack("tls-only"), "preview", PROBE_PACK, tmp_path)
    assert run.returncode == 0, run.output
    assert run.packs == {"engine-probe"}
    assert run.violations == {("probe-flag-ecdsa", "engine-test-ca-key")}


def test_preview_loads_the_project_policy_pack(make_stack: StackFactory, tmp_path: Path) -> None:
    require_project_pack()
    run = run_with_pack(make_stack("tls-only"), "preview", POLICIES, tmp_path)
    assert run.returncode == 0, run.output
    assert run.packs, f"no policy pack reported by the engine:\n{run.output}"


def test_up_passes_the_project_policy_pack_on_a_compliant_stack_and_destroy_cleans_up(
    make_stack: StackFactory, tmp_path: Path
) -> None:
    require_project_pack()
    stack = make_stack("tls-only")
    run = run_with_pack(stack, "up", POLICIES, tmp_path)
    assert run.returncode == 0, run.output
    assert not run.violations
    assert len(stack.resources()) > 0
    stack.run("destroy", "--yes", "--skip-preview")
    assert stack.resources() == []


def test_the_project_policy_pack_blocks_weak_keys_before_anything_is_created(
    make_stack: StackFactory, tmp_path: Path
) -> None:
    require_project_pack()
    stack = make_stack("weak-tls")
    run = run_with_pack(stack, "up", POLICIES, tmp_path)
    assert run.returncode != 0
    assert "weak-key" in {resource for _, resource in run.violations}
    assert "tls:index/privateKey:PrivateKey" not in [r["type"] for r in stack.resources()]


def test_engine_route_and_hubctl_check_report_the_same_violations(
    make_stack: StackFactory, tmp_path: Path
) -> None:
    require_project_pack()
    stack = make_stack("weak-tls")
    # Deployed without the pack, so there is a state for hubctl to read.
    stack.run("up", "--yes", "--skip-preview")
    state = tmp_path / "state.json"
    state.write_text(stack.run("stack", "export").stdout)

    engine = run_with_pack(stack, "preview", POLICIES, tmp_path)
    # The engine sees the stack's secrets decrypted (a private key the certificate is signed
    # with): hubctl is given the same sight with the stack's passphrase, and the environment
    # the engine ran in.
    hubctl = run_hubctl(
        "check", "--state", str(state), "--decrypt", "--format", "json",
        installed=True,
        cwd=REPO,
        env={**stack.run.env, **stack.run.extra_env},
        timeout=300,
    )  # fmt: skip
    assert hubctl.returncode in {0, 1}, hubctl.stderr
    offline = {
        (v["policy"], resource_name(v["urn"]), v["enforcement"])
        for v in json.loads(hubctl.stdout)["violations"]
    }
    assert engine.verdicts, f"the engine reported no violation on weak-tls:\n{engine.output}"
    assert engine.verdicts == offline


def _mandatory_findings(events: Path) -> list[dict[str, Any]]:
    findings = [
        json.loads(line)["policyEvent"]
        for line in events.read_text().splitlines()
        if "policyEvent" in json.loads(line)
    ]
    return [f for f in findings if f["enforcementLevel"] == "mandatory"]


def test_a_first_preview_of_every_layer_of_a_new_hub_site_passes_the_project_pack(
    pulumi: Any, cloud_env: dict[str, str], tmp_path: Path
) -> None:
    """Nothing deployed yet: every id, address and key the provider computes is unknown.

    The pack must tell those from unknowns that come from config (which fail closed): the
    previews of the real program pass with every rule applied, the engine's stack analysis
    included. Storage and compute read network and KMS through stack references, so those two
    are deployed first (with the pack) and destroyed at the end. The engine runs in a view of
    the checkout whose stacks/ is a copy (hubctl.engine_project): `stack init` writes there.
    """
    require_project_pack()
    backend = tmp_path / "backend"
    backend.mkdir()
    cloud = cloud_env  # the test session's own Keystone project, never the user's site
    stacks = copy_stacks(tmp_path)
    run = Pulumi(
        pulumi.env,
        engine_work_dir({STACKS_DIR_VARIABLE: str(stacks)}),
        {
            **cloud,
            STACKS_DIR_VARIABLE: str(stacks),
            "PULUMI_BACKEND_URL": backend.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": "local-only-not-a-secret",
            "PULUMI_DEBUG_COMMANDS": "true",
        },
    )
    deployed: list[str] = []
    generated: list[str] = []

    def preview(stack: str) -> None:
        events = tmp_path / f"{stack}-events.jsonl"
        done = run(
            "preview", "--stack", stack, "--policy-pack", str(POLICIES),
            "--event-log", str(events), check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert _mandatory_findings(events) == []
        assert "policyAnalyzeSummaryEvent" in events.read_text(), "the pack analysed nothing"

    try:
        for layer in ("network", "kms", "storage", "compute"):
            run("stack", "init", f"local-{layer}", "--secrets-provider", "passphrase")
        for layer in ("network", "kms"):
            preview(f"local-{layer}")
        for layer in ("network", "kms"):
            run("up", "--stack", f"local-{layer}", "--yes", "--skip-preview",
                "--policy-pack", str(POLICIES))  # fmt: skip
            deployed.append(f"local-{layer}")
        for layer in ("storage", "compute"):
            preview(f"local-{layer}")
        # The deployed state, judged offline as `hubctl check --state` judges it: what the
        # engine recorded (its own inputs, the bridge's defaults) passes the closed world too.
        for stack in deployed:
            export = tmp_path / f"{stack}.json"
            export.write_text(run("stack", "export", "--stack", stack).stdout)
            checked = run_hubctl(
                "check", "--state", str(export), "--decrypt", "--format", "json", installed=True,
                cwd=REPO, env={**run.env, **run.extra_env}, timeout=300,
            )  # fmt: skip
            assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    finally:
        if "local-kms" in deployed:
            exported = run("stack", "export", "--stack", "local-kms", check=False)
            if exported.returncode == 0:
                generated = generated_key_refs(exported.stdout)
        for stack in reversed(deployed):
            run("destroy", "--stack", stack, "--yes", "--skip-preview", check=False)
        # Destroying a Barbican order keeps the key it generated (as `hubctl down` knows).
        connection: Any = connect_from_env(cloud)
        for ref in generated:
            secret_id = ref.rstrip("/").rsplit("/", 1)[-1]
            connection.key_manager.delete_secret(secret_id, ignore_missing=True)
