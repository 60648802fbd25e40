"""Kill `hubctl` at chosen moments of a run, rerun it, and require convergence.

Each point kills the whole process group of `hubctl up` (or `down`, or `drill`) when the
engine's event stream reaches a chosen step (tests/fault/killer.py), inside one layer, with the
layers below it kept deployed. Then, for `up`:
  - the rerun (`--break-stale-lock`: the killed run's locks are provably stale) succeeds;
  - a second `up` changes nothing and a refresh finds no drift;
  - an openstacksdk census of the test project equals the states exactly: no orphan, nothing
    missing;
  - no process of the killed run is left (the engine's plugins included).
For `down`, the rerun leaves nothing in the project and nothing in the states. For `drill`, the
rerun converges its journal's stacks, passes and cleans up.

CI runs one point of each kind (create, update, delete, between layers); HUB_FAULT_ALL=1 runs
every point of every layer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from hubcore.stacks import Layer
from hubctl import census
from hubctl.cloud import project_of
from hubctl.deploy import LAYERS, SiteDeployer, select_stack
from tests.fault.killer import Event, left_running, run, run_and_kill

pytestmark = pytest.mark.fault
SITE = "local"
CLOUD_KINDS = (
    "openstack:networking",
    "openstack:compute",
    "openstack:blockstorage",
    "openstack:keymanager",
    "openstack:objectstorage",
)
# What each layer's update point changes behind the program's back, in the state only: the
# next `up` then updates it in place.
UPDATED = {
    Layer.NETWORK: ("openstack:networking/secGroup:SecGroup", "description"),
    Layer.KMS: ("openstack:keymanager/secretV1:SecretV1", "metadata"),
    Layer.STORAGE: ("openstack:objectstorage/container:Container", "metadata"),
    Layer.COMPUTE: ("openstack:compute/instance:Instance", "metadata"),
}
FIRST_CLOUD_OP = {
    Layer.NETWORK: "openstack:networking/subnet:Subnet",
    Layer.KMS: "openstack:keymanager/secretV1:SecretV1",
    Layer.STORAGE: "openstack:objectstorage/container:Container",
    Layer.COMPUTE: "openstack:compute/instance:Instance",
}


@dataclass(frozen=True)
class KillPoint:
    kind: str  # create, update, delete, between
    layer: Layer
    ci: bool = False

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.layer.value}"


POINTS = [
    KillPoint("create", Layer.COMPUTE, ci=True),
    KillPoint("update", Layer.NETWORK, ci=True),
    KillPoint("between", Layer.STORAGE, ci=True),
    KillPoint("delete", Layer.COMPUTE, ci=True),
    *(
        KillPoint(kind, layer)
        for layer in LAYERS
        for kind in ("create", "update", "between", "delete")
        if (kind, layer)
        not in {
            ("create", Layer.COMPUTE),
            ("update", Layer.NETWORK),
            ("between", Layer.STORAGE),
            ("delete", Layer.COMPUTE),
        }
        and not (kind == "between" and layer is Layer.COMPUTE)  # nothing runs after compute
    ),
]
# Every point is collected; tests/fault/conftest.py deselects the non-CI ones unless
# HUB_FAULT_ALL=1 (deselected, not skipped: they were not asked for).
CHOSEN = POINTS


def above(layer: Layer) -> list[Layer]:
    """The layers that come after `layer` in the sequential plan, itself excluded."""
    return list(LAYERS[LAYERS.index(layer) + 1 :])


def dependants(layer: Layer) -> list[Layer]:
    """`layer` and every layer that reads it, directly or not, top first (a destroy order)."""
    from infra.kinds import LAYER_DEPENDENCIES

    found = {layer}
    changed = True
    while changed:
        changed = False
        for other, reads in LAYER_DEPENDENCIES.items():
            if other not in found and found & set(reads):
                found.add(other)
                changed = True
    return [x for x in reversed(LAYERS) if x in found]


@pytest.fixture(scope="module")
def env(deploy_env: dict[str, str]) -> dict[str, str]:
    return {**deploy_env, "COLUMNS": "160"}


@pytest.fixture(scope="module")
def deployer(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> SiteDeployer:
    return SiteDeployer(site=SITE, log_dir=tmp_path_factory.mktemp("fault-logs"), env=env)


@pytest.fixture(scope="module")
def site(deployer: SiteDeployer, connection: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The test site deployed once; each point puts it back whole; destroyed at the end."""
    runs = deployer.run("up")
    assert [r.status for r in runs] == ["done"] * 4, [r.error for r in runs]
    yield deployer
    final = deployer.run("destroy")
    assert [r.status for r in final] == ["done"] * 4, [r.error for r in final]


def destroy(layers: list[Layer], env: dict[str, str]) -> None:
    for layer in layers:
        select_stack(SITE, layer, env).destroy(color="never")


def edit_state(layer: Layer, env: dict[str, str]) -> str:
    """Change one resource's value in the state only, so the next `up` updates it."""
    token, key = UPDATED[layer]
    stack = select_stack(SITE, layer, env)
    exported = stack.export_stack()
    deployment = dict(exported.deployment or {})
    resource = next(r for r in deployment["resources"] if r["type"] == token)
    for part in ("inputs", "outputs"):
        values = resource.setdefault(part, {})
        if key == "description":
            values[key] = "changed behind the program's back"
        else:
            values[key] = {**(values.get(key) or {}), "fault-injection": "stale"}
    stack.import_stack(auto.Deployment(version=exported.version, deployment=deployment))
    return str(resource["urn"])


