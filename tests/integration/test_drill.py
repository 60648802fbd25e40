"""A full DR drill, local → local-dr, on the local cloud with the real engine.

The `local` site is deployed, its dataset is loaded with `hubctl dataset load` (sealed under its
dataset key, whose escrow `hubctl dataset escrow` writes to LOCAL2), the audit log gets a plain
object, `hubctl replicate` copies them to LOCAL2, and one more object is loaded afterwards (so
the RPO has something to measure). Then `hubctl drill` runs as a person would run it. Its
report is kept under reports/ and every figure in it is checked against the run's own logs: the
engine's output per layer and the timed engine events. A state-loss drill is then interrupted with
Ctrl-C and re-run, which must converge and clean up.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hubcore.paths import REPO_ROOT
from hubctl.deploy import LAYERS, SiteDeployer
from hubctl.drill.cloud import empty_container, site_cloud
from hubctl.drill.model import DrillReport, LayerReport, Outcome
from hubctl.drill.report import load_report
from hubctl.drill.timing import cloud_wait_from_events, read_events
from tests.hubctl_runner import run_hubctl
from tests.integration.diagnosis import failures

pytestmark = pytest.mark.integration

SITE, TARGET = "local", "local-dr"
DATASET = "hub-local-dataset-synthetic-cohorts"
AUDIT = "hub-local-audit-logs"
COHORTS = {f"cohort-{i}.csv": f"id,age\n{i},4{i}\n".encode() for i in range(3)}
AUDIT_OBJECTS = {"2026/11/29/audit.jsonl": b'{"who":"ci","what":"drill"}\n'}
# Containers and their object names as the replicas hold them (a dataset adds its manifest).
REPLICATED_OBJECTS = {DATASET: COHORTS, AUDIT: AUDIT_OBJECTS}
LATE_OBJECT = "cohort-late.csv"  # written after the replication pass: the RPO's subject
# The drill's process, its report, the report's directory, and the primary as it was before.
Drill = tuple[subprocess.CompletedProcess[str], DrillReport, Path, dict[str, Any]]


def hubctl(
    *args: str, env: dict[str, str], timeout: float = 3600, lose: str | None = None
) -> subprocess.CompletedProcess[str]:
    """hubctl as a person runs it; with `lose`, inside the local cloud's fence, which refuses
    that region's endpoints from the moment the drill declares the loss."""
    fence = (
        [str(REPO_ROOT / "scripts" / "local-cloud"), "isolate", lose, "--at-loss", "--"]
        if lose
        else []
    )
    return run_hubctl(*args, env=env, timeout=timeout, prefix=fence)


