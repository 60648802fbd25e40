"""Live resources against the site's states: managed, unmanaged, missing, and drift.

A live resource is *managed* when a state of the site holds it: by its id under the same type
token (the provider's id is the cloud's), or by the id of the resource that made it (a LUKS
volume's key in Barbican, the secret a key order generated, the port a router interface made).
The site's own state bucket is the backend's, not unmanaged. A rule added by hand to a managed
security group is that group's drift. Anything else in the project is *unmanaged*; Neutron's own
`default` group and its default rules are the cloud's (listed, not judged). A state resource of
a type the audit reads, whose service was read completely, that the cloud does not have is
*missing*.

For a managed resource, each property the mapping compares (hubctl.audit.mapping.LIVE_TYPES) is
compared with the state's value; a difference is drift naming the property, the state's value
and the live value. A value the state keeps secret (and the audit was given no passphrase for)
is not compared, and the report says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hubcore.resource_types import (
    CONTAINER,
    KEY_CONTAINER,
    KEYPAIR,
    ORDER,
    PORT,
    ROUTER_INTERFACE,
    SECRET,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    VOLUME,
)
from hubctl.audit.builders import Live
from hubctl.audit.mapping import LIVE_TYPES, service_of
from hubctl.cloud.api import reference_id
from policies.model import SECRET_MASK, UNKNOWN_MASK, ResourceView, holds_mask
from policies.userdata import embedded_credentials


class Status(StrEnum):
    MANAGED = "managed"
    UNMANAGED = "unmanaged"
    BUILT_IN = "built-in"
    STATE_BACKEND = "state-backend"
    # A rule a person added to a managed group: the group's drift.
    GROUP_DRIFT = "group-drift"
    # Made by another resource and judged as part of it (a router interface's port).
    PART = "part"


@dataclass
class Classified:
    live: Live
    status: Status
    state: ResourceView | None = None  # the state resource (managed), or its maker (owned)
    stack: str | None = None
    why: str = ""


@dataclass(frozen=True)
class Drift:
    prop: str
    state_value: Any
    live_value: Any


@dataclass
class Comparison:
    classified: list[Classified] = field(default_factory=list)
    drift: dict[str, list[Drift]] = field(default_factory=dict)  # state URN -> drifts
    not_compared: dict[str, list[str]] = field(default_factory=dict)  # URN -> secret props
    group_drift: dict[str, list[Live]] = field(default_factory=dict)  # group URN -> added rules


def _owned_ids(view: ResourceView) -> Iterable[str]:
    """Ids of cloud objects a state resource made besides its own."""
    if view.type == ORDER:
        for key in ("secretRef", "containerRef"):
            ref = view.inputs.get(key)
            if isinstance(ref, str) and ref:
                yield reference_id(ref)
    if view.type == VOLUME:
        yield view.id or ""  # its LUKS key names the volume as its owner
    if view.type == ROUTER_INTERFACE:
        yield view.id or ""  # the port the interface made


def classify(
    live: Iterable[Live],
    states: Mapping[str, list[ResourceView]],
    *,
    state_bucket: str | None = None,
) -> Comparison:
    """Each live resource classified against the site's states, with the drift of the managed."""
    by_id, owners = _indexes(states)
    result = Comparison()
    live = list(live)
    managed_groups = {
        item.id: by_id[(SECURITY_GROUP, item.id)][1].urn
        for item in live
        if item.token == SECURITY_GROUP and (SECURITY_GROUP, item.id) in by_id
    }
    for item in live:
        key = (item.token, item.id)
        if key in by_id:
            stack, view = by_id[key]
            result.classified.append(Classified(item, Status.MANAGED, view, stack))
            continue
        if LIVE_TYPES[item.token].association:
            continue  # only there to match a state resource; its object is judged itself
        if item.built_in:
            result.classified.append(Classified(item, Status.BUILT_IN, why=item.built_in))
            continue
        if item.token == PORT and item.owners:
            result.classified.append(
                Classified(item, Status.PART, why="the port of a router interface")
            )
            continue
        # A key order's secret (and container) is named by the order's secretRef: its id.
        made = (*item.owners, item.id) if item.token in (SECRET, KEY_CONTAINER) else item.owners
        maker = next((owners[o] for o in made if o in owners), None)
        if maker is not None:
            stack, view = maker
            result.classified.append(
                Classified(item, Status.MANAGED, view, stack, why=f"made by {view.urn}")
            )
            continue
        if item.token == CONTAINER and state_bucket and item.id == state_bucket:
            result.classified.append(
                Classified(item, Status.STATE_BACKEND, why="the site's state bucket")
            )
            continue
        group = str(item.inputs.get("securityGroupId") or "")
        if item.token == SECURITY_GROUP_RULE and group in managed_groups:
            result.classified.append(
                Classified(item, Status.GROUP_DRIFT, why=f"a rule added to {managed_groups[group]}")
            )
            result.group_drift.setdefault(managed_groups[group], []).append(item)
            continue
        result.classified.append(Classified(item, Status.UNMANAGED))
    for entry in result.classified:
        if entry.status is Status.MANAGED and entry.state is not None and not entry.why:
            drifts, secret = drift_of(entry.live, entry.state)
            if drifts:
                result.drift[entry.state.urn] = drifts
            if secret:
                result.not_compared[entry.state.urn] = secret
    return result


