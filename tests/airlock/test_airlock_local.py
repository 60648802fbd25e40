"""The airlock on the real local cloud, with real Keystone users: a member (alice), the site's
two data officers (`scripts/local-cloud env officer 1|2`) and the operator (the session's own
user). What the cloud enforces is tried with each user's own token directly against Swift,
not through hubctl.

The site's layers and the workspace are deployed into a project of this test session
(tests/workspaces/site.py): the user's own `local` site is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR, stacks_dir
from hubctl.cli import app
from hubctl.cloud import connect_from_env
from hubctl.workspaces.access import member_env, workspace_exports
from hubctl.workspaces.common import REPORTS_ENV, Site
from infra.layers.workspace import AirlockNames
from tests.cloud import exports
from tests.workspaces.site import WorkspaceSite

pytestmark = pytest.mark.integration
runner = CliRunner()
W = f"airlock-{secrets.token_hex(3)}"
OS_KEYS = ("OS_AUTH_URL", "OS_REGION_NAME", "OS_PROJECT_NAME", "OS_USERNAME", "OS_PASSWORD",
           "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME")  # fmt: skip
CLEAN = b"region,patients,mean_hba1c\nnord,120,7.1\nsud,98,6.9\n"


@pytest.fixture(scope="module")
def site(workspace_site: WorkspaceSite) -> Iterator[dict[str, str]]:
    data = yaml.safe_load((REPO_ROOT / "projects" / "local" / "diabetes-cohort.yaml").read_text())
    data["id"] = W
    workspace_site.write_manifest(W, data)
    with workspace_site.active():
        try:
            yield workspace_site.env
        finally:
            workspace_site.close_left_open(W)


@pytest.fixture(scope="module")
def ws(site: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    opened = runner.invoke(app, ["workspace", "open", "--site", "local", "--project", W])
    assert opened.exit_code == 0, opened.output
    extract = tmp_path_factory.mktemp("extract") / "cohort.csv"
    extract.write_text("patient,hba1c,age\n1,6.8,54\n2,7.4,61\n3,5.9,47\n")
    loaded = runner.invoke(
        app, ["workspace", "load", "--site", "local", "--project", W, str(extract)]
    )
    assert loaded.exit_code == 0, loaded.output
    return workspace_exports("local", W)


def officer_env(number: int, ws: Any) -> dict[str, str]:
    env = exports([str(REPO_ROOT / "scripts/local-cloud"), "env", "officer", str(number)])
    return {**env, "OS_PROJECT_NAME": ws.project_name}


@pytest.fixture(scope="module")
def people(ws: Any) -> dict[str, dict[str, str]]:
    site = Site.load("local")
    operator = {k: os.environ[k] for k in OS_KEYS if k in os.environ}
    return {
        "alice": member_env(site, W, "alice"),
        "officer1": officer_env(1, ws),
        "officer2": officer_env(2, ws),
        "operator": operator,
    }


@pytest.fixture(scope="module")
def swift(people: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Each person's own connection: their token, scoped to the workspace's project (the
    operator's to the site's)."""
    return {who: connect_from_env(env) for who, env in people.items()}


@contextmanager
def acting_as(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in OS_KEYS}
    for key in OS_KEYS:
        os.environ.pop(key, None)
    os.environ.update({k: v for k, v in env.items() if k in OS_KEYS})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def airlock(*args: str, env: dict[str, str] | None = None) -> Any:
    command = ["workspace", "airlock", args[0], "--site", "local", "--project", W, *args[1:]]
    if env is None:
        return runner.invoke(app, command)
    with acting_as(env):
        return runner.invoke(app, command)


def submit(tmp: Path, name: str, data: bytes) -> tuple[int, dict[str, Any], str]:
    path = tmp / name
    path.write_bytes(data)
    result = airlock("submit", str(path), "--reason", "paper table", "--member", "alice",
                     "--format", "json")  # fmt: skip
    text = result.stdout
    record = json.loads(text[text.index("{") :]) if "{" in text else {}
    return result.exit_code, record, result.output


def names(ws: Any) -> AirlockNames:
    return AirlockNames.of("local", W, list(Site.load("local").config.data_officers))


def url(conn: Any, container: str, obj: str = "", account: str | None = None) -> str:
    base: str = conn.object_store.get_endpoint().rstrip("/")
    if account:
        base = base.rsplit("/AUTH_", 1)[0] + f"/AUTH_{account}"
    return f"{base}/{container}" + (f"/{obj}" if obj else "")


def status(conn: Any, method: str, target: str, **extra: Any) -> int:
    return int(conn.session.request(target, method, raise_exc=False, **extra).status_code)


# -- the checks ---------------------------------------------------------------------------------


def test_a_csv_with_a_cell_of_7_is_blocked_with_its_row_and_column(
    ws: Any, swift: dict[str, Any], tmp_path: Path
) -> None:
    code, record, output = submit(tmp_path, "table.csv", b"region,patients\nnord,12\nsud,7\n")
    assert code == 2, output
    assert record["state"] == "blocked"
    (finding,) = record["findings"]
    assert finding["location"] == "row 3, column 2 ('patients')" and "count 7" in finding["message"]
    officer = swift["officer1"]
    listing = officer.session.get(url(officer, names(ws).outbox), params={"format": "json"})
    assert listing.status_code in (200, 204)
    assert record["id"] not in listing.text  # nothing of a blocked request was uploaded


