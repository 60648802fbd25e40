"""A dataset's container through the APIs: load, read and list, every object sealed.

Objects are sealed with the shared envelope (hubctl.envelope) under the dataset's current key,
which the container names in its metadata (`data-key-ref`, set by the storage layer from the
KMS stack): no engine or state is needed to load or read. Reading checks the plaintext against
the newest manifest's SHA-256; an object the manifest does not list, or whose hash differs, is
refused by name and nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from hubctl.cloud import object_store_of
from hubctl.cloud.api import Connection
from hubctl.datasets.keys import key_id
from hubctl.datasets.manifest import (
    MANIFEST_PREFIX,
    RESERVED_PREFIX,
    Manifest,
    ObjectEntry,
    manifest_name,
    sha256,
    version_of,
)
from hubctl.envelope import (
    META_KEY_REF,
    EnvelopeError,
    fetch_key,
    get_sealed,
    open_sealed,
    put_sealed,
    seal,
)

KEY_REF_META = "data-key-ref"  # container metadata the storage layer sets (infra.layers.storage)
SHREDDED_META = "hub-shredded"  # set by `hubctl dataset shred`: the dataset's keys are gone


class DatasetError(ValueError):
    """A dataset object or manifest that cannot be trusted or reached; names it."""


@dataclass
class KeyRing:
    """Dataset keys by Barbican id: fetched from Barbican on first use, or given (recovered)."""

    conn: Connection | None = None
    keys: dict[str, bytes] = field(default_factory=dict)

    def get(self, ref: str) -> bytes:
        ident = key_id(ref)
        if ident not in self.keys:
            if self.conn is None:
                raise DatasetError(f"no key {ident} among the recovered keys")
            self.keys[ident] = fetch_key(self.conn, ref)
        return self.keys[ident]


@dataclass
class DatasetStore:
    conn: Connection
    site: str
    dataset: str
    container: str
    ring: KeyRing

    # ---- reading -----------------------------------------------------------------------

    def names(self, prefix: str = "") -> list[str]:
        listing = object_store_of(self.conn).listing(self.container, prefix)
        if listing is None:
            raise DatasetError(f"container {self.container} does not exist")
        return sorted(o.name for o in listing)

    def _container_meta(self) -> dict[str, str]:
        meta = object_store_of(self.conn).container_metadata(self.container)
        if meta is None:
            raise DatasetError(f"container {self.container} does not exist")
        return meta

    def shredded_at(self) -> str | None:
        """When the dataset was crypto-shredded (`hubctl dataset shred`), None if it was not."""
        return self._container_meta().get(SHREDDED_META)

    def current_key_ref(self) -> str:
        ref = self._container_meta().get(KEY_REF_META)
        if not ref:
            raise DatasetError(
                f"container {self.container} names no dataset key ({KEY_REF_META} metadata): "
                "deploy the site's storage layer with `hubctl up`"
            )
        return str(ref)

    def versions(self) -> list[int]:
        return sorted(v for n in self.names(MANIFEST_PREFIX) if (v := version_of(n)) is not None)

    def manifest(self, version: int | None = None) -> Manifest | None:
        """A version's manifest (the newest when None); None for a dataset never loaded."""
        if version is None:
            versions = self.versions()
            if not versions:
                return None
            version = versions[-1]
        name = manifest_name(version)
        data = self.open_object(name)
        try:
            found = Manifest.model_validate(json.loads(data))
        except (ValueError, ValidationError) as error:
            raise DatasetError(
                f"{self.container}/{name}: not a dataset manifest: {error}"
            ) from None
        if (found.site, found.dataset, found.version) != (self.site, self.dataset, version):
            raise DatasetError(
                f"{self.container}/{name}: the manifest is of {found.site}/{found.dataset} "
                f"v{found.version}, not {self.site}/{self.dataset} v{version}"
            )
        return found

    def open_object(self, name: str) -> bytes:
        """An object's plaintext (unwrapped and decrypted), not yet checked."""
        try:
            body, metadata = get_sealed(self.conn, self.container, name)
        except EnvelopeError as error:
            raise DatasetError(str(error)) from None
        ref = metadata.get(META_KEY_REF)
        if not ref:
            raise DatasetError(f"{self.container}/{name}: not sealed (names no dataset key)")
        try:
            return open_sealed(name, body, metadata, self.ring.get(ref))
        except EnvelopeError as error:
            raise DatasetError(f"{self.container}/{error}") from None

    def read(self, name: str, manifest: Manifest | None = None) -> bytes:
        """An object's plaintext, checked against the manifest's SHA-256."""
        manifest = manifest or self.manifest()
        if manifest is None:
            raise DatasetError(f"dataset {self.dataset} has no manifest: nothing was loaded")
        self.entry(name, manifest)
        data = self.open_object(name)
        self.check(name, data, manifest)
        return data

    def entry(self, name: str, manifest: Manifest) -> ObjectEntry:
        found = manifest.objects.get(name)
        if found is None:
            raise DatasetError(
                f"{self.container}/{name}: not in manifest v{manifest.version} of "
                f"{self.dataset} (objects: {', '.join(sorted(manifest.objects)) or 'none'})"
            )
        return found

    def check(self, name: str, data: bytes, manifest: Manifest) -> None:
        """The plaintext against the manifest's SHA-256 and size; DatasetError names it."""
        entry = self.entry(name, manifest)
        if sha256(data) != entry.sha256 or len(data) != entry.size:
            raise DatasetError(
                f"{self.container}/{name}: its plaintext does not match manifest "
                f"v{manifest.version} (SHA-256 {sha256(data)[:16]}…, expected {entry.sha256[:16]}…)"
            )

    # ---- writing -----------------------------------------------------------------------

    def load(
        self,
        files: Iterable[tuple[str, bytes]],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_object: Callable[[str, int], None] | None = None,
    ) -> Manifest:
        """Seal and upload each (name, bytes), then write the next manifest version."""
        items = list(files)
        for name, _ in items:
            check_name(name)
        shredded = self.shredded_at()
        if shredded:
            raise DatasetError(
                f"{self.container}: dataset {self.dataset} was crypto-shredded on {shredded}; "
                "nothing is loaded into it"
            )
        ref = self.current_key_ref()
        key = self.ring.get(ref)
        entries: dict[str, ObjectEntry] = {}
        for name, data in items:
            put_sealed(self.conn, self.container, name, seal(name, data, key, ref))
            entries[name] = ObjectEntry(
                sha256=sha256(data), size=len(data), key_id=key_id(ref), loaded_at=now()
            )
            if on_object is not None:
                on_object(name, len(data))
        return self.write_manifest(entries, ref, now)

    def write_manifest(
        self,
        entries: dict[str, ObjectEntry],
        ref: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        attempts: int = 8,
    ) -> Manifest:
        """The next version: the newest manifest with `entries` over it (a concurrent load
        that took the version first is read and merged, then the next one is tried)."""
        key = self.ring.get(ref)
        for _ in range(attempts):
            previous = self.manifest()
            version = (previous.version if previous else 0) + 1
            manifest = Manifest(
                site=self.site,
                dataset=self.dataset,
                version=version,
                created=now(),
                objects={**(previous.objects if previous else {}), **entries},
            )
            name = manifest_name(version)
            body = manifest.model_dump_json(indent=1).encode()
            status = put_sealed(
                self.conn, self.container, name, seal(name, body, key, ref), only_if_absent=True
            )
            if status != 412:
                return manifest
        raise DatasetError(
            f"{self.container}: could not write a manifest version after {attempts} attempts "
            "(concurrent loads)"
        )


def check_name(name: str) -> None:
    if not name or name.startswith(RESERVED_PREFIX) or name.startswith("/") or len(name) > 1024:
        raise DatasetError(
            f"object name {name!r} is not allowed: 1 to 1024 characters, not starting with "
            f"'/' or {RESERVED_PREFIX!r} (the manifests' place)"
        )


def read_files(paths: Iterable[Path]) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in paths]
