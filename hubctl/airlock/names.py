"""What may be named in a request: file names that are safe in an object name and on any
reader's disk, and request ids of the airlock's own form. Hostile names are refused, never
rewritten: a renamed file is not the file the member meant."""

from __future__ import annotations

import re
import unicodedata

from hubctl.airlock.model import REQUEST_ID

MAX_NAME_BYTES = 200
_REQUEST = re.compile(REQUEST_ID)


class RefusedName(ValueError):
    """A file name or request id the airlock refuses (exit 2)."""


def check_file_name(raw: bytes | str) -> str:
    """The name itself if it is safe; RefusedName says why not.

    Safe: valid UTF-8, NFC, no path separator, not `.` or `..`, no control or format character
    (which hide text from a reviewer: bidi overrides, zero-width joiners), no leading dot or
    dash, at most 200 bytes.
    """
    name: str
    if isinstance(raw, bytes):
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RefusedName(
                f"file name {raw!r} is not UTF-8 (byte {error.start}): rename the file"
            ) from None
    else:
        name = raw
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:  # a surrogate escape: the OS name was not UTF-8
            escaped = name.encode("utf-8", "surrogateescape")
            raise RefusedName(f"file name {escaped!r} is not UTF-8: rename the file") from None
    shown = repr(name)
    if not name:
        raise RefusedName("an empty file name")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise RefusedName(f"file name {shown} holds a path; give the file itself, not a path")
    for char in name:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise RefusedName(
                f"file name {shown} holds the control or format character "
                f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed')}): rename the file"
            )
    if unicodedata.normalize("NFC", name) != name:
        raise RefusedName(f"file name {shown} is not in Unicode NFC form: rename the file")
    if name.startswith((".", "-")):
        raise RefusedName(f"file name {shown} starts with {name[0]!r}: rename the file")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise RefusedName(f"file name {shown[:60]}... is longer than {MAX_NAME_BYTES} bytes")
    return name


def check_request_id(text: str) -> str:
    if not _REQUEST.fullmatch(text):
        raise RefusedName(
            f"request id {text!r} is not an airlock request id (r-YYYYMMDDTHHMMSSZ-xxxxxx, as "
            "`hubctl workspace airlock list` shows them)"
        )
    return text
