"""Credentials hidden inside strings, and user data read the way cloud-init reads it.

Nova passes user data to the instance as given; cloud-init then decodes it: base64 (the
OpenStack provider sends a value that is already base64 as is), gzip (by its magic bytes) and
MIME multipart messages (each part, with its own transfer encoding). The scanner looks at every
layer, bounded in size so that a hostile input (a gzip bomb) cannot exhaust the check.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Iterator
from functools import lru_cache

MAX_DECODED = 1 << 20
MAX_LAYERS = 4

PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
# `name: value` or `name=value` where the name says it holds a secret (any case, prefixed or
# suffixed: db_password, OS_PASSWORD, client_secret, api-key, X_AUTH_TOKEN...). The scan starts
# at each secret word and every repeat is bounded and possessive, so a long run without
# separators (base64, a hostile string) is scanned in linear time.
SECRET_WORD = re.compile(
    r"passw(?:or)?d|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"credential|pwd"
)
# Lower-cases ASCII only, so positions in the copy are positions in the original.
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Nova refuses user data over 64 KiB and tags over 255 characters; a longer string is not
# scanned (that would let a hostile input stall the check) and is reported as such.
MAX_SCAN = 256 * 1024
AFTER_WORD = re.compile(
    r"""(?P<rest>[A-Za-z0-9_.\-]{0,64}+)["']?+[ \t]{0,8}+[:=][ \t]{0,8}+"""
    r"""(?P<value>"[^"\n]{0,512}+"|'[^'\n]{0,512}+'|[^\s,;}\]]{0,512}+)"""
)
BEFORE_WORD = re.compile(r"[A-Za-z0-9_.\-]{0,64}$")
# Settings that name a password feature, not a password (cloud-init, sshd, sudo).
NOT_SECRETS = frozenset(
    {
        "lock_passwd", "ssh_pwauth", "chpasswd", "passwordauthentication",
        "permitemptypasswords", "expire", "password_file", "token_file", "secret_file",
        "secret-type", "secrettype", "secret_ref", "secret-ref", "secret_type",
        "passwd-file", "token_ttl", "token-ttl",
        # sudoers: `%group ALL=(ALL) NOPASSWD: ALL` is a tag, not a password.
        "nopasswd",
    }
)  # fmt: skip
HARMLESS_VALUES = frozenset(
    {"", "true", "false", "yes", "no", "null", "none", "~", "''", '""', "on", "off", "[]", "{}"}
)
# Each token format with the literals it cannot do without, checked first (cheap `in` tests).
TOKENS = {
    "an AWS access key id": (("AKIA", "ASIA"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    "a GitHub token": (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    ),
    "a Slack token": (("xox",), re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    "a JSON web token": (
        ("eyJ",),
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
    ),
}
URL_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}://[^/\s:@]{1,256}:[^/\s@]{0,256}@")
USERINFO = re.compile(r"[^/\s:@]{1,256}+:[^/\s@]{0,256}+@")


def _is_reference(value: str) -> bool:
    """A value that names where a secret comes from rather than holding it."""
    stripped = value.strip("\"'")
    if (
        stripped.startswith(("${", "{{", "$", "/", "<", "%("))
        or stripped.lower() in HARMLESS_VALUES
    ):
        return True
    # A URL without credentials points at a secret (a Barbican reference); URL_CREDENTIALS
    # judges URLs that carry some.
    return "://" in stripped and not URL_CREDENTIALS.search(stripped)


def _url_credentials(text: str) -> bool:
    start = text.find("://")
    while start != -1:
        if USERINFO.match(text, start + 3):
            return True
        start = text.find("://", start + 3)
    return False


def _assignments(text: str) -> bool:
    lowered = text.translate(ASCII_LOWER)
    for word in SECRET_WORD.finditer(lowered):
        match = AFTER_WORD.match(text, word.end())
        if match is None:
            continue
        head = BEFORE_WORD.search(text[max(0, word.start() - 64) : word.start()])
        key = ((head.group(0) if head else "") + word.group(0) + match.group("rest")).lower()
        key = key.strip("-_.")
        if key in NOT_SECRETS or key.endswith(
            ("_file", "-file", "_path", "_ttl", "_type", "_ref", "-ref", "ref", "_id", "-id")
        ):
            continue  # names a file, a lifetime, a kind or a reference to a secret, not one
        if not _is_reference(match.group("value")):
            return True
    return False


def layers(text: str) -> Iterator[str]:
    """The text and every decoding cloud-init would apply to it, bounded."""
    pending = [text]
    seen = 0
    while pending and seen < MAX_LAYERS * 4:
        current = pending.pop()
        seen += 1
        yield current
        if current.lstrip().lower().startswith("content-type: multipart"):
            import email  # only for MIME user data: not paid by every check

            message = email.message_from_string(current)
            for part in message.walk():
                if part.is_multipart():
                    continue
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    pending.append(_text(payload[:MAX_SCAN]))
            continue
        raw = _decoded_bytes(current)
        if raw is not None:
            pending.append(_text(raw[:MAX_SCAN]))


def _decoded_bytes(text: str) -> bytes | None:
    compact = "".join(text.split())
    if len(compact) < 16 or len(compact) % 4 or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", compact):
        return None
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    if data[:2] == b"\x1f\x8b":
        try:
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return decompressor.decompress(data, MAX_DECODED)
        except (zlib.error, OSError, EOFError):
            return None
    return data[:MAX_DECODED]


def _text(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, MAX_DECODED)
        except (zlib.error, OSError, EOFError):
            return ""
    return data.decode("utf-8", errors="replace")


def embedded_credentials(text: str, *, in_user_data: bool = False) -> list[str]:
    """What kinds of credential `text` embeds (empty: none found)."""
    return list(_scan(text, in_user_data))


@lru_cache(maxsize=4096)
def _scan(text: str, in_user_data: bool) -> tuple[str, ...]:
    # The same tags, metadata and user data recur across a site's hosts: scanned once each.
    kinds: list[str] = []
    if len(text) > MAX_SCAN:
        return (f"a string too long to scan ({len(text)} characters, the bound is {MAX_SCAN})",)
    for layer in layers(text) if in_user_data or len(text) >= 16 else [text]:
        if "-----BEGIN" in layer and PEM_PRIVATE_KEY.search(layer) and "a private key" not in kinds:
            kinds.append("a private key")
        if _url_credentials(layer) and "credentials in a URL" not in kinds:
            kinds.append("credentials in a URL")
        if _assignments(layer) and "a password or secret assignment" not in kinds:
            kinds.append("a password or secret assignment")
        for kind, (literals, pattern) in TOKENS.items():
            if kind in kinds or not any(literal in layer for literal in literals):
                continue
            if pattern.search(layer):
                kinds.append(kind)
    return tuple(kinds)
