"""Envelope encryption of a workspace's extract and of a dataset: what makes crypto-shredding
real.

Swift cannot encrypt per project, so each object is encrypted here, before it leaves the
client: a fresh 256-bit data key per object encrypts it with AES-256-GCM (NIST SP 800-38D), and
the data key is wrapped with AES key wrap (RFC 3394, NIST SP 800-38F) under the key that guards
the object (a workspace's project key, or a dataset key), which Barbican generated and holds.
The object stores only the ciphertext, the wrapped data key and the key's reference. Deleting
that one key in Barbican makes the object, and every replica or backup of it, unreadable.

The key is fetched from Barbican for the operation and never written anywhere.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from hubctl.cloud import HttpStatusError, key_manager_of, object_store_of
from hubctl.cloud.api import Connection, reference_id

CIPHER = "AES-256-GCM"
WRAP = "AES-KW"
NONCE_BYTES = 12
KEY_BYTES = 32
# The object's own metadata (Swift's X-Object-Meta-*) the envelope needs to open the object again.
META_CIPHER = "cipher"
META_WRAPPED = "wrapped-key"
META_KEY_REF = "key-ref"
META_WRAP = "key-wrap"


class EnvelopeError(ValueError):
    """An object that cannot be opened: wrong key, altered bytes, or not an envelope."""


@dataclass(frozen=True)
class Sealed:
    body: bytes  # nonce || AES-GCM ciphertext and tag
    metadata: dict[str, str]


def _aad(name: str, key_ref: str) -> bytes:
    # Binding the object's name and key reference: a sealed body moved under another name, or
    # relabelled with another key, fails to open instead of decrypting.
    return f"{name}\n{key_ref}".encode()


def seal(name: str, plaintext: bytes, project_key: bytes, key_ref: str) -> Sealed:
    if len(project_key) != KEY_BYTES:
        raise EnvelopeError(f"the project key is {len(project_key) * 8} bits, not 256")
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    body = nonce + AESGCM(data_key).encrypt(nonce, plaintext, _aad(name, key_ref))
    wrapped = aes_key_wrap(project_key, data_key)
    return Sealed(
        body,
        {
            META_CIPHER: CIPHER,
            META_WRAP: WRAP,
            META_WRAPPED: base64.b64encode(wrapped).decode(),
            META_KEY_REF: key_ref,
        },
    )


def open_sealed(name: str, body: bytes, metadata: dict[str, str], project_key: bytes) -> bytes:
    meta = {k.lower(): v for k, v in metadata.items()}
    if meta.get(META_CIPHER) != CIPHER or META_WRAPPED not in meta:
        raise EnvelopeError(f"{name}: not an extract envelope ({CIPHER} with a wrapped key)")
    try:
        data_key = aes_key_unwrap(project_key, base64.b64decode(meta[META_WRAPPED]))
    except (InvalidUnwrap, ValueError) as error:
        raise EnvelopeError(f"{name}: the project key does not unwrap its data key") from error
    nonce, ciphertext = body[:NONCE_BYTES], body[NONCE_BYTES:]
    try:
        return AESGCM(data_key).decrypt(nonce, ciphertext, _aad(name, meta.get(META_KEY_REF, "")))
    except Exception as error:  # cryptography's InvalidTag: altered body, name or key label
        raise EnvelopeError(f"{name}: the object was altered or mislabelled") from error


# --------------------------------------------------------------------------------------------
# Through the cloud seam: the key manager for the key, the object store for the objects


def fetch_key(conn: Connection, key_ref: str) -> bytes:
    """The key's bytes from the key manager (its payload), for this operation only."""
    try:
        return key_manager_of(conn).payload(reference_id(key_ref))
    except HttpStatusError as error:
        raise EnvelopeError(
            f"the key {key_ref} cannot be read from Barbican "
            f"(HTTP {error.status_code}): it was deleted, or these credentials may not use it"
        ) from error


fetch_project_key = fetch_key  # a workspace's project key is read like any other


def put_sealed(
    conn: Connection, container: str, name: str, sealed: Sealed, *, only_if_absent: bool = False
) -> int:
    """Upload one sealed object; returns the store's status (412 when `only_if_absent` and the
    name is taken)."""
    status = object_store_of(conn).put_with_metadata(
        container, name, sealed.body, sealed.metadata, only_if_absent=only_if_absent
    )
    if status not in (200, 201, 412):
        raise EnvelopeError(f"{container}/{name}: upload refused (HTTP {status})")
    return status


def get_sealed(conn: Connection, container: str, name: str) -> tuple[bytes, dict[str, str]]:
    """One object's body and its own metadata (keys in lower case, no prefix)."""
    try:
        return object_store_of(conn).get_with_metadata(container, name)
    except HttpStatusError as error:
        raise EnvelopeError(
            f"{container}/{name}: cannot be read (HTTP {error.status_code})"
        ) from error


def put_objects(
    conn: Connection,
    container: str,
    key_ref: str,
    files: Iterable[Path],
    *,
    on_object: Callable[[str, int], None] | None = None,
) -> list[str]:
    """Seal each file and upload it under its base name; returns the object names."""
    return put_items(
        conn, container, key_ref, ((path.name, path.read_bytes()) for path in files), on_object
    )


def put_items(
    conn: Connection,
    container: str,
    key_ref: str,
    items: Iterable[tuple[str, bytes]],
    on_object: Callable[[str, int], None] | None = None,
) -> list[str]:
    """Seal each (name, plaintext) under the key `key_ref` names and upload it."""
    key = fetch_key(conn, key_ref)
    names: list[str] = []
    for name, data in items:
        sealed = seal(name, data, key, key_ref)
        put_sealed(conn, container, name, sealed)
        names.append(name)
        if on_object is not None:
            on_object(name, len(sealed.body))
    return names


def get_object(conn: Connection, container: str, name: str, key_ref: str | None = None) -> bytes:
    """Download one extract object and open it with the project key it names."""
    body, metadata = get_sealed(conn, container, name)
    ref = key_ref or metadata.get(META_KEY_REF)
    if not ref:
        raise EnvelopeError(f"{container}/{name}: names no project key")
    return open_sealed(name, body, metadata, fetch_key(conn, ref))
