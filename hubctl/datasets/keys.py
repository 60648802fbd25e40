"""What identifies a dataset key without revealing it: its Barbican id and a key check value.

The check value is HMAC-SHA256 of a fixed label under the key (a key check value in the sense
of ANSI X9.24's KCV, with a MAC instead of a block encryption): a recovered key is compared
with it before a single object is decrypted, so a wrong key is refused by name, and the value
tells nothing about the key.
"""

from __future__ import annotations

import hashlib
import hmac

from hubctl.cloud.api import reference_id
from hubctl.envelope import KEY_BYTES, EnvelopeError

CHECK_LABEL = b"sovereign-hub dataset key check v1"


def key_check(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise EnvelopeError(f"a dataset key is {KEY_BYTES * 8} bits, not {len(key) * 8}")
    return hmac.new(key, CHECK_LABEL, hashlib.sha256).hexdigest()[:32]


def key_id(key_ref: str) -> str:
    """The Barbican secret's id: what escrow records and shares are filed under."""
    return reference_id(key_ref)
