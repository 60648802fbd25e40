"""The site's states, read-only, straight from its backend: what the audit compares the cloud with.

The engine's DIY backends keep each stack's checkpoint at `.pulumi/stacks/<project>/<stack>.json`
(older layouts: `.pulumi/stacks/<stack>.json`), optionally gzipped. The audit reads them the
way `hubctl check --state` reads an export, through hubctl.state_export, and changes nothing: no
lock, no credential made, no bucket created. An `s3://` backend on the site's own cloud (the
local site's Swift S3 API) is read through Swift's API with the audit's own connection, so a
reader needs no EC2 credentials; any other is read with the caller's AWS_* variables.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from hubcore.stacks import StackName
from hubcore.values import ConfigError
from hubctl.backend import BackendError, FileStore, SiteBackend, choose_backend
from hubctl.cloud import ObjectStore, object_store_of
from hubctl.cloud.api import Connection
from hubctl.state_export import StateError, parse_state
from policies.evaluate import Target

STACKS_PREFIX = ".pulumi/stacks/"
PROJECT = "hub"


class StatesError(Exception):
    """The site's states could not be read; the message says which and why."""


@dataclass(frozen=True)
class StackState:
    stack: StackName
    target: Target
    where: str


def _stack_of(key: str) -> str | None:
    """`local-network` for `.pulumi/stacks/hub/local-network.json` (or the older layout)."""
    rest = key.removeprefix(STACKS_PREFIX)
    if rest.startswith(f"{PROJECT}/"):
        rest = rest.removeprefix(f"{PROJECT}/")
    if "/" in rest:
        return None
    for suffix in (".json", ".json.gz"):
        if rest.endswith(suffix):
            return rest.removesuffix(suffix)
    return None


def _export(data: bytes, key: str) -> bytes:
    """A checkpoint as the export document `pulumi stack export` prints for it."""
    if key.endswith(".gz"):
        data = gzip.decompress(data)
    try:
        checkpoint = json.loads(data)
    except ValueError as error:
        raise StateError(f"{key}: not a checkpoint ({error})") from error
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("checkpoint"), dict):
        raise StateError(f"{key}: not a checkpoint (no `checkpoint` object)")
    latest = checkpoint["checkpoint"].get("latest") or {}
    return json.dumps({"version": checkpoint.get("version", 3), "deployment": latest}).encode()


class _SwiftBucket:
    """A bucket of the site's own object store, read with the audit's own connection. A
    bucket or a state that is not there is an error: the backend says it holds them."""

    def __init__(self, store: ObjectStore, bucket: str) -> None:
        self.store, self.bucket = store, bucket

    def keys(self, prefix: str) -> list[str]:
        listed = self.store.listing(self.bucket, prefix)
        if listed is None:
            raise FileNotFoundError(f"the object store has no container {self.bucket}")
        return sorted(o.name for o in listed)

    def read(self, key: str) -> bytes:
        data = self.store.read(self.bucket, key)
        if data is None:
            raise FileNotFoundError(f"{key}: listed, then not found in container {self.bucket}")
        return data


def _store(url: str, conn: Connection) -> Any:
    if url.startswith("file://"):
        return FileStore(url)
    if not url.startswith("s3://"):
        raise StatesError(f"backend {url}: the audit reads file:// and s3:// backends only")
    endpoint = dict(p.split("=", 1) for p in urlparse(url).query.split("&") if "=" in p).get(
        "endpoint", ""
    )
    store = object_store_of(conn)
    swift = store.endpoint()  # '' without an object store: the bucket is read over S3
    bucket = urlparse(url).netloc
    if swift and urlparse(swift).netloc == urlparse(endpoint).netloc:
        return _SwiftBucket(store, bucket)
    if not (os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY")):
        raise StatesError(
            f"backend {url}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (read-only S3 "
            "credentials of the state's bucket): the audit creates none"
        )
    return SiteBackend(url, {}).store()


def read_states(
    site: str, conn: Connection, passphrase: str | None
) -> tuple[str, list[StackState]]:
    """The backend's URL and every stack of the site it holds (layers and workspaces): the
    site's one backend, as every engine command decides it (hubctl.backend.choose_backend)."""
    try:
        url = choose_backend(site).url
    except (BackendError, ConfigError) as error:
        raise StatesError(str(error)) from error
    try:
        store = _store(url, conn)
        keys = store.keys(STACKS_PREFIX)
    except StatesError:
        raise
    except Exception as error:  # unreachable, refused: the audit cannot compare anything
        raise StatesError(
            f"backend {url}: cannot list the states: {type(error).__name__}: {error}"
        ) from error
    found: list[StackState] = []
    for key in keys:
        name = _stack_of(key)
        parsed = StackName.try_parse(name) if name else None
        if parsed is None or parsed.site != site:
            continue
        try:
            data = store.read(key)
            if data is None:
                continue
            target = parse_state(_export(data, key), f"{url.split('?')[0]}/{key}", passphrase)
        except StateError as error:
            raise StatesError(f"state of {parsed}: {error}") from error
        except Exception as error:
            raise StatesError(
                f"state of {parsed} ({key}): cannot read: {type(error).__name__}: {error}"
            ) from error
        found.append(StackState(parsed, target, key))
    return url, found
