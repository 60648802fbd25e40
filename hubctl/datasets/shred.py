"""Crypto-shredding a dataset whose retention ended: its keys, their escrow and shares go, and
with them every copy of its data (objects, replicas, backups) becomes unreadable.

In order: the dataset's primary container is marked shredded (so `load` and `hubctl up`'s escrow
leave it alone); every key that sealed it (the current one, those its escrow records and its
manifest name) is deleted in the primary region's Barbican with the orders that generated it,
then purged from Barbican's database on the local cloud (elsewhere the record says the
provider's operator must); every version of
its escrow records and custodians' shares is deleted in the replica region. Then each is checked
through the APIs: every key answers 404, no escrow or share version is left, and an object of
the dataset (primary and replica) no longer opens. The evidence record,
`reports/datasets/<site>-<dataset>-shredded-<UTC time>.json` and `.md`, says what existed, what
was deleted, by whom, and each check's result; it holds no key material.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from hubcore.catalogue import is_loopback_url
from hubcore.paths import REPO_ROOT
from hubctl.cloud import key_manager_of, object_store_of
from hubctl.cloud.api import Connection
from hubctl.datasets.keys import key_id
from hubctl.datasets.recovery import escrowed_key_ids
from hubctl.datasets.store import SHREDDED_META, DatasetError, DatasetStore, KeyRing
from hubctl.envelope import EnvelopeError
from infra.config import HubConfig
from infra.layers.storage import container_names, escrow_container_name

LOCAL_CLOUD = REPO_ROOT / "scripts" / "local-cloud"


class ShredCheck(BaseModel):
    check: str
    api: str
    passed: bool
    observed: str


class ShredRecord(BaseModel):
    site: str
    dataset: str
    started_at: datetime
    finished_at: datetime | None = None
    by: dict[str, str] = Field(default_factory=dict)
    keys: list[str] = Field(default_factory=list, description="Barbican ids of the keys shredded")
    orders: list[str] = Field(default_factory=list, description="Barbican orders that made them")
    escrow_versions_deleted: int = 0
    purge: dict[str, Any] = Field(default_factory=dict)
    checks: list[ShredCheck] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def check(self, what: str, api: str, passed: bool, observed: object) -> None:
        self.checks.append(ShredCheck(check=what, api=api, passed=passed, observed=str(observed)))


def _delete_versions(conn: Connection, container: str, prefix: str) -> int:
    store = object_store_of(conn)
    versions = store.versions(container, prefix)
    for version in versions:
        store.delete_version(container, version)
    return len(versions)


def shred(
    primary: Any,
    replica: Any | None,
    config: HubConfig,
    dataset: str,
    *,
    by: dict[str, str],
    say: Callable[[str], None] = print,
) -> ShredRecord:
    record = ShredRecord(site=config.site, dataset=dataset, started_at=datetime.now(UTC), by=by)
    container = container_names(config)[f"dataset-{dataset}"]
    store = DatasetStore(primary, config.site, dataset, container, KeyRing(primary))
    escrow = escrow_container_name(config)
    idents: set[str] = set()
    with contextlib.suppress(DatasetError):
        idents.add(key_id(store.current_key_ref()))
    if replica is not None:
        # No escrow container: nothing was escrowed, nothing to shred there.
        with contextlib.suppress(Exception):
            idents |= set(escrowed_key_ids(replica, escrow, dataset))
    try:
        manifest = store.manifest()
        idents |= {e.key_id for e in manifest.objects.values()} if manifest else set()
    except (DatasetError, EnvelopeError):
        pass  # a manifest already unreadable names no other key
    sample = next((n for n in store.names() if not n.startswith(".hub/")), None)
    record.keys = sorted(idents)

    object_store_of(primary).set_metadata(
        container, {SHREDDED_META: record.started_at.isoformat(timespec="seconds")}
    )
    keys = key_manager_of(primary)
    # The orders that generated the keys go too: Barbican keeps a deleted secret's row while an
    # order still points at it, and the order would name a key that no longer exists.
    for order in keys.generating_orders(set(record.keys)):
        keys.delete_order(order)
        record.orders.append(order)
        say(f"deleted order {order} in {config.region_name}'s Barbican")
    for ident in record.keys:
        keys.delete_secret(ident)
        say(f"deleted key {ident} in {config.region_name}'s Barbican")
    if replica is not None:
        for prefix in (f"escrow/{dataset}/", f"shares/{dataset}/"):
            record.escrow_versions_deleted += _delete_versions(replica, escrow, prefix)
        say(f"deleted {record.escrow_versions_deleted} escrow and share version(s) in {escrow}")
    _purge(record, config)

    for order in record.orders:
        status = keys.order_status(order)
        api = "key-manager GET /v1/orders/ID"
        record.check(f"order {order} is gone", api, status == 404, status)
    for ident in record.keys:
        status = keys.secret_status(ident)
        record.check(
            f"key {ident} is gone", "key-manager GET /v1/secrets/ID", status == 404, status
        )
    if replica is not None:
        for prefix in (f"escrow/{dataset}/", f"shares/{dataset}/"):
            left = len(object_store_of(replica).versions(escrow, prefix))
            record.check(
                f"no version of {escrow}/{prefix}* is left",
                "object-store GET ?versions&prefix=",
                left == 0,
                f"{left} left",
            )
    places = [(primary, container)] + ([(replica, f"{container}-replica")] if replica else [])
    for conn, where in places:
        if sample is None or sample not in _names_in(conn, where):
            continue  # nothing of the dataset there to prove unreadable
        reader = DatasetStore(conn, config.site, dataset, where, KeyRing(primary))
        try:
            reader.read(sample)
            opened = "opened"
        except (DatasetError, EnvelopeError) as error:
            opened = str(error)
        record.check(
            f"{where}/{sample} no longer opens",
            "object-store GET, key-manager GET payload",
            opened != "opened",
            opened,
        )
    record.finished_at = datetime.now(UTC)
    return record


def _names_in(conn: Connection, container: str) -> set[str]:
    return {version.name for version in object_store_of(conn).versions(container)}


def _purge(record: ShredRecord, config: HubConfig) -> None:
    """Barbican deletes softly: on the local cloud purge now; elsewhere say who must."""
    if config.identity_endpoint and is_loopback_url(config.identity_endpoint) and record.keys:
        # `db clean --min-days 0` takes rows deleted before now: a secret deleted within the
        # same second is left for the next pass.
        for attempt in range(3):
            time.sleep(1.5 if attempt else 1.1)
            result = subprocess.run(
                [str(LOCAL_CLOUD), "purge-secrets", *record.keys],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if result.returncode == 0:
                break
        record.purge = {
            "how": "scripts/local-cloud purge-secrets (barbican-manage db clean --min-days 0)",
            "exit": result.returncode,
            "output": (result.stdout + result.stderr).strip().splitlines()[-5:],
        }
        record.check(
            "the deleted keys are purged from Barbican's database",
            "barbican-manage db clean; SELECT FROM barbican.secrets",
            result.returncode == 0,
            result.returncode,
        )
        return
    record.purge = {
        "how": "operator: barbican-manage db clean --min-days 0 on the provider's Barbican (or "
        "the provider's purge of deleted secrets); the keys are unreadable through the API now",
        "exit": None,
    }


def write_record(record: ShredRecord, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (record.finished_at or record.started_at).strftime("%Y%m%dT%H%M%SZ")
    base = folder / f"{record.site}-{record.dataset}-shredded-{stamp}"
    json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
    json_path.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Dataset {record.dataset} of {record.site}: crypto-shredded",
        "",
        f"Started {record.started_at:%Y-%m-%d %H:%M:%S} UTC by {record.by.get('user', '?')} "
        f"(project {record.by.get('project', '?')}).",
        "",
        f"Keys destroyed (Barbican ids): {', '.join(record.keys) or 'none found'}; the orders "
        f"that generated them: {', '.join(record.orders) or 'none left'}. "
        f"Escrow records and custodians' shares deleted: {record.escrow_versions_deleted} "
        f"version(s). Purge: {record.purge.get('how', '')}.",
        "",
        "| Check | API | Result | Observed |",
        "|---|---|---|---|",
        *(
            f"| {c.check} | {c.api} | {'pass' if c.passed else '**FAIL**'} | {c.observed} |"
            for c in record.checks
        ),
        "",
    ]
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return [json_path, md_path]
