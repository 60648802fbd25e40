"""The closing evidence of a workspace: what existed, what was deleted, when, by whom, and the
result of every check, as `reports/workspaces/<id>-closed-<UTC time>.json` and `.md`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hubctl.cloud import project_of
from hubctl.cloud.api import Connection

SKIPPED_TYPES = ("pulumi:pulumi:Stack", "pulumi:pulumi:StackReference")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_real(resource: Mapping[str, Any]) -> bool:
    """A cloud resource (not the stack, a component, a provider or a stack reference)."""
    kind = str(resource.get("type", ""))
    return (
        kind not in SKIPPED_TYPES
        and not kind.startswith("pulumi:providers:")
        and not kind.startswith("hub:")
        and not resource.get("delete")
    )


def resource_entry(resource: Mapping[str, Any]) -> dict[str, str]:
    urn = str(resource.get("urn", ""))
    return {
        "type": str(resource.get("type", "")),
        "name": urn.rsplit("::", 1)[-1],
        "id": str(resource.get("id") or ""),
        "urn": urn,
    }


def credentials_of(conn: Connection, env: Mapping[str, str]) -> dict[str, str]:
    """Who closed it: the identity the APIs saw (never a password)."""
    caller = project_of(conn).caller()
    return {
        "auth_url": env.get("OS_AUTH_URL", ""),
        "user": env.get("OS_USERNAME", ""),
        "user_id": caller.user_id,
        "project": env.get("OS_PROJECT_NAME", ""),
        "project_id": caller.project_id,
        "region": env.get("OS_REGION_NAME", ""),
    }


@dataclass
class Deletion:
    what: str
    target: str
    how: str


@dataclass
class Check:
    check: str
    api: str
    result: str  # "pass" or "fail"
    observed: str


@dataclass
class Record:
    site: str
    workspace: str
    stack: str
    started: str = field(default_factory=now)
    finished: str | None = None
    authorisation: str = ""
    expires: str = ""
    credentials: dict[str, str] = field(default_factory=dict)
    existed: list[dict[str, str]] = field(default_factory=list)
    deleted: list[Deletion] = field(default_factory=list)
    destroys: list[dict[str, Any]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    purge: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # Why it was closed when no operator asked (an open that failed, rolled back), and whether
    # the open had completed (when not, what it made was read from its state).
    cause: str | None = None
    open_completed: bool = True
    # The airlock's ledger (hubctl.airlock.history): every request and decision, and those
    # the nightly expiry closed over before any decision.
    airlock: list[dict[str, Any]] = field(default_factory=list)
    airlock_unreadable: list[str] = field(default_factory=list)
    airlock_pending_at_close: list[str] = field(default_factory=list)

    def check(self, what: str, api: str, ok: bool, observed: object) -> None:
        shown = f"HTTP {observed}" if isinstance(observed, int) and observed >= 100 else observed
        self.checks.append(Check(what, api, "pass" if ok else "fail", str(shown)))

    def note_destroy(self, what: str, changes: Mapping[Any, int] | None) -> None:
        counts = {str(getattr(k, "value", k)): v for k, v in (changes or {}).items()}
        self.destroys.append({"pass": what, "at": now(), "changes": counts})

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.result == "pass" for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["result"] = "closed" if self.ok else "checks failed"
        data["closed_at"] = self.finished  # what `hubctl evidence` shows as the closing time
        return data


def markdown(record: Record) -> str:
    lines = [
        f"# Workspace {record.workspace} closed ({record.site})",
        "",
        f"- stack: `{record.stack}`",
        f"- authorisation: {record.authorisation}; expiry: {record.expires}",
        f"- started {record.started}, finished {record.finished}",
        f"- by: {record.credentials.get('user')} ({record.credentials.get('user_id')}) in "
        f"project {record.credentials.get('project')} at {record.credentials.get('auth_url')}",
        f"- result: **{'closed, every check passed' if record.ok else 'a check failed'}**",
        *([f"- why: {record.cause}"] if record.cause else []),
        *(
            []
            if record.open_completed
            else ["- its open had not completed: what it made was read from its state"]
        ),
        "",
        "## Checks",
        "",
        "| check | API | result | observed |",
        "| --- | --- | --- | --- |",
        *(f"| {c.check} | {c.api} | {c.result} | {c.observed} |" for c in record.checks),
        "",
        "## Key purge",
        "",
        f"{record.purge.get('how', 'none')}"
        + (f" (exit {record.purge['exit']})" if record.purge.get("exit") is not None else ""),
        "",
        "## Deleted",
        "",
        *(f"- {d.what}: `{d.target}` ({d.how})" for d in record.deleted),
        "",
        f"## Airlock ({len(record.airlock)} requests)",
        "",
        *(
            f"- {r['id']}: {r['state']}, by {r['submitter']}, files "
            f"{', '.join(f['name'] + ' ' + f['sha256'][:12] for f in r['files'])}; approved by "
            f"{', '.join(r['approvers']) or 'nobody'}"
            + (
                " (pending when the workspace closed)"
                if r["id"] in record.airlock_pending_at_close
                else ""
            )
            for r in record.airlock
        ),
        "",
        f"## What existed ({len(record.existed)} resources)",
        "",
        "| type | name | id |",
        "| --- | --- | --- |",
        *(f"| {e['type']} | {e['name']} | {e['id']} |" for e in record.existed),
        "",
    ]
    return "\n".join(lines)


def _airlock_line(request: dict[str, Any], pending: list[str]) -> str:
    files = ", ".join(f"{f['name']} {f['sha256'][:12]}" for f in request["files"])
    approvers = ", ".join(request["approvers"]) or "nobody"
    late = " (pending when the workspace closed)" if request["id"] in pending else ""
    return (
        f"- {request['id']}: {request['state']}, by {request['submitter']}, files {files}; "
        f"approved by {approvers}{late}"
    )


def write(record: Record, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (record.finished or now()).replace(":", "").replace("-", "")
    base = folder / f"{record.workspace}-closed-{stamp}"
    paths = [base.with_suffix(".json"), base.with_suffix(".md")]
    record.files = [str(p) for p in paths]
    paths[0].write_text(json.dumps(record.as_json(), indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(record), encoding="utf-8")
    return paths
