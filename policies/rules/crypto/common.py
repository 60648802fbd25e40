"""What several rules of the crypto family share. Registers no rule."""

from __future__ import annotations

from typing import Any

from hubcore.resource_types import TLS_LOCALLY_SIGNED_CERT, TLS_SELF_SIGNED_CERT
from policies.model import ResourceView
from policies.rules.common import number
from policies.userdata import layers

CERTIFICATES = (TLS_SELF_SIGNED_CERT, TLS_LOCALLY_SIGNED_CERT)


def as_int(value: Any, default: int) -> int | None:
    """An integer input as the provider parses it ("3072" is 3072); None when it is none."""
    if value is None:
        return default
    parsed = number(value)
    return None if parsed is None or parsed != int(parsed) else int(parsed)


def texts_of(resource: ResourceView, prop: str) -> list[str]:
    value = resource.get(prop)
    if not isinstance(value, str):
        return []
    if prop == "userData":
        return list(layers(value))  # as cloud-init decodes it: base64, gzip, MIME parts
    return [value]
