"""Keys and certificates read from wherever they appear, as the software that uses them reads
them: an OpenSSH public key (a Nova key pair, an `ssh_authorized_keys` entry of user data), a
PEM block (a key, a certificate, a certificate request: a Barbican payload, a pulumi-tls input,
a file written by cloud-init).

Nothing here decides: policies/rules/crypto/ judges what is read. A value that looks like key
material but cannot be parsed is reported as unreadable, never skipped, so the crypto rules fail
closed on it. Parsing is cryptography's (the library the hub already uses for envelope keys).
"""

from __future__ import annotations

import base64
import binascii
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning

# OpenSSH key types (sshd's PubkeyAcceptedAlgorithms names and the FIDO `sk-` forms).
SSH_KEY = re.compile(
    r"(?<![A-Za-z0-9@.-])((?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)"
    r"|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com))[ \t]+([A-Za-z0-9+/]{16,}={0,2})"
)
PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,40})-----(.{0,65536}?)-----END \1-----", re.DOTALL)
CURVE_NAMES = {"secp256r1": "P256", "secp384r1": "P384", "secp521r1": "P521", "secp224r1": "P224",
               "secp192r1": "P192"}  # fmt: skip
# Labels whose block carries a key this module reads; an encrypted private key cannot be read.
KEY_LABELS = ("PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE", "CERTIFICATE REQUEST", "NEW CERTIFICATE")


@dataclass(frozen=True)
class Key:
    """A key's algorithm and strength: RSA (bits), ECDSA (curve), Ed25519, DSA..."""

    algorithm: str
    bits: int | None = None
    curve: str | None = None

    def __str__(self) -> str:
        if self.algorithm == "RSA":
            return f"an RSA key of {self.bits} bits"
        if self.algorithm == "ECDSA":
            return f"an ECDSA key on {self.curve}"
        article = "an" if self.algorithm[:1] in "AEIOU" else "a"
        return f"{article} {self.algorithm} key"


@dataclass(frozen=True)
class Certificate:
    key: Key
    hours: float
    is_ca: bool


@dataclass(frozen=True)
class Found:
    """One piece of key material in a text: what it is (`where`) and what was read, or why it
    could not be (`problem`)."""

    where: str
    key: Key | None = None
    certificate: Certificate | None = None
    problem: str | None = None


class Unreadable(ValueError):
    pass


def key_of(public: object) -> Key:
    if isinstance(public, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return Key("RSA", bits=public.key_size)
    if isinstance(public, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return Key("ECDSA", bits=public.curve.key_size, curve=_curve(public.curve.name))
    if isinstance(public, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return Key("Ed25519")
    if isinstance(public, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return Key("Ed448")
    if isinstance(public, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return Key("DSA", bits=public.key_size)
    return Key(type(public).__name__)


def _curve(name: str) -> str:
    return CURVE_NAMES.get(name, name)


def ssh_public_key(kind: str, blob: str) -> Key:
    """An OpenSSH public key line's key, as sshd reads it."""
    if kind.startswith("sk-"):
        # FIDO keys: the curve is the type's (sshd reads the blob's application string too).
        return Key("ECDSA", 256, "P256") if "ecdsa" in kind else Key("Ed25519")
    try:
        with warnings.catch_warnings():  # DSA is deprecated: read (and refused) all the same
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            loaded = serialization.load_ssh_public_key(f"{kind} {blob}".encode())
    except (ValueError, UnsupportedAlgorithm, binascii.Error) as error:
        raise Unreadable(f"the {kind} key cannot be read ({error})") from error
    return key_of(loaded)


def _certificate(cert: x509.Certificate) -> Certificate:
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = constraints.ca
    except x509.ExtensionNotFound:
        is_ca = False
    span = cert.not_valid_after_utc - cert.not_valid_before_utc
    return Certificate(key_of(cert.public_key()), span.total_seconds() / 3600, is_ca)


def pem_block(label: str, text: str) -> Found:
    """One PEM block, read as OpenSSL reads it."""
    where = f"a PEM {label.lower()}"
    data = text.encode()
    try:
        if label == "ENCRYPTED PRIVATE KEY":
            return Found(where, problem="it is encrypted, so its algorithm cannot be read")
        if label == "OPENSSH PRIVATE KEY":
            key = serialization.load_ssh_private_key(data, password=None)
            return Found(where, key=key_of(key))
        if label.endswith("PRIVATE KEY"):
            return Found(where, key=key_of(serialization.load_pem_private_key(data, None)))
        if label.endswith("PUBLIC KEY"):
            return Found(where, key=key_of(serialization.load_pem_public_key(data)))
        if label in ("CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE"):
            certificate = _certificate(x509.load_pem_x509_certificate(data))
            return Found(where, key=certificate.key, certificate=certificate)
        if label in ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"):
            request = x509.load_pem_x509_csr(data)
            return Found(where, key=key_of(request.public_key()))
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        return Found(where, problem=f"it cannot be read ({type(error).__name__})")
    return Found(where, problem=f"a PEM block of kind {label!r} the pack does not read")


def material(text: str) -> Iterator[Found]:
    """Every OpenSSH public key and PEM block of key material inside `text`."""
    if "-----BEGIN" in text:
        for match in PEM_BLOCK.finditer(text):
            label = match.group(1)
            if any(known in label for known in KEY_LABELS):
                yield pem_block(label, match.group(0))
    if "ssh-" in text or "ecdsa-" in text or "sk-" in text:
        for match in SSH_KEY.finditer(text):
            kind, blob = match.group(1), match.group(2)
            where = f"an OpenSSH {kind} key"
            try:
                base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
                yield Found(where, key=ssh_public_key(kind, blob))
            except (Unreadable, binascii.Error, ValueError) as error:
                yield Found(where, problem=str(error) or "its key blob is not base64")


def openssh_line(text: str) -> Found:
    """A Nova key pair's public key: one OpenSSH line, as Nova and sshd read it."""
    parts = text.strip().split()
    if len(parts) < 2:
        return Found("the public key", problem="it is not an OpenSSH `TYPE BASE64 [comment]` line")
    kind, blob = parts[0], parts[1]
    where = f"an OpenSSH {kind} key"
    try:
        return Found(where, key=ssh_public_key(kind, blob))
    except Unreadable as error:
        return Found(where, problem=str(error))
