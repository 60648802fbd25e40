"""Dataset keys kept recoverable in the DR region: escrow under its KEK, and custodians' shares.

For each dataset key (each generation), an escrow record `escrow/<dataset>/<key id>.json` is
written to the site's escrow container in the replica region. With `hub:keyEscrow` it holds the
key wrapped with AES-256-GCM under the escrow KEK, a key that the replica region's Barbican
generated and that never leaves it; the associated data binds the wrap to the site, dataset,
key id and check value, so a record altered, or moved to another dataset, does not open. With
`hub:keyCustodians` it lists each custodian's share (`shares/<dataset>/<key id>/<id>.age`,
encrypted to them) with the share's commitment. The record holds no key material in the clear;
hubctl never prints or logs a key, a KEK or a share.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hubctl.cloud import key_manager_of, object_store_of
from hubctl.cloud.api import reference_id
from hubctl.datasets import custodians as shares
from hubctl.datasets.keys import key_check, key_id
from hubctl.datasets.store import KEY_REF_META, DatasetStore, KeyRing
from hubctl.envelope import KEY_BYTES, EnvelopeError, fetch_key
from infra.config import HubConfig
from infra.layers.kms import escrow_kek_name
from infra.layers.storage import container_names, escrow_container_name

NONCE_BYTES = 12


class EscrowError(ValueError):
    """An escrow record, blob or share that cannot give a key back; names it."""


class ShareRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    object: str
    commitment: str = Field(pattern=r"^[0-9a-f]{64}$")


class EscrowRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["hub-key-escrow/1"] = "hub-key-escrow/1"
    site: str
    dataset: str
    key_id: str
    key_ref: str = Field(description="The key in the primary region's Barbican")
    key_name: str | None = None
    key_created: datetime | None = None
    check: str = Field(pattern=r"^[0-9a-f]{32}$", description="key check value (keys.key_check)")
    escrowed_at: datetime
    kek_ref: str | None = None
    wrapped: str | None = Field(default=None, description="base64 nonce || AES-GCM ciphertext")
    threshold: int | None = None
    shares: dict[str, ShareRecord] = Field(default_factory=dict)


def record_name(dataset: str, ident: str) -> str:
    return f"escrow/{dataset}/{ident}.json"


def share_name(dataset: str, ident: str, custodian: str) -> str:
    return f"shares/{dataset}/{ident}/{custodian}.age"


def _aad(site: str, dataset: str, ident: str, check: str) -> bytes:
    return f"hub-key-escrow/1\n{site}\n{dataset}\n{ident}\n{check}".encode()


def wrap(kek: bytes, key: bytes, site: str, dataset: str, ident: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(kek).encrypt(nonce, key, _aad(site, dataset, ident, key_check(key)))
    return base64.b64encode(nonce + sealed).decode()


def unwrap(kek: bytes, record: EscrowRecord, where: str) -> bytes:
    """The dataset key from its escrow blob; EscrowError names the record when it was altered,
    is another key's, or the KEK is not the one it was wrapped under."""
    if record.wrapped is None:
        raise EscrowError(f"{where}: holds no escrow blob (the site escrows by shares only)")
    try:
        raw = base64.b64decode(record.wrapped, validate=True)
    except ValueError:
        raise EscrowError(f"{where}: the escrow blob is not base64") from None
    try:
        key = AESGCM(kek).decrypt(
            raw[:NONCE_BYTES],
            raw[NONCE_BYTES:],
            _aad(record.site, record.dataset, record.key_id, record.check),
        )
    except Exception:  # cryptography's InvalidTag
        raise EscrowError(
            f"{where}: the escrow blob does not open under the KEK "
            f"{reference_id(record.kek_ref or '')}: it was altered, moved from another key or "
            "dataset, or wrapped under another KEK"
        ) from None
    if len(key) != KEY_BYTES or key_check(key) != record.check:
        raise EscrowError(f"{where}: the unwrapped key does not match the record's check value")
    return key


# --------------------------------------------------------------------------------------------
# Writing escrow in the replica region (after `hubctl up`, and by `hubctl dataset escrow`)


@dataclass(frozen=True)
class Escrowed:
    dataset: str
    key_id: str
    status: str  # "escrowed", "already escrowed"
    methods: tuple[str, ...]


def find_kek_ref(replica: Any, config: HubConfig) -> str:
    """The escrow KEK's reference in the replica region's Barbican (the newest by that name)."""
    name = escrow_kek_name(config)
    found = [s for s in key_manager_of(replica).secrets(name=name) if s.status == "ACTIVE"]
    if not found:
        raise EscrowError(
            f"no escrow KEK {name!r} in {config.replica_region}'s Barbican: deploy the site's "
            "kms layer (`hubctl up`)"
        )
    newest = max(found, key=lambda s: s.created)
    return newest.ref


