"""Before a layer runs: settle the operations an interrupted run left pending in its state.

A killed engine leaves the operations it had begun in the stack's checkpoint. The engine
refuses to go on non-interactively while creates are pending ("refresh will need to be run
interactively"), and a create it never heard back from may well exist in the cloud: rerunning
it would make a twin (or fail: key pair names and security group rules are unique). So, for
each pending create of a type the hub marks (hubcore.resource_types), hubctl asks the site's
project (hubctl.cloud: `Project.find_created`) for what the interrupted create made, by the
type's mark: its URN tag or metadata (a Neutron resource killed before the provider's second
call, the one that tags it, by its name), its deterministic name, or what it is part of (a
rule by its group and match, an interface by router and subnet or port, a subnet route by
subnet, destination and next hop). Resources of other types (TLS keys and certificates,
providers) are cleared: the next `up` makes them again.

A found resource is imported: it enters the state with its cloud id, and a refresh reads the
rest from the cloud (see `settled` for why not `--import-pending-creates`); a create that never
reached the cloud is cleared. Pending updates and deletes are settled by the same refresh, which
reads what the cloud has. Every decision is returned for the caller to print and log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hubcore.resource_types import MARKED
from hubctl.cloud.api import Project
from hubctl.layers import HUB_LAYERS

_MARKED = frozenset(known.token for known in MARKED)
# The types whose pending creates are looked for in the cloud: the marked types of every
# layer's stacks (hubctl.layers).
SEARCHED = frozenset(token for entry in HUB_LAYERS for token in entry.types if token in _MARKED)


@dataclass(frozen=True)
class PendingOp:
    kind: str  # creating, updating, deleting, reading, importing
    urn: str
    type: str
    inputs: dict[str, Any]
    provider: str = ""  # the provider reference: a replica container's is the replica region's

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Decision:
    op: PendingOp
    action: str  # import, clear, refresh
    resource_id: str | None
    why: str

    def line(self) -> str:
        target = f" as {self.resource_id}" if self.resource_id else ""
        what = f"{self.op.type.rsplit(':', 1)[-1]} {self.op.name}"
        return f"pending {self.op.kind} of {what}: {self.action}{target} ({self.why})"


def pending_operations(deployment: Mapping[str, Any]) -> list[PendingOp]:
    ops = []
    for op in deployment.get("pending_operations") or []:
        resource = op.get("resource") or {}
        ops.append(
            PendingOp(
                kind=str(op.get("type", "")),
                urn=str(resource.get("urn", "")),
                type=str(resource.get("type", "")),
                inputs=dict(resource.get("inputs") or {}),
                provider=str(resource.get("provider") or ""),
            )
        )
    return ops


def owned_ids(deployment: Mapping[str, Any]) -> set[str]:
    return {str(r["id"]) for r in deployment.get("resources") or [] if r.get("id")}


def decide(
    ops: list[PendingOp], owned: set[str], connect: Callable[[PendingOp], Project]
) -> list[Decision]:
    """What to do with each pending operation. `connect(op)` gives the site's project in the
    op's region (a replica container lives in the replica region)."""
    decisions = []
    for op in ops:
        if op.kind != "creating":
            decisions.append(Decision(op, "refresh", None, "the refresh reads what the cloud has"))
            continue
        if op.type not in SEARCHED:
            decisions.append(
                Decision(op, "clear", None, "no cloud object: the next run makes it again")
            )
            continue
        found = connect(op).find_created(op.type, op.inputs, op.urn, owned)
        if found is None:
            decisions.append(Decision(op, "clear", None, "the create never reached the cloud"))
        else:
            owned.add(found)
            decisions.append(Decision(op, "import", found, "the interrupted create made it"))
    return decisions


def settled(deployment: Mapping[str, Any], decisions: list[Decision]) -> dict[str, Any]:
    """The deployment with the decisions carried out: each found resource becomes a state
    resource with its cloud id (the refresh that follows reads the rest from the cloud), and no
    operation is left pending.

    This is what `pulumi refresh --import-pending-creates URN ID` promises; the engine built
    here (v3.274) turns such an operation into a pending import that its refresh then leaves
    alone and the next `up` drops, creating a twin. Editing the state is the reliable way.
    """
    found = {d.op.urn: d.resource_id for d in decisions if d.action == "import"}
    edited = dict(deployment)
    resources = list(edited.get("resources") or [])
    for op in edited.get("pending_operations") or []:
        resource = dict(op.get("resource") or {})
        if op.get("type") == "creating" and found.get(str(resource.get("urn"))):
            resource["id"] = found[str(resource["urn"])]
            resource.setdefault("outputs", {})
            resources.append(resource)
    edited["resources"] = resources
    edited["pending_operations"] = []
    return edited
