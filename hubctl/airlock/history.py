"""A workspace's airlock as evidence: every request with its files, hashes, findings,
transitions, each officer's decision and the release, read from the cloud with the operator's
token (the owner of the workspace's project reads every container). The closing record keeps it
once the workspace is gone; `hubctl evidence` shows it per project."""

from __future__ import annotations

from typing import Any

from hubctl.airlock.actions import approvals
from hubctl.airlock.model import PENDING, Decision, Request
from hubctl.airlock.store import Store, StoreError


def entry(request: Request, decisions: dict[str, Decision | StoreError]) -> dict[str, Any]:
    """One request as the evidence shows it."""
    return {
        "id": request.id,
        "state": request.state.value,
        "reason": request.reason,
        "submitter": request.submitter.user,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in request.files],
        "findings": [f.model_dump(mode="json") for f in request.findings],
        "transitions": [t.model_dump(mode="json", by_alias=True) for t in request.transitions],
        "decisions": {
            officer: (
                {"decision": d.decision, "at": d.at, "reason": d.reason, "user": d.officer.user}
                if isinstance(d, Decision)
                else {"error": str(d)}
            )
            for officer, d in decisions.items()
        },
        "approvers": [a.user for a in approvals(request, decisions)],
        "released": (
            {
                "container": request.release.container,
                "project_id": request.release.project_id,
                "objects": request.release.objects,
                "by": request.release.by.user,
                "at": request.release.at,
            }
            if request.release is not None
            else None
        ),
    }


def history(store: Store) -> tuple[list[dict[str, Any]], list[str]]:
    """(every request of the ledger, oldest first; the records that could not be read)."""
    requests: list[dict[str, Any]] = []
    problems: list[str] = []
    for found in store.requests():
        if isinstance(found, StoreError):
            problems.append(str(found))
            continue
        requests.append(entry(found, store.decisions(found.id)))
    requests.sort(key=lambda r: str(r["id"]))
    return requests, problems


def pending(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    states = {s.value for s in PENDING}
    return [r for r in requests if r["state"] in states]