def test_rows_of_the_extract_are_blocked(ws: Any, tmp_path: Path) -> None:
    code, record, output = submit(tmp_path, "rows.csv", b"patient,hba1c,age\n2,7.4,61\n")
    assert code == 2 and any(f["check"] == "extract-rows" for f in record["findings"]), output


# -- two distinct officers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def approved(
    ws: Any, people: dict[str, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """A clean table, approved by officer 1 then officer 2, every step's result kept."""
    code, record, output = submit(tmp_path_factory.mktemp("clean"), "summary.csv", CLEAN)
    assert code == 0, output
    steps: dict[str, Any] = {"submitted": record}
    rid = record["id"]
    steps["first"] = airlock(
        "approve", rid, "--reason", "ok", "--format", "json", env=people["officer1"]
    )
    steps["early_release"] = airlock("release", rid, env=people["operator"])
    steps["twice"] = airlock("approve", rid, "--reason", "again", env=people["officer1"])
    steps["member"] = airlock("approve", rid, "--reason", "mine", env=people["alice"])
    steps["second"] = airlock(
        "approve", rid, "--reason", "ok too", "--format", "json", env=people["officer2"]
    )
    return steps


def _state(result: Any) -> str:
    return str(json.loads(result.stdout)["state"])


def test_a_clean_csv_goes_to_review(approved: dict[str, Any]) -> None:
    assert approved["submitted"]["state"] == "in review"


def test_one_approval_is_not_enough(approved: dict[str, Any]) -> None:
    assert approved["first"].exit_code == 0, approved["first"].output
    assert _state(approved["first"]) == "in review"
    assert approved["early_release"].exit_code == 1
    assert "only an approved request is released" in approved["early_release"].output


def test_an_officer_approving_twice_counts_once(approved: dict[str, Any]) -> None:
    assert approved["twice"].exit_code == 1 and "counts once" in approved["twice"].output


def test_a_members_approval_is_refused(approved: dict[str, Any]) -> None:
    assert approved["member"].exit_code == 1 and "is a member" in approved["member"].output


def test_two_distinct_officers_approve(approved: dict[str, Any]) -> None:
    assert approved["second"].exit_code == 0, approved["second"].output
    data = json.loads(approved["second"].stdout)
    assert data["state"] == "approved"
    assert data["approvals"] == ["hub-data-officer", "hub-data-officer-2"]


# -- the cloud's own refusals, with each user's token straight at Swift ------------------------


def test_a_member_cannot_write_any_decision(ws: Any, swift: dict[str, Any]) -> None:
    alice = swift["alice"]
    for container in names(ws).decisions.values():
        target = url(alice, container, "r-20990101T000000Z-aaaaaa.json")
        assert status(alice, "PUT", target, data=b"{}") == 403, container


def test_an_officer_cannot_write_the_other_officers_decisions(
    ws: Any, swift: dict[str, Any]
) -> None:
    decisions = names(ws).decisions
    one = swift["officer1"]
    target = url(one, decisions["hub-data-officer-2"], "r-20990101T000000Z-aaaaaa.json")
    assert status(one, "PUT", target, data=b"{}") == 403
    own = url(one, decisions["hub-data-officer"], "probe.json")
    assert status(one, "PUT", own, data=b"{}") == 201
    assert status(one, "DELETE", own) == 204


def test_a_member_cannot_read_the_outbox(ws: Any, swift: dict[str, Any]) -> None:
    alice = swift["alice"]
    assert status(alice, "GET", url(alice, names(ws).outbox)) == 403


# -- release -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def released(approved: dict[str, Any], people: dict[str, dict[str, str]]) -> Any:
    return airlock(
        "release", approved["submitted"]["id"], "--format", "json", env=people["operator"]
    )


def test_release_copies_exactly_the_submitted_bytes(
    ws: Any, approved: dict[str, Any], released: Any, swift: dict[str, Any]
) -> None:
    assert released.exit_code == 0, released.output
    data = json.loads(released.stdout)
    assert data["state"] == "released"
    rid = approved["submitted"]["id"]
    account = data["release"]["project_id"]
    officer = swift["officer1"]  # reads the release area through its ACL, from its own scope
    got = officer.session.get(url(officer, names(ws).release, f"{rid}/summary.csv", account))
    assert got.status_code == 200 and got.content == CLEAN
    assert data["files"][0]["sha256"] == hashlib.sha256(CLEAN).hexdigest()


def test_release_empties_the_outbox(
    ws: Any, approved: dict[str, Any], released: Any, swift: dict[str, Any]
) -> None:
    officer = swift["officer1"]
    rid = approved["submitted"]["id"]
    assert status(officer, "GET", url(officer, names(ws).outbox, f"{rid}/summary.csv")) == 404


def test_a_member_cannot_read_the_release_area(
    ws: Any, released: Any, swift: dict[str, Any]
) -> None:
    alice = swift["alice"]
    account = json.loads(released.stdout)["release"]["project_id"]
    rid = json.loads(released.stdout)["id"]
    assert status(alice, "GET", url(alice, names(ws).release, account=account)) == 403
    assert status(alice, "GET", url(alice, names(ws).release, f"{rid}/summary.csv", account)) == 403


def test_no_officer_can_write_the_release_area(
    ws: Any, released: Any, swift: dict[str, Any]
) -> None:
    account = json.loads(released.stdout)["release"]["project_id"]
    for who in ("officer1", "officer2", "alice"):
        conn = swift[who]
        target = url(conn, names(ws).release, "r-20990101T000000Z-aaaaaa/forged.csv", account)
        assert status(conn, "PUT", target, data=b"a,b\n") == 403, who


def test_the_evidence_page_reads_the_open_workspaces_ledger(
    ws: Any, released: Any, tmp_path: Path
) -> None:
    out = tmp_path / "evidence"
    result = runner.invoke(
        app,
        ["evidence", "--site", "local", "--output", str(out), "--reports", str(tmp_path),
         "--airlock"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    facts = json.loads((out / "evidence.json").read_text())
    (project,) = [p for p in facts["airlock"]["projects"] if p["workspace"] == W]
    (request,) = [r for r in project["requests"] if r["id"] == json.loads(released.stdout)["id"]]
    assert request["approvers"] == ["hub-data-officer", "hub-data-officer-2"]
    assert request["released"]["by"] == os.environ["OS_USERNAME"]
    assert "hub-data-officer, hub-data-officer-2" in (out / "index.html").read_text()


# -- changes, rejections, cancellations -------------------------------------------------------


def test_a_file_changed_after_submission_voids_the_request(
    ws: Any, people: dict[str, dict[str, str]], swift: dict[str, Any], tmp_path: Path
) -> None:
    code, record, output = submit(tmp_path, "later.csv", CLEAN)
    assert code == 0, output
    alice = swift["alice"]
    target = url(alice, names(ws).outbox, f"{record['id']}/later.csv")
    assert status(alice, "PUT", target, data=CLEAN.replace(b"120", b"121")) == 201
    result = airlock("approve", record["id"], "--reason", "ok", env=people["officer1"])
    assert result.exit_code == 1 and "changed after submission" in result.output
    shown = airlock("show", record["id"], "--format", "json", env=people["officer2"])
    assert json.loads(shown.stdout)["state"] == "voided"
    assert status(swift["officer2"], "GET", target) == 404  # purged


def test_a_rejection_purges_the_files(
    ws: Any, people: dict[str, dict[str, str]], swift: dict[str, Any], tmp_path: Path
) -> None:
    code, record, output = submit(tmp_path, "reject.csv", CLEAN)
    assert code == 0, output
    result = airlock("reject", record["id"], "--reason", "too detailed", env=people["officer2"])
    assert result.exit_code == 0, result.output
    officer = swift["officer1"]
    assert (
        status(officer, "GET", url(officer, names(ws).outbox, f"{record['id']}/reject.csv")) == 404
    )


def test_an_unknown_request_is_a_usage_error(people: dict[str, dict[str, str]]) -> None:
    result = airlock("show", "r-20990101T000000Z-abcdef", env=people["officer1"])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_close_refuses_while_a_request_is_in_review_and_then_lists_them(
    ws: Any, people: dict[str, dict[str, str]], released: Any, tmp_path: Path
) -> None:
    code, record, _ = submit(tmp_path, "pending.csv", CLEAN)
    assert code == 0
    refused = runner.invoke(app, ["workspace", "close", "--site", "local", "--project", W])
    assert refused.exit_code == 2 and record["id"] in refused.output
    assert (stacks_dir() / f"Pulumi.local-ws-{W}.yaml").exists()
    assert not (STACKS_DIR / f"Pulumi.local-ws-{W}.yaml").exists()
    cancelled = airlock("cancel", record["id"], "--reason", "not needed", "--member", "alice")
    assert cancelled.exit_code == 0, cancelled.output
    closed = runner.invoke(app, ["workspace", "close", "--site", "local", "--project", W])
    assert closed.exit_code == 0, closed.output
    (path,) = Path(os.environ[REPORTS_ENV]).glob(f"{W}-closed-*.json")
    closing = json.loads(path.read_text())
    states = {r["id"]: r["state"] for r in closing["airlock"]}
    assert states[record["id"]] == "cancelled"
    assert states[json.loads(released.stdout)["id"]] == "released"
    # `hubctl evidence --reports DIR` reads closing records from DIR/workspaces/.
    reports = tmp_path / "reports"
    (reports / "workspaces").mkdir(parents=True)
    (reports / "workspaces" / path.name).write_text(path.read_text())
    out = tmp_path / "evidence"
    page = runner.invoke(
        app, ["evidence", "--site", "local", "--output", str(out), "--reports", str(reports)]
    )
    assert page.exit_code == 0, page.output
    html = (out / "index.html").read_text()
    assert "hub-data-officer, hub-data-officer-2" in html
