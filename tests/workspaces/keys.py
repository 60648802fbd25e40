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


# Each curve's base point G (SEC 2 v2, section 2.4; FIPS 186-4, D.1.2): a point on the curve,
# so the key is one sshd (and the pack) can use, written out from the standards' constants.
GENERATORS = {
    "nistp256": (
        0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    ),
    "nistp384": (
        0xAA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7,
        0x3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F,
    ),
    "nistp521": (
        0x00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66,
        0x011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650,
    ),
}  # fmt: skip


def ecdsa_key(curve: str = "nistp384", comment: str = "someone@example") -> str:
    size = {"nistp256": 32, "nistp384": 48, "nistp521": 66}.get(curve, 28)
    if curve in GENERATORS:
        x, y = GENERATORS[curve]
        point = b"\x04" + x.to_bytes(size, "big") + y.to_bytes(size, "big")
    else:  # a curve of no standard the hub accepts: refused for its name before its point
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