def read_record(escrow: Any, container: str, dataset: str, ident: str) -> EscrowRecord | None:
    name = record_name(dataset, ident)
    data = object_store_of(escrow).read(container, name)
    if data is None:
        return None
    try:
        record = EscrowRecord.model_validate(json.loads(data))
    except (ValueError, ValidationError) as error:
        raise EscrowError(
            f"{container}/{name}: not an escrow record: {str(error).splitlines()[0]}"
        ) from None
    if (record.dataset, record.key_id) != (dataset, ident):
        raise EscrowError(
            f"{container}/{name}: the record is of {record.dataset} key {record.key_id}, not "
            f"{dataset} key {ident}"
        )
    return record


def key_refs_in_use(store: DatasetStore) -> list[str]:
    """The current key and every key an object of the newest manifest is sealed under."""
    current = store.current_key_ref()
    base = current.rsplit("/", 1)[0]
    manifest = store.manifest()
    used = {entry.key_id for entry in (manifest.objects.values() if manifest else [])}
    return [current, *(f"{base}/{ident}" for ident in sorted(used - {key_id(current)}))]


def escrow_site(
    primary: Any,
    replica: Any,
    config: HubConfig,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Escrowed]:
    """Escrow every dataset key of the site that is not escrowed yet (idempotent)."""
    if config.replica_region is None or not (config.key_escrow or config.key_custodians):
        return []
    container = escrow_container_name(config)
    kek_ref = find_kek_ref(replica, config) if config.key_escrow else None
    kek = fetch_key(replica, kek_ref) if kek_ref else None
    done: list[Escrowed] = []
    ring = KeyRing(primary)
    for dataset in config.datasets:
        store = DatasetStore(
            primary, config.site, dataset, container_names(config)[f"dataset-{dataset}"], ring
        )
        if store.shredded_at():
            done.append(Escrowed(dataset, "-", "shredded: nothing to escrow", ()))
            continue
        for ref in key_refs_in_use(store):
            ident = key_id(ref)
            existing = read_record(replica, container, dataset, ident)
            wanted = _methods(config)
            if existing is not None and _covers(existing, config):
                done.append(Escrowed(dataset, ident, "already escrowed", wanted))
                continue
            key = ring.get(ref)
            documents = (
                shares.split(key, config.site, dataset, ident, config.key_custodians)
                if config.key_custodians is not None
                else {}
            )
            record = _record(primary, config, dataset, ref, key, (kek_ref, kek), documents, now())
            for custodian, document in documents.items():
                who = next(c for c in config.key_custodians.custodians if c.id == custodian)  # type: ignore[union-attr]
                object_store_of(replica).write(
                    container, record.shares[custodian].object, shares.encrypt_share(document, who)
                )
            # The record last: a record in place means every share it lists is there.
            object_store_of(replica).write(
                container, record_name(dataset, ident), record.model_dump_json(indent=1).encode()
            )
            done.append(Escrowed(dataset, ident, "escrowed", wanted))
    return done


def _methods(config: HubConfig) -> tuple[str, ...]:
    return tuple(
        m
        for m, on in (("escrow", config.key_escrow), ("shares", bool(config.key_custodians)))
        if on
    )


def _covers(record: EscrowRecord, config: HubConfig) -> bool:
    if config.key_escrow and record.wrapped is None:
        return False
    if config.key_custodians is not None:
        wanted = {c.id for c in config.key_custodians.custodians}
        return set(record.shares) == wanted and record.threshold == config.key_custodians.threshold
    return True


def _record(
    primary: Any,
    config: HubConfig,
    dataset: str,
    ref: str,
    key: bytes,
    kek: tuple[str | None, bytes | None],
    documents: dict[str, shares.ShareDocument],
    moment: datetime,
) -> EscrowRecord:
    ident = key_id(ref)
    secret = key_manager_of(primary).secret(ident)
    kek_ref, kek_bytes = kek
    return EscrowRecord(
        site=config.site,
        dataset=dataset,
        key_id=ident,
        key_ref=ref,
        key_name=secret.name,
        key_created=_time(secret.created),
        check=key_check(key),
        escrowed_at=moment,
        kek_ref=kek_ref,
        wrapped=wrap(kek_bytes, key, config.site, dataset, ident) if kek_bytes else None,
        threshold=config.key_custodians.threshold if config.key_custodians else None,
        shares={
            custodian: ShareRecord(
                object=share_name(dataset, ident, custodian),
                commitment=shares.commitment(document.mnemonic),
            )
            for custodian, document in documents.items()
        },
    )


def _time(value: object) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).removesuffix("Z"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


__all__ = [
    "KEY_REF_META",
    "EnvelopeError",
    "EscrowError",
    "EscrowRecord",
    "escrow_site",
    "read_record",
    "unwrap",
]