def _indexes(
    states: Mapping[str, list[ResourceView]],
) -> tuple[dict[tuple[str, str], tuple[str, ResourceView]], dict[str, tuple[str, ResourceView]]]:
    by_id: dict[tuple[str, str], tuple[str, ResourceView]] = {}
    owners: dict[str, tuple[str, ResourceView]] = {}
    for stack, views in states.items():
        for view in views:
            if view.id:
                by_id.setdefault((view.type, view.id), (stack, view))
            for owned in _owned_ids(view):
                if owned:
                    owners.setdefault(owned, (stack, view))
    return by_id, owners


def missing(
    states: Mapping[str, list[ResourceView]],
    seen: set[tuple[str, str]],
    complete_services: set[str],
    *,
    keypair_owner_visible: bool,
) -> tuple[list[tuple[str, ResourceView]], list[tuple[str, ResourceView, str]]]:
    """State resources of a type the audit reads that the cloud does not have: missing when
    their service was read completely everywhere, else only unseen (with why)."""
    by_id, _ = _indexes(states)
    gone: list[tuple[str, ResourceView]] = []
    unseen: list[tuple[str, ResourceView, str]] = []
    for (token, ident), (stack, view) in sorted(by_id.items()):
        if token not in LIVE_TYPES or (token, ident) in seen:
            continue
        service = service_of(token)
        if token == KEYPAIR and not keypair_owner_visible:
            unseen.append((stack, view, "key pairs are visible to the user who made them only"))
        elif service not in complete_services:
            unseen.append((stack, view, f"the {service} service was not read completely"))
        else:
            gone.append((stack, view))
    return gone, unseen


def drift_of(item: Live, state: ResourceView) -> tuple[list[Drift], list[str]]:
    """The compared properties whose live value differs from the state's; and those the state
    keeps secret (not compared)."""
    drifts: list[Drift] = []
    secret: list[str] = []
    for compared in LIVE_TYPES[item.token].compared:
        state_value = compared.state_value(state.inputs)
        if holds_mask(state_value, SECRET_MASK) or holds_mask(state_value, UNKNOWN_MASK):
            secret.append(compared.prop)
            continue
        live_value = item.inputs.get(compared.prop)
        if compared.normalise(state_value) != compared.normalise(live_value):
            drifts.append(Drift(compared.prop, state_value, live_value))
    return drifts, secret


REDACTED = "<redacted: it embeds a credential>"


def redacted(value: Any, key: str = "") -> Any:
    """The value with every string that embeds a credential (by itself, or as `key=value` in
    a mapping: metadata {"db_password": "x"}) replaced: an audit report is read by reviewers
    and kept as evidence, and must not carry the password it found."""
    if isinstance(value, Mapping):
        return {k: redacted(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(v, key) for v in value]
    if isinstance(value, str) and (
        embedded_credentials(value) or (key and embedded_credentials(f"{key}={value}"))
    ):
        return REDACTED
    return value


def shown(value: Any) -> str:
    text = json.dumps(redacted(value), sort_keys=True, default=str)
    return text if len(text) <= 200 else text[:200] + "..."
