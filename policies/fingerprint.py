"""The one fingerprint of a finding: SARIF `partialFingerprints`, GitLab Code Quality's
`fingerprint` and `hubctl check --baseline` all use it, so a finding a baseline knows is the
alert code scanning already has and the issue the merge-request widget already shows.

It hashes what identifies a finding, not where it is printed: the rule, the resource's URN and
the message with every `file:line` reference cut to the file. Lines are left out on purpose:
adding a key above a finding moves its line, not the finding (checkov's baseline keys on file,
resource and check id for the same reason). The message stays in because one rule may find
several things on one resource (two open ports on one security group); its value parts (a
region, a CIDR) do belong to the finding: changing UK1 to US1 is a new finding.
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

VERSION = "v1"
# `path/file.ext:LINE` (optionally `:COLUMN`) as messages and locations print them.
_LINE_REFERENCE = re.compile(r"(?P<file>[\w./-]+\.(?:ya?ml|py|json)):\d+(?::\d+)?")
_WHITESPACE = re.compile(r"\s+")


class Finding(Protocol):
    @property
    def policy(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def message(self) -> str: ...


def normalised_message(message: str) -> str:
    """The message without line numbers or layout: what the fingerprint reads of it."""
    return _WHITESPACE.sub(" ", _LINE_REFERENCE.sub(r"\g<file>", message)).strip()


def fingerprint_of(policy: str, urn: str, message: str) -> str:
    text = "\0".join((VERSION, policy, urn, normalised_message(message)))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(finding: Finding) -> str:
    """64 hex digits, the same for the same rule, resource and message wherever it is written."""
    return fingerprint_of(finding.policy, finding.urn, finding.message)
