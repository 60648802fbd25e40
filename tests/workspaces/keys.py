"""OpenSSH public keys built byte by byte (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4), so the
manifest's key checks are judged against the formats' own specification, not a tool's output."""

from __future__ import annotations

import base64
import struct


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading 0 keeps it positive
    return _string(raw)


def rsa_key(bits: int, comment: str = "someone@example") -> str:
    modulus = (1 << (bits - 1)) | 1  # exactly `bits` bits long
    blob = _string(b"ssh-rsa") + _mpint(65537) + _mpint(modulus)
    return f"ssh-rsa {base64.b64encode(blob).decode()} {comment}"


def ecdsa_key(curve: str = "nistp384", comment: str = "someone@example") -> str:
    size = {"nistp256": 32, "nistp384": 48, "nistp521": 66}.get(curve, 28)
    point = b"\x04" + b"\x01" * (2 * size)
    kind = f"ecdsa-sha2-{curve}".encode()
    blob = _string(kind) + _string(curve.encode()) + _string(point)
    return f"{kind.decode()} {base64.b64encode(blob).decode()} {comment}"


def ed25519_key(comment: str = "someone@example") -> str:
    blob = _string(b"ssh-ed25519") + _string(b"\x07" * 32)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def dss_key() -> str:
    blob = _string(b"ssh-dss") + _mpint(7) + _mpint(11) + _mpint(13) + _mpint(17)
    return f"ssh-dss {base64.b64encode(blob).decode()} old@example"
