"""The manifest of a dataset version: every object's SHA-256, size and key, sealed like data.

Each `hubctl dataset load` writes the next version, `.hub/manifests/v000042.json`, holding the
whole dataset as it is after the load (so one manifest verifies a complete restore). A version
is written with `If-None-Match: *`: two concurrent loads cannot both claim it. The manifest is
sealed under the dataset key like the objects, because hashes of small health records could be
confirmed by guessing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MANIFEST_PREFIX = ".hub/manifests/"
RESERVED_PREFIX = ".hub/"
FORMAT = "hub-dataset-manifest/1"


class ObjectEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the plaintext")
    size: int = Field(ge=0)
    key_id: str = Field(description="Barbican id of the dataset key that wraps its data key")
    loaded_at: datetime


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["hub-dataset-manifest/1"] = "hub-dataset-manifest/1"
    site: str
    dataset: str
    version: int = Field(ge=1)
    created: datetime
    objects: dict[str, ObjectEntry] = Field(default_factory=dict)


def manifest_name(version: int) -> str:
    return f"{MANIFEST_PREFIX}v{version:06d}.json"


def version_of(name: str) -> int | None:
    """The version a manifest object's name holds, None for any other object."""
    if not name.startswith(MANIFEST_PREFIX) or not name.endswith(".json"):
        return None
    digits = name.removeprefix(MANIFEST_PREFIX).removesuffix(".json").removeprefix("v")
    return int(digits) if digits.isdigit() else None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
