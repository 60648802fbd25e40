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

from pydantic import Field

from hubcore.resource_types import (
    INSTANCE,
    KEYPAIR,
    ORDER,
    SECRET,
    TLS_CERT_REQUEST,
    TLS_LOCALLY_SIGNED_CERT,
    TLS_PRIVATE_KEY,
    TLS_SELF_SIGNED_CERT,
)
from policies.keymaterial import Found, Key, material, openssh_line
from policies.model import (
    Context,
    Outcome,
    Reading,
    ResourceView,
    failed,
    not_applicable,
    passed,
)
from policies.registry import RuleSettings, Scope, Severity, rule
from policies.rules.common import cannot_judge, describe, number, truth
from policies.userdata import layers

CERTIFICATES = (TLS_SELF_SIGNED_CERT, TLS_LOCALLY_SIGNED_CERT)
TLS_DEFAULT_RSA_BITS = 2048
TLS_DEFAULT_CURVE = "P224"
# Nova generates a key pair when none is given: RSA, 2048 bits (nova/crypto.py
# generate_key_pair), a size RGS B1 does not accept for use beyond 2030.
NOVA_GENERATED = Key("RSA", bits=2048)
# Inputs that carry key material as PEM or OpenSSH text, per type. Those whose secrecy is their
# normal state (a private key, a Barbican payload, user data) are judged where they can be
# read: under the engine (decrypted), or in a state export read with its passphrase.
PEM_INPUTS: dict[str, tuple[str, ...]] = {
    TLS_CERT_REQUEST: ("privateKeyPem", "privateKeyPemWo"),
    TLS_SELF_SIGNED_CERT: ("privateKeyPem", "privateKeyPemWo"),
    TLS_LOCALLY_SIGNED_CERT: (
        "caPrivateKeyPem",
        "caPrivateKeyPemWo",
        "caCertPem",
        "certRequestPem",
    ),
    SECRET: ("payload",),
    INSTANCE: ("userData",),
}
SECRET_BY_NATURE = frozenset(
    {"privateKeyPem", "privateKeyPemWo", "caPrivateKeyPem", "caPrivateKeyPemWo", "payload",
     "userData"}
)  # fmt: skip


class KeyStrengthSettings(RuleSettings):
    """crypto-key-strength: the RSA floor, the curves, and whether Ed25519 is accepted."""

    min_rsa_bits: int = 3072
    allowed_curves: list[str] = Field(default_factory=lambda: ["P256", "P384", "P521"])
    allow_ed25519: bool = False


class ValiditySettings(RuleSettings):
    """crypto-certificate-validity: the longest validity of a CA and of a leaf, in hours."""

    max_ca_validity_hours: int = 26280
    max_leaf_validity_hours: int = 8760


def _int(value: Any, default: int) -> int | None:
    """An integer input as the provider parses it ("3072" is 3072); None when it is none."""
    if value is None:
        return default
    parsed = number(value)
    return None if parsed is None or parsed != int(parsed) else int(parsed)


def key_problem(key: Key, settings: KeyStrengthSettings) -> str | None:
    """Why `key` is too weak for RGS B1 under the rule's settings; None when it is not."""
    minimum = settings.min_rsa_bits
    allowed = [c.upper() for c in settings.allowed_curves]
    if key.algorithm == "RSA":
        if key.bits is not None and key.bits >= minimum:
            return None
        return f"ANSSI RGS B1 (RègleFact-1) requires {minimum} bits for keys used beyond 2030"
    if key.algorithm == "ECDSA":
        if key.curve in allowed:
            return None
        return f"ANSSI RGS B1 requires a curve order of at least 256 bits: {', '.join(allowed)}"
    if key.algorithm == "Ed25519":
        if settings.allow_ed25519:
            return None
        return "RGS B1 does not cover Ed25519; record the decision with allowEd25519"
    return f"{key.algorithm} is not an algorithm RGS B1 accepts (RSA or ECDSA)"


