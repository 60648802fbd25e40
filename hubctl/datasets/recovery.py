"""A dataset key back in the DR region, from its escrow blob or from k custodians' shares.

Everything is read in the replica region (the escrow container, the KEK in its Barbican): the
primary region may be gone. Each fault is refused by name, before any object is decrypted: a
key never escrowed, an escrow blob altered or moved, a KEK that does not open it, a custodian
without a share, a missing share, a share of another dataset or key, a share that does not
match its commitment, fewer custodians than the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hubctl.cloud import object_store_of
from hubctl.datasets.custodians import ShareError, combine, commitment, open_share
from hubctl.datasets.escrow import EscrowError, EscrowRecord, read_record, record_name, unwrap
from hubctl.datasets.keys import key_check
from hubctl.envelope import EnvelopeError, fetch_key

Method = Literal["escrow", "shares"]


@dataclass(frozen=True)
class CustodianKey:
    """A custodian's identity file, presented for a recovery (never copied or logged)."""

    custodian: str
    path: Path

    @classmethod
    def parse(cls, text: str) -> CustodianKey:
        custodian, sep, path = text.partition("=")
        if not sep or not custodian or not path:
            raise ValueError(f"{text!r}: expected ID=FILE (a custodian's id and identity file)")
        return cls(custodian, Path(path))


def escrowed_key_ids(escrow: Any, container: str, dataset: str) -> list[str]:
    """Every key id of a dataset with an escrow record in the replica region. No escrow
    container is an error naming it: callers tell "nothing escrowed" from "escrow lost"."""
    prefix = f"escrow/{dataset}/"
    listed = object_store_of(escrow).listing(container, prefix)
    if listed is None:
        raise FileNotFoundError(f"the object store has no container {container}")
    return sorted(
        o.name.removeprefix(prefix).removesuffix(".json")
        for o in listed
        if o.name.endswith(".json")
    )


def recover_key(
    escrow: Any,
    container: str,
    site: str,
    dataset: str,
    ident: str,
    method: Method,
    custodian_keys: tuple[CustodianKey, ...] = (),
) -> bytes:
    where = f"{container}/{record_name(dataset, ident)}"
    record = read_record(escrow, container, dataset, ident)
    if record is None:
        raise EscrowError(f"{where}: no escrow record: key {ident} of {dataset} was never escrowed")
    if record.site != site:
        raise EscrowError(f"{where}: the record is of site {record.site}, not {site}")
    if method == "escrow":
        if not record.kek_ref:
            raise EscrowError(f"{where}: holds no escrow blob (the site escrows by shares only)")
        try:
            kek = fetch_key(escrow, record.kek_ref)
        except EnvelopeError as error:
            raise EscrowError(f"{where}: the escrow KEK cannot be read: {error}") from None
        return unwrap(kek, record, where)
    return _from_shares(escrow, container, record, where, list(custodian_keys))


def _from_shares(
    escrow: Any, container: str, record: EscrowRecord, where: str, keys: list[CustodianKey]
) -> bytes:
    from hubctl.cloud import object_store_of

    store = object_store_of(escrow)
    holders = ", ".join(sorted(record.shares)) or "none"
    if record.threshold is None or not record.shares:
        raise ShareError(f"{where}: key {record.key_id} was not split among custodians")
    given = sorted({k.custodian for k in keys})
    if len(given) < record.threshold:
        raise ShareError(
            f"{len(given)} custodian key(s) given ({', '.join(given) or 'none'}); "
            f"{record.threshold} of the custodians {holders} are needed for {record.dataset} "
            f"key {record.key_id}"
        )
    documents = []
    for key in keys:
        share = record.shares.get(key.custodian)
        if share is None:
            raise ShareError(
                f"custodian {key.custodian} holds no share of {record.dataset} key "
                f"{record.key_id} (its custodians: {holders})"
            )
        name = f"{container}/{share.object}"
        blob = store.read(container, share.object)
        if blob is None:
            raise ShareError(f"{name}: the share of {key.custodian} is missing")
        try:
            identity = key.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ShareError(
                f"{key.path}: cannot read {key.custodian}'s identity: {error}"
            ) from None
        document = open_share(bytes(blob), identity, name, str(key.path))
        expected = (record.site, record.dataset, record.key_id, key.custodian)
        found = (document.site, document.dataset, document.key_id, document.custodian)
        if found != expected:
            raise ShareError(
                f"{name}: this share is of site {found[0]}, dataset {found[1]}, key {found[2]}, "
                f"custodian {found[3]}; expected {expected[1]} key {expected[2]} of {expected[3]}"
            )
        if commitment(document.mnemonic) != share.commitment:
            raise ShareError(
                f"{name}: the share of {key.custodian} does not match its commitment in {where}: "
                "it was altered or replaced"
            )
        documents.append(document)
    key_bytes = combine(documents)
    if key_check(key_bytes) != record.check:
        raise ShareError(
            f"the shares of {', '.join(given)} combine to a key that is not {record.dataset} key "
            f"{record.key_id} (its check value differs)"
        )
    return key_bytes
