"""The orphan census: what the site's project holds that no stack's state owns, and back.

A hub resource is recognised in the cloud by the hub's marks, declared per type in
hubcore.resource_types (its URN tag or metadata with the site's own, its deterministic name
`hub-<site>-...`, or the hub resource it is part of) and read by the cloud's implementation
(hubctl.cloud: `Project.hub_objects`). Only the connection's own project is read.

An *orphan* is such a resource whose id no stack of the site holds; a *missing* one is in a
state but not in the cloud. After a converged run both lists are empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hubcore.resource_types import MARKED, ORDER, SECRET
from hubctl.cloud.api import CloudObject, Project, reference_id
from hubctl.layers import HUB_LAYERS

__all__ = ["LISTED", "Census", "CloudObject", "delete_orphans", "state_ids", "take"]

_MARKED = frozenset(known.token for known in MARKED)
# The types the census lists: the marked types of every layer's stacks (hubctl.layers).
LISTED = frozenset(token for entry in HUB_LAYERS for token in entry.types if token in _MARKED)


@dataclass
class Census:
    site: str
    cloud: list[CloudObject]
    state: dict[str, set[str]]  # token -> ids in the site's states
    orphans: list[CloudObject] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.orphans = [o for o in self.cloud if o.id not in self.state.get(o.token, set())]
        seen: dict[str, set[str]] = {}
        for item in self.cloud:
            seen.setdefault(item.token, set()).add(item.id)
        self.missing = sorted(
            (token, rid)
            for token, ids in self.state.items()
            if token in LISTED
            for rid in ids - seen.get(token, set())
        )


def state_ids(deployments: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Ids by type token in the site's states. A Barbican order's generated key is owned by
    the order (its `secretRef` output), so it counts as a state secret too."""
    ids: dict[str, set[str]] = {}
    for deployment in deployments:
        for resource in deployment.get("resources") or []:
            if resource.get("id") and not resource.get("delete"):
                ids.setdefault(resource["type"], set()).add(str(resource["id"]))
            ref = (resource.get("outputs") or {}).get("secretRef")
            if resource.get("type") == ORDER and isinstance(ref, str):
                ids.setdefault(SECRET, set()).add(reference_id(ref))
    return ids


def take(project: Project, site: str, deployments: Iterable[Mapping[str, Any]]) -> Census:
    return Census(site, project.hub_objects(site), state_ids(deployments))


def delete_orphans(
    project: Project, orphans: list[CloudObject], say: Callable[[str], None]
) -> list[tuple[CloudObject, str]]:
    """Delete the orphans, attached things first; the failures, with why."""
    failed = []
    for token in project.deletion_order:
        for item in (o for o in orphans if o.token == token):
            try:
                project.delete(item)
                say(f"deleted orphan {item.line()}")
            except Exception as error:  # one refusal must not stop the others
                failed.append((item, f"{type(error).__name__}: {error}"))
    return failed