def _tls_key(resource: ResourceView, context: Context) -> Outcome:
    settings = context.settings(KeyStrengthSettings)
    for prop in ("algorithm", "rsaBits", "ecdsaCurve"):
        reading = context.reading(resource, prop)
        if reading is Reading.COMPUTED:
            return not_applicable(f"{prop} computed by resources of the stack")
        if not reading.readable:
            return cannot_judge(resource, prop, reading, "the key's strength")
    algorithm = str(resource.get("algorithm") or "").upper()
    if algorithm == "RSA":
        bits = _int(resource.get("rsaBits"), TLS_DEFAULT_RSA_BITS)
        minimum = settings.min_rsa_bits
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
        allowed = [c.upper() for c in settings.allowed_curves]
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
        if settings.allow_ed25519:
            return passed()
        return failed(
            f"{describe(resource)} is an Ed25519 key, which RGS B1 does not cover; use ECDSA "
            "P384, or record the decision to accept it with allowEd25519 in the pack config.",
        )
    return failed(f"{describe(resource)} uses algorithm {algorithm or 'none'!r}; use ECDSA.")


def _judge_found(resource: ResourceView, prop: str, found: Found, context: Context) -> Outcome:
    if found.problem is not None or found.key is None:
        return failed(
            f"{describe(resource)}: {found.where} in {prop} cannot be judged: {found.problem}; "
            "key material the pack cannot read does not pass.",
        )
    problem = key_problem(found.key, context.settings(KeyStrengthSettings))
    if problem is None:
        return passed()
    return failed(
        f"{describe(resource)}: {prop} holds {found.where}, {found.key}; {problem}.",
        value=found.key.curve,
        config_keys=("hub:tls",),
    )


def _texts(resource: ResourceView, prop: str) -> list[str]:
    value = resource.get(prop)
    if not isinstance(value, str):
        return []
    if prop == "userData":
        return list(layers(value))  # as cloud-init decodes it: base64, gzip, MIME parts
    return [value]


def _pem_inputs(resource: ResourceView, context: Context) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for prop in PEM_INPUTS.get(resource.type, ()):
        reading = context.reading(resource, prop)
        if reading is Reading.ABSENT or reading is Reading.COMPUTED:
            continue
        if reading is Reading.SECRET and prop in SECRET_BY_NATURE:
            outcomes.append(
                not_applicable(
                    f"{prop} is a secret here; judged where it is read: under the engine, or "
                    "in a state export read with its passphrase"
                )
            )
            continue
        if not reading.readable:
            outcomes.append(cannot_judge(resource, prop, reading, "the strength of its keys"))
            continue
        for text in _texts(resource, prop):
            outcomes.extend(
                _judge_found(resource, prop, found, context) for found in material(text)
            )
    return outcomes


def _keypair(resource: ResourceView, context: Context) -> Outcome:
    value = resource.get("publicKey")
    reading = context.reading(resource, "publicKey", value)
    if reading is Reading.COMPUTED:
        return not_applicable("the public key is computed by resources of the stack")
    if reading is Reading.ABSENT or value == "":
        problem = key_problem(NOVA_GENERATED, context.settings(KeyStrengthSettings))
        return failed(
            f"{describe(resource)} gives no public key, so Nova generates one: "
            f"{NOVA_GENERATED}, and hands its private half to whoever reads the state; "
            f"{problem}. Give the public key of an ECDSA P-384 key held by the operators.",
        )
    if not reading.readable or not isinstance(value, str):
        return cannot_judge(resource, "publicKey", reading, "the key's strength")
    found = next(iter(material(value)), None) if "-----BEGIN" in value else openssh_line(value)
    if found is None:
        return failed(f"{describe(resource)}: publicKey holds no key the pack can read.")
    return _judge_found(resource, "publicKey", found, context)


