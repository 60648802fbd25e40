"""The airlock: outbox, ledger, one decision container per officer, the release area."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from hubcore.workspaceroles import DATA_OFFICER_ROLE, MEMBER_ROLE
from infra.layers.base import LayerContext
from infra.layers.workspace.identity import Identity
from infra.layers.workspace.names import DECISIONS, AirlockNames, WorkspaceFacts


@dataclass(frozen=True)
class Airlock:
    outbox: openstack.objectstorage.Container
    ledger: openstack.objectstorage.Container
    decisions: dict[str, openstack.objectstorage.Container]
    release_area: openstack.objectstorage.Container


def declare_airlock(
    owner: pulumi.ComponentResource,
    context: LayerContext,
    ws: LayerContext,
    facts: WorkspaceFacts,
    identity: Identity,
) -> Airlock:
    """The airlock's containers (hubctl.airlock), all protected: the outbox, the ledger and
    the officers' decision containers in the workspace's project (`ws`), the release area in
    the site's own (`context`)."""
    config, spec, name, metadata = facts.config, facts.spec, facts.name, facts.metadata
    guarded = functools.partial(ws.opts, owner, protect=config.protect)
    airlock_meta = {**metadata, "purpose": "airlock"}
    names = AirlockNames.of(config.site, spec.id, config.data_officers)
    outbox = openstack.objectstorage.Container(
        name("outbox"),
        name=names.outbox,
        # Members put results and never read them back; data officers read them, and
        # delete the files of the requests they reject (hubctl.airlock).
        container_write=f"{MEMBER_ROLE},{DATA_OFFICER_ROLE}",
        container_read=DATA_OFFICER_ROLE,
        metadata={**metadata, "purpose": "outbox", "released-by": DATA_OFFICER_ROLE},
        force_destroy=True,
        opts=guarded(),
    )
    # One record per request (its files' hashes, findings and transitions): members
    # submit and cancel, officers review. What a record says is never proof of a
    # decision: approvals are read from the officers' own containers below.
    ledger = openstack.objectstorage.Container(
        name("airlock"),
        name=names.ledger,
        container_read=f"{MEMBER_ROLE},{DATA_OFFICER_ROLE}",
        container_write=f"{MEMBER_ROLE},{DATA_OFFICER_ROLE}",
        metadata={**airlock_meta, "airlock": "requests"},
        force_destroy=True,
        opts=guarded(),
    )
    project_id, officer_ids = identity.project_id, identity.officer_ids
    decisions: dict[str, openstack.objectstorage.Container] = {}
    for officer, officer_id in officer_ids.items():
        # Only this officer writes here: Swift, not hubctl, attests who approved.
        decisions[officer] = openstack.objectstorage.Container(
            name(DECISIONS, officer),
            name=names.decisions[officer],
            container_read=f"{MEMBER_ROLE},{DATA_OFFICER_ROLE}",
            container_write=pulumi.Output.all(project_id, officer_id).apply(
                lambda ids: f"{ids[0]}:{ids[1]}"
            ),
            metadata={**airlock_meta, "airlock": "decisions", "officer": officer},
            force_destroy=True,
            opts=guarded(),
        )
    # The release area lives in the site's project: members hold no role there, officers
    # read it through their workspace-scoped tokens, and only the operator (the project's
    # owner) writes it, so a release needs the operator and two officers' approvals.
    release_area = openstack.objectstorage.Container(
        context.name("release", spec.id),
        name=names.release,
        container_read=pulumi.Output.all(project_id, *officer_ids.values()).apply(
            lambda ids: ",".join(f"{ids[0]}:{officer}" for officer in ids[1:])
        ),
        metadata={**airlock_meta, "airlock": "release"},
        force_destroy=True,
        opts=context.opts(owner, protect=config.protect),
    )
    return Airlock(outbox=outbox, ledger=ledger, decisions=decisions, release_area=release_area)
