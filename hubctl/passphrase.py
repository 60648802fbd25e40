"""Pulumi's passphrase secrets provider, decrypt side: the ciphertexts of a state export.

As pulumi/pulumi implements it (pkg/secrets/passphrase/manager.go and
sdk/go/common/resource/config/crypt.go):
  - the provider's state is `{"salt": "v1:<base64 salt>:<ciphertext of 'pulumi'>"}`;
  - the key is PBKDF2-HMAC-SHA256 of the passphrase over that salt, 1,000,000 iterations,
    32 bytes (AES-256);
  - a ciphertext is `v1:<base64 12-byte nonce>:<base64 AES-256-GCM sealed value>`, no
    additional data; the salt's own ciphertext must open to "pulumi", or the passphrase is
    wrong;
  - the passphrase comes from PULUMI_CONFIG_PASSPHRASE when it is set (even empty), else from
    the file named by PULUMI_CONFIG_PASSPHRASE_FILE, whose content is trimmed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ITERATIONS = 1_000_000
KEY_BYTES = 32
NONCE_BYTES = 12
CHECK_PLAINTEXT = "pulumi"
PASSPHRASE_VARIABLE = "PULUMI_CONFIG_PASSPHRASE"
PASSPHRASE_FILE_VARIABLE = "PULUMI_CONFIG_PASSPHRASE_FILE"


class PassphraseError(ValueError):
    """The passphrase is missing or wrong, or a value cannot be decrypted with it."""


def passphrase_from_file(path: Path, what: str = "--passphrase-file") -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise PassphraseError(f"{what} {path}: cannot read: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise PassphraseError(f"{what} {path}: not UTF-8 text") from error


def passphrase_from_environment() -> str:
    """The passphrase as the Pulumi CLI reads it from the environment."""
    if PASSPHRASE_VARIABLE in os.environ:
        return os.environ[PASSPHRASE_VARIABLE]
    file = os.environ.get(PASSPHRASE_FILE_VARIABLE)
    if file:
        return passphrase_from_file(Path(file).absolute(), PASSPHRASE_FILE_VARIABLE)
    raise PassphraseError(
        f"no passphrase: set {PASSPHRASE_VARIABLE} or {PASSPHRASE_FILE_VARIABLE}, or give "
        "--passphrase-file"
    )


def _split(ciphertext: str) -> tuple[bytes, bytes]:
    parts = ciphertext.split(":")
    if len(parts) != 3 or parts[0] != "v1":
        raise PassphraseError("not a v1 ciphertext (v1:<base64 nonce>:<base64 ciphertext>)")
    try:
        nonce = base64.b64decode(parts[1], validate=True)
        sealed = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError) as error:
        raise PassphraseError("the ciphertext is not base64") from error
    if len(nonce) != NONCE_BYTES:
        raise PassphraseError(f"the nonce is {len(nonce)} bytes, not {NONCE_BYTES}")
    return nonce, sealed


@dataclass(frozen=True)
class Decrypter:
    key: bytes

    @classmethod
    def from_state(cls, salt_state: str, passphrase: str) -> Decrypter:
        """The provider's key from its salt state, checked against the salt's own ciphertext."""
        version, _, rest = salt_state.partition(":")
        salt_text, _, check = rest.partition(":")
        if version != "v1" or not check:
            raise PassphraseError("the passphrase provider's salt is not v1:<salt>:<ciphertext>")
        try:
            salt = base64.b64decode(salt_text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise PassphraseError("the passphrase provider's salt is not base64") from error
        key = hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, ITERATIONS, KEY_BYTES)
        decrypter = cls(key)
        try:
            opened = decrypter.decrypt(check)
        except PassphraseError:
            opened = None
        if opened != CHECK_PLAINTEXT:
            raise PassphraseError("incorrect passphrase: it does not open this export's secrets")
        return decrypter

    def decrypt(self, ciphertext: str) -> str:
        nonce, sealed = _split(ciphertext)
        try:
            plain = AESGCM(self.key).decrypt(nonce, sealed, None)
        except InvalidTag as error:
            raise PassphraseError("the ciphertext does not open with this passphrase") from error
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PassphraseError("the decrypted value is not UTF-8 text") from error
