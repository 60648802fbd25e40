"""crypto-key-strength: Keys from any source meet ANSSI RGS B1: RSA >= 3072 bits, ECDSA P-256 or
larger."""

from __future__ import annotations

from pydantic import Field

from hubcore.resource_types import (
    INSTANCE,
    KEYPAIR,
    SECRET,
    TLS_CERT_REQUEST,
    TLS_LOCALLY_SIGNED_CERT,
    TLS_PRIVATE_KEY,
    TLS_SELF_SIGNED_CERT,
)
from policies.keymaterial import Found, Key, material, openssh_line
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import RuleSettings, Scope, Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.rules.crypto.common import CERTIFICATES, as_int, texts_of

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
        bits = as_int(resource.get("rsaBits"), TLS_DEFAULT_RSA_BITS)
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
        for text in texts_of(resource, prop):
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
