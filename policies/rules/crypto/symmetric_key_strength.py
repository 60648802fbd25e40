"""crypto-symmetric-key-strength: Barbican key orders are AES with at least 128-bit strength (256
bits in XTS)."""

from __future__ import annotations

from hubcore.resource_types import ORDER
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.rules.crypto.common import as_int


@rule(
    "crypto-symmetric-key-strength",
    description="Barbican key orders are AES with at least 128-bit strength (256 bits in XTS).",
    remediation="Order AES keys with bit_length 256.",
    severity=Severity.HIGH,
    requirements=("ANSSI-B1-SYM", "ANSSI-PA-079"),
    enforces="Barbican AES key orders of 128-bit strength (256-bit keys in XTS)",
    applies_to=(ORDER,),
)
def crypto_symmetric_key_strength(resource: ResourceView, context: Context) -> Outcome:
    """Passes: an AES key order of at least 128 bits (256 in XTS mode).
    Fails: shorter keys, or a non-AES algorithm. Not applicable: asymmetric orders."""
    for prop in ("type", "meta"):
        reading = context.reading(resource, prop)
        if reading is Reading.COMPUTED:
            return not_applicable(f"{prop} computed by resources of the stack")
        if not reading.readable:
            return cannot_judge(resource, prop, reading, "the key's strength")
    if str(resource.get("type") or "") != "key":
        return not_applicable("not a symmetric key order")
    meta = resource.get("meta") or {}
    algorithm = str(meta.get("algorithm") or "").lower()
    bits = as_int(meta.get("bitLength"), 0) or 0
    mode = str(meta.get("mode") or "").lower()
    needed = 256 if mode == "xts" else 128
    if algorithm == "aes" and bits >= needed:
        return passed()
    return failed(
        f"{describe(resource)} orders a {algorithm or 'unspecified'} key of {bits} bits"
        f"{' in XTS mode' if mode == 'xts' else ''}; ANSSI RGS B1 requires AES with at least "
        f"128-bit strength, i.e. bit_length {needed} here.",
    )
