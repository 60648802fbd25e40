"""Split knowledge of a dataset key: Shamir shares (SLIP-39) encrypted to each custodian (age).

SLIP-39 (shamir-mnemonic, SatoshiLabs' reference implementation) splits the 256-bit key k of n
over GF(256) and gives each share as words a person can write down; each share carries an RS1024
checksum and every share of one split the same random identifier, so a share typed wrong or
taken from another split is refused before anything is combined. Each share is then encrypted
with age (pyrage, bindings of the rage implementation) to its custodian's public key, bound to
the site, dataset, key and custodian in its plaintext. No single custodian, and no store of the
encrypted shares, can recover a key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

import pyrage
import shamir_mnemonic
from pydantic import BaseModel, ConfigDict, ValidationError

from infra.config import KeyCustodian, KeyCustodians


class ShareError(ValueError):
    """A share that cannot be used; the message names the share or the custodian."""


class ShareDocument(BaseModel):
    """What a custodian's encrypted share holds once opened."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["hub-key-share/1"] = "hub-key-share/1"
    site: str
    dataset: str
    key_id: str
    custodian: str
    threshold: int
    mnemonic: str


def commitment(mnemonic: str) -> str:
    """SHA-256 of a share's words: recorded at split time, so a wrong share is named."""
    return hashlib.sha256(" ".join(mnemonic.split()).encode()).hexdigest()


def split(
    key: bytes, site: str, dataset: str, key_id: str, custodians: KeyCustodians
) -> dict[str, ShareDocument]:
    """One share per custodian, any `threshold` of which recover `key`."""
    count = len(custodians.custodians)
    (group,) = shamir_mnemonic.generate_mnemonics(
        group_threshold=1,
        groups=[(custodians.threshold, count)],
        master_secret=key,
        iteration_exponent=0,
    )
    return {
        custodian.id: ShareDocument(
            site=site,
            dataset=dataset,
            key_id=key_id,
            custodian=custodian.id,
            threshold=custodians.threshold,
            mnemonic=words,
        )
        for custodian, words in zip(custodians.custodians, group, strict=True)
    }


def _recipient(custodian: KeyCustodian) -> object:
    try:
        if custodian.recipient.startswith("age1"):
            return pyrage.x25519.Recipient.from_str(custodian.recipient)
        return pyrage.ssh.Recipient.from_str(custodian.recipient)
    except pyrage.RecipientError as error:
        raise ShareError(f"custodian {custodian.id}: unusable recipient: {error}") from None


def encrypt_share(document: ShareDocument, custodian: KeyCustodian) -> bytes:
    data = document.model_dump_json().encode()
    return bytes(pyrage.encrypt(data, [_recipient(custodian)]))


def _identities(text: str, where: str) -> list[object]:
    found: list[object] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                found.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError as error:
                raise ShareError(f"{where}: not an age identity: {error}") from None
    if not found and "PRIVATE KEY" in text:
        try:
            found.append(pyrage.ssh.Identity.from_buffer(text.encode()))
        except pyrage.IdentityError as error:
            raise ShareError(f"{where}: not an SSH private key age can use: {error}") from None
    if not found:
        raise ShareError(f"{where}: holds no age identity (AGE-SECRET-KEY-1...) or SSH key")
    return found


def open_share(blob: bytes, identity_text: str, share: str, identity_file: str) -> ShareDocument:
    """Decrypt a custodian's share with their identity; ShareError names the share."""
    try:
        data = pyrage.decrypt(blob, _identities(identity_text, identity_file))
    except pyrage.DecryptError:
        raise ShareError(
            f"{share}: the key in {identity_file} does not open this share (another "
            "custodian's key, or the share was altered)"
        ) from None
    try:
        return ShareDocument.model_validate(json.loads(data))
    except (ValueError, ValidationError) as error:
        raise ShareError(f"{share}: not a key share: {str(error).splitlines()[0]}") from None


def combine(documents: list[ShareDocument]) -> bytes:
    """The key from at least `threshold` shares of one split."""
    try:
        key: bytes = shamir_mnemonic.combine_mnemonics([d.mnemonic for d in documents])
    except shamir_mnemonic.MnemonicError as error:
        holders = ", ".join(d.custodian for d in documents)
        raise ShareError(f"the shares of {holders} do not combine: {error}") from None
    return key
