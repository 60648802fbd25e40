"""Cryptography family: key sizes and algorithms per ANSSI, certificates with bounded validity.

Thresholds (RGS annexe B1 v2.03, the ANSSI "mécanismes cryptographiques" rules):
  - RSA: a 2048-bit modulus is accepted only for use that ends by 2030; the hub's keys and CA
    outlive that, so the floor is 3072 bits (RègleFact-1, use beyond 2030).
  - Elliptic curves: subgroup order of at least 256 bits, so P-256, P-384 and P-521; P-224
    (pulumi-tls's default curve!) is refused.
  - Symmetric keys: at least 128 bits; AES in XTS mode splits its key in two, so an XTS key
    must be at least 256 bits long to give AES-128 strength.
Ed25519 is not covered by RGS B1 (which predates it); it is refused unless the pack's config
says `allowEd25519: true`, so accepting it is a recorded decision, not a default.
The tls provider's own defaults are weak (RSA 2048, ECDSA P-224): an omitted size is judged as
that default, never as "not set".
"""

from __future__ import annotations

from typing import Any

from policies.model import (
    Context,
    Outcome,
    Reading,
    ResourceView,
    failed,
    not_applicable,
    passed,
)
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe

PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
ORDER = "openstack:keymanager/orderV1:OrderV1"
CERTIFICATES = (
    "tls:index/selfSignedCert:SelfSignedCert",
    "tls:index/locallySignedCert:LocallySignedCert",
)
TLS_DEFAULT_RSA_BITS = 2048
TLS_DEFAULT_CURVE = "P224"


def _int(value: Any, default: int) -> int | None:
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


@rule(
    "crypto-key-strength",
    description="pulumi-tls keys meet ANSSI RGS B1: RSA >= 3072 bits, ECDSA on P-256 or larger.",
    remediation="Use algorithm ECDSA with ecdsa_curve P384 (or RSA with rsa_bits >= 3072).",
    severity=Severity.HIGH,
    applies_to=(PRIVATE_KEY,),
    config={"minRsaBits": 3072, "allowedCurves": ["P256", "P384", "P521"], "allowEd25519": False},
)
def crypto_key_strength(resource: ResourceView, context: Context) -> Outcome:
    """Passes: RSA with at least minRsaBits, ECDSA on an allowed curve, Ed25519 if allowed.
    Fails: smaller RSA (including the provider's 2048-bit default), P-224 (the provider's
    default curve), Ed25519 unless allowed, or an unknown algorithm."""
    config = context.rule_config
    for prop in ("algorithm", "rsaBits", "ecdsaCurve"):
        reading = context.reading(resource, prop)
        if reading is Reading.COMPUTED:
            return not_applicable(f"{prop} computed by resources of the stack")
        if not reading.readable:
            return cannot_judge(resource, prop, reading, "the key's strength")
    algorithm = str(resource.get("algorithm") or "").upper()
    if algorithm == "RSA":
        bits = _int(resource.get("rsaBits"), TLS_DEFAULT_RSA_BITS)
        minimum = int(config.get("minRsaBits", 3072))
        if bits is not None and bits >= minimum:
            return passed()
        return failed(
            f"{describe(resource)} is an RSA key of {bits or 'unknown'} bits; ANSSI RGS B1 "
            f"(RègleFact-1) requires {minimum} bits for keys used beyond 2030. Set rsa_bits to "
            f"{minimum} or more, or use ECDSA P384.",
            value=str(bits),
            config_keys=("hub:tls",),
        )
    if algorithm == "ECDSA":
        curve = str(resource.get("ecdsaCurve") or TLS_DEFAULT_CURVE).upper()
        allowed = [str(c).upper() for c in config.get("allowedCurves", [])]
        if curve in allowed:
            return passed()
        default = (
            " (the tls provider's default when none is set)"
            if not resource.get("ecdsaCurve")
            else ""
        )
        return failed(
            f"{describe(resource)} is an ECDSA key on {curve}{default}; ANSSI RGS B1 requires "
            f"a curve order of at least 256 bits: use one of {', '.join(allowed)}.",
            value=curve,
            config_keys=("hub:tls",),
        )
    if algorithm == "ED25519":
        if config.get("allowEd25519"):
            return passed()
        return failed(
            f"{describe(resource)} is an Ed25519 key, which RGS B1 does not cover; use ECDSA "
            "P384, or record the decision to accept it with allowEd25519 in the pack config.",
        )
    return failed(f"{describe(resource)} uses algorithm {algorithm or 'none'!r}; use ECDSA.")


@rule(
    "crypto-symmetric-key-strength",
    description="Barbican key orders are AES with at least 128-bit strength (256 bits in XTS).",
    remediation="Order AES keys with bit_length 256.",
    severity=Severity.HIGH,
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
    bits = _int(meta.get("bitLength"), 0) or 0
    mode = str(meta.get("mode") or "").lower()
    needed = 256 if mode == "xts" else 128
    if algorithm == "aes" and bits >= needed:
        return passed()
    return failed(
        f"{describe(resource)} orders a {algorithm or 'unspecified'} key of {bits} bits"
        f"{' in XTS mode' if mode == 'xts' else ''}; ANSSI RGS B1 requires AES with at least "
        f"128-bit strength, i.e. bit_length {needed} here.",
    )


@rule(
    "crypto-certificate-validity",
    description="Certificates carry a bounded validity: CA <= 3 years, leaf <= 1 year.",
    remediation="Lower validity_period_hours (hub:tls caValidityHours / certValidityHours).",
    severity=Severity.MEDIUM,
    applies_to=CERTIFICATES,
    config={"maxCaValidityHours": 26280, "maxLeafValidityHours": 8760},
)
def crypto_certificate_validity(resource: ResourceView, context: Context) -> Outcome:
    """Passes: validity_period_hours within the CA or leaf bound.
    Fails: longer, or no readable validity at all."""
    for prop in ("isCaCertificate", "validityPeriodHours"):
        reading = context.reading(resource, prop)
        if reading is Reading.COMPUTED:
            return not_applicable(f"{prop} computed by resources of the stack")
        if not reading.readable:
            return cannot_judge(resource, prop, reading, "the certificate's validity")
    is_ca = bool(resource.get("isCaCertificate"))
    key = "maxCaValidityHours" if is_ca else "maxLeafValidityHours"
    bound = int(context.rule_config.get(key, 26280 if is_ca else 8760))
    hours = _int(resource.get("validityPeriodHours"), -1)
    if hours is not None and 0 < hours <= bound:
        return passed()
    kind = "CA certificate" if is_ca else "certificate"
    shown = "no validity" if hours in (None, -1) else f"a validity of {hours} hours"
    return failed(
        f"{describe(resource)}: {kind} with {shown}; the bound is {bound} hours "
        f"(about {bound / 8760:.3g} year{'' if bound <= 8760 else 's'}) so that keys are renewed "
        "(ANSSI-PA-079).",
        value=str(hours) if hours not in (None, -1) else None,
        config_keys=("hub:tls",),
    )