@pytest.fixture(scope="module")
def env(deploy_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The session's engine, cloud and backend, with drill journals private to this module."""
    return {
        **os.environ,
        **deploy_env,
        "HUB_DRILL_STATE": str(tmp_path_factory.mktemp("drill-state")),
        "COLUMNS": "160",
    }


@pytest.fixture(scope="module")
def dr_connection(cloud_env: dict[str, str]) -> Any:
    """The DR site's project (hub-dr) in LOCAL2, as the drill reaches it."""
    return site_cloud(TARGET, "LOCAL2", cloud_env).connect()


@pytest.fixture(scope="module")
def replica_connection(cloud_env: dict[str, str]) -> Any:
    """The primary's project in LOCAL2, where its replicas live."""
    return site_cloud(SITE, "LOCAL2", cloud_env).connect()


def census(conn: Any, prefix: str) -> dict[str, list[str]]:
    """Names of the site's resources, by kind, in one connection's project."""
    project = conn.current_project_id
    return {
        "networks": sorted(
            n.name for n in conn.network.networks(project_id=project) if n.name.startswith(prefix)
        ),
        "servers": sorted(s.name for s in conn.compute.servers() if s.name.startswith(prefix)),
        "volumes": sorted(
            v.name for v in conn.block_storage.volumes() if (v.name or "").startswith(prefix)
        ),
        "containers": sorted(
            c.name for c in conn.object_store.containers() if c.name.startswith(prefix)
        ),
        "secrets": sorted(
            s.name for s in conn.key_manager.secrets() if (s.name or "").startswith(prefix)
        ),
    }


def objects(conn: Any, container: str) -> dict[str, str]:
    return {o.name: o.etag for o in conn.object_store.objects(container)}


@pytest.fixture(scope="module")
def primary(
    env: dict[str, str],
    connection: Any,
    replica_connection: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[datetime]:
    """The `local` site up, replicated, then one late object; yields when that object landed."""
    deployer = SiteDeployer(site=SITE, log_dir=tmp_path_factory.mktemp("primary"), env=env)
    runs = deployer.run("up")
    if [r.status for r in runs] != ["done"] * 4:
        why = failures(runs)
        deployer.run("destroy")  # half a site would be in the way of every later test
        pytest.fail(f"the primary site did not deploy:\n{why}")
    folder = tmp_path_factory.mktemp("cohorts")
    for name, data in COHORTS.items():
        (folder / name).write_bytes(data)
    loaded = hubctl("dataset", "load", "--site", SITE, "--dataset", "synthetic-cohorts",
                    *(str(folder / n) for n in COHORTS), env=env)  # fmt: skip
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    escrowed = hubctl("dataset", "escrow", "--site", SITE, env=env)
    assert escrowed.returncode == 0, escrowed.stdout + escrowed.stderr
    for name, data in AUDIT_OBJECTS.items():
        connection.object_store.upload_object(container=AUDIT, name=name, data=data)
    replicated = hubctl("replicate", "--site", SITE, env=env)
    assert replicated.returncode == 0, replicated.stdout + replicated.stderr
    time.sleep(2)  # the late object is measurably younger than the replication pass
    (folder / LATE_OBJECT).write_bytes(b"id\n9\n")
    late_load = hubctl("dataset", "load", "--site", SITE, "--dataset", "synthetic-cohorts",
                       str(folder / LATE_OBJECT), env=env)  # fmt: skip
    assert late_load.returncode == 0, late_load.stdout + late_load.stderr
    late = datetime.now(UTC)
    yield late
    for container in list(REPLICATED_OBJECTS):
        empty_container(connection, container)
        empty_container(replica_connection, f"{container}-replica")
    empty_container(replica_connection, f"hub-{SITE}-key-escrow")
    down = deployer.run("destroy")
    assert [r.status for r in down] == ["done"] * 4, failures(down)


@pytest.fixture(scope="module")
def drill(env: dict[str, str], primary: datetime, connection: Any) -> Drill:
    """One full region-loss drill from empty; its report stays in reports/ for CI to keep."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    directory = REPO_ROOT / "reports" / f"drill-{SITE}-to-{TARGET}-region-loss-{stamp}"
    before = {
        "census": census(connection, f"hub-{SITE}-"),
        "objects": {c: objects(connection, c) for c in REPLICATED_OBJECTS},
    }
    result = hubctl(
        "drill", "--site", SITE, "--to", TARGET, "--report-dir", str(directory), env=env,
        lose="LOCAL1",
    )  # fmt: skip
    assert (directory / "report.json").exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return result, load_report(directory), directory, before


class Timed:
    """A layer of the report that ran: its times and files, never None."""

    def __init__(self, layer: LayerReport, directory: Path) -> None:
        assert layer.start is not None and layer.end is not None and layer.seconds is not None
        assert layer.log is not None and layer.events_log is not None
        self.layer, self.start, self.end, self.seconds = (
            layer,
            layer.start,
            layer.end,
            layer.seconds,
        )
        self.log = directory / layer.log
        self.events = directory / layer.events_log


def timed(drill: Drill) -> dict[str, Timed]:
    _, report, directory, _ = drill
    return {layer.layer: Timed(layer, directory) for layer in report.layers}


def test_a_drill_aimed_at_a_production_site_is_refused(env: dict[str, str]) -> None:
    result = hubctl("drill", "--site", SITE, "--to", "prod", env=env)
    assert result.returncode == 2
    assert "production" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_drill_passes(drill: Drill) -> None:
    result, report, _, _ = drill
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert report.outcome is Outcome.PASSED
    assert not report.resumed


def test_every_layer_was_built_from_empty(drill: Drill) -> None:
    _, report, _, _ = drill
    for layer in report.layers:
        assert layer.status == "done", layer
        assert layer.changes.get("create", 0) > 0 and set(layer.changes) == {"create"}, layer


def test_layers_start_only_after_the_layers_they_read(drill: Drill) -> None:
    layers = timed(drill)
    for name, layer in layers.items():
        for dependency in layer.layer.waited_for:
            assert layer.start >= layers[dependency].end, (name, dependency)


def test_independent_layers_ran_in_parallel(drill: Drill) -> None:
    layers = timed(drill)
    network, kms = layers["network"], layers["kms"]
    assert network.start < kms.end and kms.start < network.end


def _engine_figures(log: Path) -> tuple[dict[str, int], int]:
    """The `Resources:` counts and `Duration:` the engine printed in a layer's output."""
    text = log.read_text()
    counts = {
        op: int(n)
        for n, op in re.findall(
            r"^\s+[+~-]?\s*(\d+) (created|updated|deleted|unchanged)", text, re.M
        )
    }
    match = re.search(r"^Duration: (?:(\d+)m)?(\d+)s", text, re.M)
    assert match, f"no Duration in {log}"
    return counts, int(match[1] or 0) * 60 + int(match[2])


def test_the_reported_changes_are_the_engines_own_counts(drill: Drill) -> None:
    for layer in timed(drill).values():
        counts, _ = _engine_figures(layer.log)
        assert counts.get("created") == layer.layer.changes["create"], layer.log


def test_the_reported_layer_times_agree_with_the_engine_logs(drill: Drill) -> None:
    for layer in timed(drill).values():
        _, engine_seconds = _engine_figures(layer.log)
        events = read_events(layer.events)
        summary = next(e for e in events if e["kind"] == "summary")
        # The report's engine figure is the one the log prints, and the event stream agrees.
        assert layer.layer.engine_seconds == engine_seconds, layer.log
        assert abs(summary["duration_seconds"] - engine_seconds) <= 1, layer.events
        # The drill's wall time holds the engine's update, plus starting the CLI and reading
        # the stack's outputs afterwards.
        assert engine_seconds - 1 <= layer.seconds <= engine_seconds + 60, layer.log
        assert all(layer.start <= e["t"] <= layer.end + 1 for e in events), layer.events


def test_cloud_wait_is_recomputable_from_the_event_logs(drill: Drill) -> None:
    _, report, _, _ = drill
    for layer in timed(drill).values():
        waited = layer.layer.cloud_wait_seconds
        assert cloud_wait_from_events(read_events(layer.events)) == pytest.approx(waited, abs=1e-3)
        assert 0 < waited <= layer.seconds
    assert report.rto.cloud_wait_seconds == pytest.approx(
        sum(layer.cloud_wait_seconds for layer in report.layers)
    )


def test_the_rto_is_the_last_layer_or_the_restore(drill: Drill) -> None:
    """The RTO ends with whichever ends last: a layer, the restore, or, where the hosts boot (a
    data-plane cloud: a chosen selection after `make up`), their boot and checks."""
    _, report, _, _ = drill
    last_layer = max(layer.end for layer in timed(drill).values())
    assert report.restore.end is not None
    assert report.rto.rebuild_seconds == pytest.approx(last_layer)
    host_phases = [span.end for span in report.spans]
    assert report.rto.total_seconds == pytest.approx(
        max(last_layer, report.restore.end, *host_phases)
    )


def test_every_replicated_object_was_restored_and_checked(drill: Drill) -> None:
    _, report, _, _ = drill
    restored = {c.source.removesuffix("-replica"): c for c in report.restore.containers}
    for container, items in REPLICATED_OBJECTS.items():
        assert restored[container].objects == len(items)
        assert restored[container].verified == len(items)
        assert restored[container].target == container.replace("hub-local-", "hub-local-dr-")


def test_the_dataset_came_back_decrypted_verified_and_resealed(drill: Drill) -> None:
    _, report, _, _ = drill
    (cohorts,) = [d for d in report.datasets if d.dataset == "synthetic-cohorts"]
    assert cohorts.key_method == "escrow" and len(cohorts.keys_recovered) == 1
    assert cohorts.key_problems == []
    assert (cohorts.objects, cohorts.decrypted, cohorts.verified, cohorts.restored) == (3, 3, 3, 3)
    assert cohorts.bytes == sum(len(d) for d in COHORTS.values())
    assert cohorts.recovery and cohorts.decrypt_verify and cohorts.reseal
    assert cohorts.recovery.end <= cohorts.decrypt_verify.start


def test_the_dataset_rpo_is_the_age_of_the_late_load(drill: Drill, primary: datetime) -> None:
    _, report, _, _ = drill
    (cohorts,) = [d for d in report.datasets if d.dataset == "synthetic-cohorts"]
    assert cohorts.newest_unreplicated_object == LATE_OBJECT
    age = (report.started_at - primary).total_seconds()
    assert cohorts.rpo_seconds == pytest.approx(age, abs=3.0)
    assert cohorts.unescrowed_keys == []


def test_the_rebuilt_state_matches_the_cloud(drill: Drill) -> None:
    _, report, _, _ = drill
    state = [c for c in report.checks if c.layer == "state"]
    assert len(state) == len(LAYERS) and all(c.passed for c in state), state


def test_the_primary_region_refused_the_drill_after_the_loss(drill: Drill) -> None:
    _, report, _, _ = drill
    assert report.primary_refused is True
    assert "lost LOCAL1" in report.separation
    assert "refused the connection" in report.separation


def test_the_targets_of_the_site_were_judged_and_met(drill: Drill) -> None:
    _, report, _, _ = drill
    assert {t.name: t.met for t in report.targets} == {"RTO": True, "RPO": True}


def test_the_rpo_is_the_age_of_the_object_written_after_replication(
    drill: Drill, primary: datetime
) -> None:
    _, report, _, _ = drill
    # The late load wrote its object and the dataset's next manifest version.
    assert report.rpo.unreplicated_objects == 2
    assert report.rpo.newest_unreplicated_object in (
        f"{DATASET}/{LATE_OBJECT}",
        f"{DATASET}/.hub/manifests/v000002.json",
    )
    age = (report.started_at - primary).total_seconds()
    assert report.rpo.objects_seconds == pytest.approx(age, abs=2.0)
    assert report.rpo.keys_seconds is None  # every dataset key was escrowed before the loss


def test_every_check_of_every_layer_passed(drill: Drill) -> None:
    _, report, _, _ = drill
    layers = {c.layer for c in report.checks}
    assert {"network", "kms", "storage", "compute", "policy"} <= layers
    assert [c for c in report.checks if not c.passed] == []


def test_the_report_says_what_cannot_be_restored(drill: Drill) -> None:
    _, _, directory, _ = drill
    text = (directory / "report.md").read_text()
    assert "## Datasets, readable again" in text
    assert f"lost `{LATE_OBJECT}`" not in text  # never replicated: it is the RPO, not a loss
    assert (directory / "timeline.png").read_bytes()[:4] == b"\x89PNG"


def test_the_primary_site_was_not_touched(drill: Drill, connection: Any) -> None:
    _, _, _, before = drill
    assert census(connection, f"hub-{SITE}-") == before["census"]
    assert {c: objects(connection, c) for c in REPLICATED_OBJECTS} == before["objects"]


def test_the_drill_cleaned_up_what_it_built(drill: Drill, dr_connection: Any) -> None:
    _, report, _, _ = drill
    assert report.cleanup.destroyed
    assert census(dr_connection, f"hub-{TARGET}-") == {
        "networks": [],
        "servers": [],
        "volumes": [],
        "containers": [],
        "secrets": [],
    }


def _wait_for_a_finished_layer(directory: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline and process.poll() is None:
        for path in (directory / "events").glob("*.events.jsonl"):
            if any(e["kind"] == "summary" for e in read_events(path)):
                return
        time.sleep(0.5)
    raise AssertionError("no layer finished before the deadline")


def _sigint_as_a_terminal_delivers_it() -> None:
    # A shell's background job starts with SIGINT ignored, and Python then keeps ignoring it:
    # the drill must see Ctrl-C as a terminal delivers it, however the suite itself was started.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_interrupted_state_loss_drill_reports_what_exists_and_a_rerun_converges(
    drill: Drill, env: dict[str, str], dr_connection: Any, tmp_path: Path
) -> None:
    directory = tmp_path / "interrupted"
    process = subprocess.Popen(
        [sys.executable, "-m", "hubctl.cli", "drill", "--site", SITE, "--to", TARGET,
         "--scenario", "state-loss", "--report-dir", str(directory)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_sigint_as_a_terminal_delivers_it,
    )  # fmt: skip
    _wait_for_a_finished_layer(directory, process)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
    out, err = process.communicate(timeout=900)
    assert process.returncode == 1, out[-3000:] + err[-3000:]
    stopped = load_report(directory)
    assert stopped.outcome is Outcome.INTERRUPTED
    assert "What exists:" in stopped.cleanup.detail and "local-dr-" in stopped.cleanup.detail
    assert not stopped.cleanup.destroyed

    # The rerun is judged against an RTO target below anything it can reach: it converges and
    # cleans up, then fails saying by how much it missed.
    again = hubctl(
        "drill", "--site", SITE, "--to", TARGET, "--scenario", "state-loss",
        "--report-dir", str(tmp_path / "rerun"), "--rto-target", "1s", env=env,
    )  # fmt: skip
    assert again.returncode == 1, again.stdout[-4000:] + again.stderr[-4000:]
    rerun = load_report(tmp_path / "rerun")
    assert rerun.outcome is Outcome.FAILED
    assert rerun.failure and "is over the target 1.0 s by" in rerun.failure
    assert [c for c in rerun.checks if not c.passed] == []
    assert rerun.resumed
    assert [layer.status for layer in rerun.layers] == ["done"] * len(LAYERS)
    assert rerun.cleanup.destroyed
    assert census(dr_connection, f"hub-{TARGET}-")["servers"] == []
    journal = Path(env["HUB_DRILL_STATE"]) / f"{TARGET}.journal.json"
    assert not journal.exists(), json.loads(journal.read_text())


def test_objects_are_compared_by_their_content(drill: Drill, replica_connection: Any) -> None:
    """The replica's ETags are the MD5 of what was written: restore checks content, not names."""
    etags = objects(replica_connection, f"{AUDIT}-replica")
    assert etags == {n: hashlib.md5(d).hexdigest() for n, d in AUDIT_OBJECTS.items()}


def test_the_dataset_replica_holds_only_ciphertext(drill: Drill, replica_connection: Any) -> None:
    for name, data in COHORTS.items():
        stored = replica_connection.object_store.download_object(
            name, container=f"{DATASET}-replica"
        )
        assert stored != data and data not in stored