def is_step(
    op: str, stack: str, token: str | None = None, urn: str | None = None
) -> Callable[[Event], bool]:
    def matches(event: Event) -> bool:
        return (
            event.get("kind") == "resource_pre_event"
            and event.get("op") == op
            and event.get("stack") == stack
            and (token is None or f"${token}::" in str(event.get("urn")))
            and (urn is None or event.get("urn") == urn)
        )

    return matches


def layer_done(stack: str) -> Callable[[Event], bool]:
    return lambda e: e.get("kind") == "summary_event" and e.get("stack") == stack


def deployments(env: dict[str, str]) -> list[dict[str, Any]]:
    return [
        dict(select_stack(SITE, layer, env).export_stack().deployment or {}) for layer in LAYERS
    ]


def assert_converged(deployer: SiteDeployer, connection: Any, env: dict[str, str]) -> None:
    again = deployer.run("up")
    assert [r.status for r in again] == ["done"] * 4, [r.error for r in again]
    for r in again:
        assert set(r.changes) <= {"same"}, f"second up of {r.stack}: {r.changes}"
    refreshed = deployer.run("refresh")
    for r in refreshed:
        assert r.status == "done" and set(r.changes) <= {"same"}, f"drift in {r.stack}: {r.changes}"
    taken = census.take(project_of(connection), SITE, deployments(env))
    assert taken.orphans == [], [o.line() for o in taken.orphans]
    assert taken.missing == []


def lines(text: str, *needles: str) -> str:
    return "\n".join(line for line in text.splitlines() if any(n in line for n in needles))


@pytest.mark.parametrize("point", CHOSEN, ids=[p.id for p in CHOSEN])
def test_a_killed_run_converges_on_rerun(
    point: KillPoint, site: SiteDeployer, connection: Any, env: dict[str, str], tmp_path: Path
) -> None:
    stack = f"{SITE}-{point.layer.value}"
    args = ["up", "--site", SITE]
    if point.kind == "create":
        destroy(dependants(point.layer), env)
        chosen = is_step("create", stack, FIRST_CLOUD_OP[point.layer])
    elif point.kind == "update":
        chosen = is_step("update", stack, urn=edit_state(point.layer, env))
    elif point.kind == "between":
        destroy([x for x in reversed(above(point.layer))], env)
        args.append("--sequential")
        chosen = layer_done(stack)
    else:
        args = ["down", "--site", SITE]
        chosen = is_step("delete", stack, FIRST_CLOUD_OP[point.layer])

    killed = run_and_kill(args, env, tmp_path, chosen)
    assert killed.event is not None, f"the run ended before {point.id}:\n{killed.output[-3000:]}"
    assert left_running(killed.mark) == [], "processes of the killed run are still running"

    code, output = run([*args, "--break-stale-lock"], env, tmp_path)
    (tmp_path / "rerun.log").write_text(output)
    assert code == 0, output[-4000:]
    if point.kind == "delete":
        taken = census.take(project_of(connection), SITE, deployments(env))
        assert taken.cloud == [], [o.line() for o in taken.cloud]
        assert all(not d.get("resources") for d in deployments(env))
        restored = site.run("up")  # the next points start from a whole site
        assert [r.status for r in restored] == ["done"] * 4
        return
    assert_converged(site, connection, env)


DRILL_POINTS = [(layer, kind) for layer in LAYERS for kind in ("create", "between")]
DRILL_CHOSEN = DRILL_POINTS


@pytest.mark.parametrize(
    ("layer", "kind"), DRILL_CHOSEN, ids=[f"drill-{k}-{layer.value}" for layer, k in DRILL_CHOSEN]
)
def test_a_killed_drill_converges_on_rerun(
    layer: Layer,
    kind: str,
    site: SiteDeployer,
    env: dict[str, str],
    tmp_path: Path,
    test_tenant: Any,
) -> None:
    """The drill's journal lets the rerun take over the stacks the killed drill was building."""
    target = "local-dr"
    stack = f"{target}-{layer.value}"
    drill_env = {**env, "HUB_DRILL_STATE": str(tmp_path / "drill-state")}
    args = ["drill", "--site", SITE, "--to", target, "--report-dir", str(tmp_path / "report")]
    chosen = (
        is_step("create", stack, FIRST_CLOUD_OP[layer]) if kind == "create" else layer_done(stack)
    )
    killed = run_and_kill(args, drill_env, tmp_path, chosen)
    assert killed.event is not None, killed.output[-3000:]
    assert left_running(killed.mark) == []
    journal = json.loads((tmp_path / "drill-state" / f"{target}.journal.json").read_text())
    assert journal["status"] == "running"

    code, output = run([*args, "--break-stale-lock"], drill_env, tmp_path)
    assert code == 0, output[-4000:]
    dr = test_tenant.connect(target)
    left = project_of(dr).hub_objects(target)
    assert left == [], [o.line() for o in left]
    assert not (tmp_path / "drill-state" / f"{target}.journal.json").exists()