def _instance_key_pair(resource: ResourceView, context: Context) -> Outcome:
    name = resource.get("keyPair")
    reading = context.reading(resource, "keyPair", name)
    if reading is Reading.ABSENT or name == "" or reading is Reading.COMPUTED:
        return not_applicable("no key pair, or one the stack creates")
    if not reading.readable:
        return cannot_judge(resource, "keyPair", reading, "the key that opens the host")
    if any(pair.get("name") == name for pair in context.of_type(KEYPAIR)):
        return passed()  # that key pair is judged itself
    return failed(
        f"{describe(resource)} opens with key pair {name!r}, which the stack does not declare: "
        "its algorithm and size cannot be judged. Declare the key pair in the stack.",
    )


@rule(
    "crypto-key-strength",
    description="Keys from any source meet ANSSI RGS B1: RSA >= 3072 bits, ECDSA P-256 or larger.",
    remediation="Use ECDSA P384 (or RSA >= 3072 bits) for every key, whatever makes it.",
    severity=Severity.HIGH,
    requirements=("ANSSI-B1-RSA", "ANSSI-B1-EC", "ANSSI-PA-079"),
    enforces=(
        "every key, whatever makes it: pulumi-tls keys (their provider's weak defaults included), "
        "Nova key pairs (the public key; none means Nova generates RSA 2048), PEM keys, requests "
        "and certificates given to pulumi-tls or stored in Barbican, OpenSSH keys and PEM blocks "
        "in user data: RSA >= 3072 bits, ECDSA P-256/P-384/P-521 (RGS B1); Ed25519 only if "
        "`allowEd25519`"
    ),
    # A resource rule: the engine runs it before each resource is created, so a weak key is
    # refused before it exists (a stack rule would run after the update).
    scope=Scope.RESOURCE,
    applies_to=(TLS_PRIVATE_KEY, KEYPAIR, SECRET, INSTANCE, TLS_CERT_REQUEST, *CERTIFICATES),
    settings=KeyStrengthSettings(),
)
def crypto_key_strength(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: RSA with at least minRsaBits, ECDSA on an allowed curve, Ed25519 if allowed,
    for pulumi-tls keys (their inputs, the provider's defaults when unset), Nova key pairs (the
    OpenSSH or PEM public key), PEM keys, requests and certificates given to pulumi-tls or
    stored in Barbican, and every OpenSSH key or PEM block in user data (as cloud-init decodes
    it).
    Fails: a weaker key from any of them (RSA 2048, P-224, DSA), a key pair without a public
    key (Nova generates RSA 2048), key material that cannot be parsed.
    Not applicable: values computed by resources of the stack; private keys, payloads and user
    data that are secrets offline (judged under the engine or with the passphrase)."""
    if resource.type == TLS_PRIVATE_KEY:
        return [_tls_key(resource, context)]
    if resource.type == KEYPAIR:
        return [_keypair(resource, context)]
    return _pem_inputs(resource, context) or [not_applicable("no key material")]


@rule(
    "crypto-instance-key-pair",
    description="An instance opens with a key pair the stack declares, so its key is judged.",
    remediation="Declare the key pair in the stack (its public key is then judged).",
    severity=Severity.HIGH,
    requirements=("ANSSI-B1-RSA", "ANSSI-B1-EC", "ANSSI-BP-028"),
    enforces=(
        "an instance opens with a key pair the stack declares (whose public key "
        "crypto-key-strength judges)"
    ),
    scope=Scope.RESOURCES,
    applies_to=(INSTANCE,),
)
def crypto_instance_key_pair(resource: ResourceView, context: Context) -> Outcome:
    """Passes: no key pair, or one the stack declares (judged by crypto-key-strength).
    Fails: a key pair the stack does not declare (its algorithm and size are judged nowhere),
    or a name that cannot be read. Not applicable: a name computed by the stack."""
    return _instance_key_pair(resource, context)


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


def _certificates(resource: ResourceView, context: Context) -> list[tuple[str, Found]]:
    """PEM certificates a Barbican secret stores or a pulumi-tls input carries (readable)."""
    props = {SECRET: ("payload",), TLS_LOCALLY_SIGNED_CERT: ("caCertPem",)}.get(resource.type, ())
    found: list[tuple[str, Found]] = []
    for prop in props:
        if context.reading(resource, prop) is not Reading.VALUE:
            continue
        for text in _texts(resource, prop):
            found.extend((prop, item) for item in material(text) if item.certificate is not None)
    return found


def _within(hours: float, is_ca: bool, settings: ValiditySettings) -> tuple[bool, int]:
    bound = settings.max_ca_validity_hours if is_ca else settings.max_leaf_validity_hours
    return 0 < hours <= bound, bound


@rule(
    "crypto-certificate-validity",
    description="Certificates from any source carry a bounded validity: CA <= 3 years, leaf <= 1.",
    remediation="Lower validity_period_hours (hub:tls caValidityHours / certValidityHours).",
    severity=Severity.MEDIUM,
    requirements=("ANSSI-PA-079",),
    enforces=(
        "CA <= 3 years, leaf <= 1 year (settings `maxCaValidityHours`, `maxLeafValidityHours`), "
        "for pulumi-tls certificates (`is_ca_certificate` read as the provider parses it) and PEM "
        "certificates stored in Barbican or given as a CA"
    ),
    applies_to=(*CERTIFICATES, SECRET),
    settings=ValiditySettings(),
)
def crypto_certificate_validity(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: a pulumi-tls certificate's validity_period_hours, and the validity of any PEM
    certificate stored in Barbican or given as a CA, within the CA or leaf bound. Whether a
    certificate is a CA is read as the provider reads it ("false" is false).
    Fails: longer, no readable validity, an is_ca_certificate the provider cannot parse."""
    outcomes: list[Outcome] = []
    for prop, found in _certificates(resource, context):
        assert found.certificate is not None
        ok, bound = _within(
            found.certificate.hours, found.certificate.is_ca, context.settings(ValiditySettings)
        )
        kind = "CA certificate" if found.certificate.is_ca else "certificate"
        outcomes.append(
            passed()
            if ok
            else failed(
                f"{describe(resource)}: {prop} holds a {kind} valid for "
                f"{found.certificate.hours:.0f} hours; the bound is {bound} hours so that keys "
                "are renewed (ANSSI-PA-079).",
            )
        )
    if resource.type == SECRET:
        return outcomes or [not_applicable("no readable certificate")]
    for prop in ("isCaCertificate", "validityPeriodHours"):
        reading = context.reading(resource, prop)
        if reading is Reading.COMPUTED:
            return [*outcomes, not_applicable(f"{prop} computed by resources of the stack")]
        if not reading.readable:
            return [*outcomes, cannot_judge(resource, prop, reading, "the certificate's validity")]
    is_ca = truth(resource.get("isCaCertificate"))
    if is_ca is None:
        return [
            *outcomes,
            failed(
                f"{describe(resource)}: is_ca_certificate {resource.get('isCaCertificate')!r} "
                "is not a boolean the provider reads; the bound that applies cannot be chosen.",
            ),
        ]
    hours = _int(resource.get("validityPeriodHours"), -1)
    ok, bound = _within(
        float(hours if hours is not None else -1), is_ca, context.settings(ValiditySettings)
    )
    if ok:
        return [*outcomes, passed()]
    kind = "CA certificate" if is_ca else "certificate"
    shown = "no validity" if hours in (None, -1) else f"a validity of {hours} hours"
    return [
        *outcomes,
        failed(
            f"{describe(resource)}: {kind} with {shown}; the bound is {bound} hours "
            f"(about {bound / 8760:.3g} year{'' if bound <= 8760 else 's'}) so that keys are "
            "renewed (ANSSI-PA-079).",
            value=str(hours) if hours not in (None, -1) else None,
            config_keys=("hub:tls",),
        ),
    ]
