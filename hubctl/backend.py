"""Where a site's Pulumi state lives, and plain access to the objects of that backend.

One decision, `choose_backend`, serves every command that runs the engine (`up`, `down`,
`preview`, `outputs`, `drill`, `workspace ...`): a site's stacks live in the site's
`hub:stateBackend` (stacks/sites.yaml, the value the policy pack judges sovereign), or, when
HUB_STATE_BACKEND is set, all of them in that backend (the test tiers and drills point it at a
backend of their own). An explicit PULUMI_BACKEND_URL in the caller's environment never splits
a site's stacks across two backends: when it names another backend than the site's, the command
refuses (BackendConflict) and says where the site's stacks are. `file://` paths are relative to
the repository. For an `s3://` backend on the site's own OpenStack cloud (the local site's Swift
S3 API, like OVH's S3), hubctl bootstraps what the engine needs when the caller has not: EC2
credentials of the site's user and project from Keystone, and the bucket.

The stores give hubctl what the engine does not: listing and removing the engine's lock objects,
and an atomic create for the site lock (hubctl.locks).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import load_layered_config, missing_site_stacks
from hubcore.stacks import SITE_LAYERS, StackName
from hubcore.values import ConfigError
from hubctl.cloud import SiteCloud, object_store_of

OVERRIDE = "HUB_STATE_BACKEND"
# The engine's own variable: hubctl always sets it for the engine, and only judges the caller's.
ENGINE_VARIABLE = "PULUMI_BACKEND_URL"
# Swift's S3 API refuses conditional PUTs; the site lock then goes through Swift's own API
# (If-None-Match: *) on the same object, and is read back after this long: any write that
# raced with ours has landed by then, and only the last one reads back as its own.
SETTLE_SECONDS = 2.0


class BackendError(Exception):
    """The backend cannot be reached or bootstrapped; the message says what to fix."""


class BackendConflict(BackendError):
    """The caller's PULUMI_BACKEND_URL names another backend than the one holding the site's
    stacks, or the site's stacks disagree on theirs: a usage error, nothing was run."""


class Store(Protocol):
    url: str

    def keys(self, prefix: str) -> list[str]: ...

    def read(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...

    def create(self, key: str, data: bytes) -> bool:
        """Write `key` only if it does not exist; False when another writer has it."""
        ...

    def where(self, key: str) -> str:
        """The object's address for a person: a path, or s3://bucket/key."""
        ...

    def remove_command(self, key: str) -> str:
        """The exact command that removes the object by hand."""
        ...


def resolve_url(url: str) -> str:
    """A backend URL with a relative file:// path made absolute (relative to the repository)."""
    if not url.startswith("file://"):
        return url
    rest = url.removeprefix("file://")
    path = Path(os.path.expanduser(rest))
    return f"file://{path if path.is_absolute() else REPO_ROOT / path}"


@dataclass(frozen=True)
class BackendChoice:
    """The backend of every stack of one site, and where that decision comes from."""

    site: str
    url: str
    origin: str  # for a person: "hub:stateBackend (stacks/sites.yaml:118)" or "HUB_STATE_BACKEND"


def configured_backend(site: str) -> tuple[str, str]:
    """The site's `hub:stateBackend` and where it is set. Every layer of the site must say the
    same: a stack file that moved one layer's state elsewhere would split the site."""
    found: dict[str, list[str]] = {}
    origin = ""
    missing = set(missing_site_stacks(site))
    for layer in SITE_LAYERS:
        if str(StackName(site, layer)) in missing:
            continue
        value = load_layered_config(StackName(site, layer)).get("hub:stateBackend")
        if value is None:
            continue
        found.setdefault(value.value, []).append(f"{layer.value} ({value.location})")
        origin = origin or f"hub:stateBackend ({value.location})"
    if not found:
        raise ConfigError(
            f"site {site!r} has no hub:stateBackend (stacks/sites.yaml): hubctl does not guess "
            "where a site's state lives",
            key="hub:stateBackend",
        )
    if len(found) > 1:
        where = "; ".join(f"{url}: {', '.join(layers)}" for url, layers in found.items())
        raise BackendConflict(
            f"site {site!r}: its layers name different hub:stateBackend values ({where}); a "
            "site's stacks live in one backend: set it once, in stacks/sites.yaml"
        )
    return next(iter(found)), origin


def choose_backend(site: str, environ: Mapping[str, str] | None = None) -> BackendChoice:
    """The one backend of every stack of `site` (layers and research workspaces alike).

    HUB_STATE_BACKEND, when set, moves every stack of the site there for the run. Otherwise the
    site's hub:stateBackend. A PULUMI_BACKEND_URL in the caller's environment is accepted only
    when it names that same backend: anything else is refused, never silently used for some of
    the site's stacks and not for others.
    """
    environ = os.environ if environ is None else environ
    override = environ.get(OVERRIDE, "").strip()
    if override:
        choice = BackendChoice(site, resolve_url(override), OVERRIDE)
    else:
        url, origin = configured_backend(site)
        choice = BackendChoice(site, resolve_url(url), origin)
    explicit = environ.get(ENGINE_VARIABLE, "").strip()
    if explicit and resolve_url(explicit) != choice.url:
        raise BackendConflict(
            f"{ENGINE_VARIABLE} is {explicit}, but the stacks of site {site!r} are in "
            f"{choice.url} ({choice.origin}). hubctl never splits a site's stacks across two "
            f"backends: unset {ENGINE_VARIABLE} (hubctl gives the engine the site's backend "
            f"itself), or set {OVERRIDE}={explicit} to keep every stack of the site there"
        )
    return choice


@dataclass
class FileStore:
    url: str
    root: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(urlparse(self.url).path)

    def keys(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

    def read(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)
        # The engine's file store keeps each object's attributes beside it.
        (self.root / f"{key}.attrs").unlink(missing_ok=True)

    def create(self, key: str, data: bytes) -> bool:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return True

    def where(self, key: str) -> str:
        return str(self.root / key)

    def repair(self) -> list[str]:
        """Undo what a killed engine's writes left half-done; what was removed, for a person.

        The engine's file store writes each object through a temporary file renamed into place
        (atomic), but the object's attribute sidecar (`<object>.attrs`) in place: a kill in
        that write leaves it empty, and the engine then refuses the stack ("failed to load
        checkpoint: EOF"). A missing sidecar is read as no attributes, so an unreadable one is
        removed, as is the temporary file of a write that never completed. Called only under
        the site lock, once every engine lock of the site is known stale: no live engine of the
        site is writing.
        """
        removed: list[str] = []
        bookkeeping = self.root / ".pulumi"
        if not bookkeeping.exists():
            return removed
        for path in sorted(bookkeeping.rglob("*")):
            if not path.is_file():
                continue
            broken = path.name.endswith(".tmp") and ".json." in path.name
            if path.name.endswith(".attrs"):
                try:
                    json.loads(path.read_bytes())
                except ValueError:
                    broken = True
            if broken:
                path.unlink(missing_ok=True)
                removed.append(str(path.relative_to(self.root)))
        return removed

    def remove_command(self, key: str) -> str:
        return f"rm {self.root / key}"


@dataclass
class S3Store:
    url: str
    client: Any
    bucket: str
    swift: Any = None  # an openstacksdk connection to the same project, for the site lock

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            found += [item["Key"] for item in page.get("Contents", [])]
        return sorted(found)

    def read(self, key: str) -> bytes | None:
        import botocore.exceptions

        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def create(self, key: str, data: bytes) -> bool:
        import botocore.exceptions

        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*")
            return True
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return False
            if code != "NotImplemented" or self.swift is None:
                raise
        return self._create_through_swift(key, data)

    def _create_through_swift(self, key: str, data: bytes) -> bool:
        status = object_store_of(self.swift).put_with_metadata(
            self.bucket, key, data, {}, only_if_absent=True
        )
        if status == 412:
            return False
        if status >= 300:
            raise BackendError(f"Swift refused {self.where(key)}: HTTP {status}")
        time.sleep(SETTLE_SECONDS)
        return self.read(key) == data

    def where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def remove_command(self, key: str) -> str:
        if self.swift is not None:
            return f"openstack object delete {self.bucket} {key}"
        endpoint = _query(self.url).get("endpoint", "")
        return f"aws s3 rm s3://{self.bucket}/{key} --endpoint-url {endpoint}"


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def _endpoint(url: str) -> str:
    endpoint = _query(url).get("endpoint", "")
    if endpoint and "://" not in endpoint:
        endpoint = f"https://{endpoint}"
    return endpoint


@dataclass
class SiteBackend:
    """A site's backend: its URL, what the engine needs in its environment, and its store."""

    url: str
    env: dict[str, str]
    cloud: SiteCloud | None = None

    def store(self) -> Store:
        if self.url.startswith("file://"):
            return FileStore(self.url)
        if self.url.startswith("s3://"):
            return self._s3_store()
        raise BackendError(f"backend {self.url!r}: hubctl reads file:// and s3:// backends only")

    def _s3_store(self) -> S3Store:
        import boto3
        from botocore.config import Config

        query = _query(self.url)
        client = boto3.client(
            "s3",
            endpoint_url=_endpoint(self.url) or None,
            region_name=query.get("region"),
            aws_access_key_id=self.env.get("AWS_ACCESS_KEY_ID")
            or os.environ.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=self.env.get("AWS_SECRET_ACCESS_KEY")
            or os.environ.get("AWS_SECRET_ACCESS_KEY"),
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 5},
            ),
        )
        swift = self.cloud.connect() if self.cloud is not None and self._on_site_cloud() else None
        return S3Store(self.url, client, urlparse(self.url).netloc, swift)

    def _on_site_cloud(self) -> bool:
        """Whether the S3 endpoint is the object store of the site's own cloud (its Swift)."""
        if self.cloud is None:
            return False
        swift = object_store_of(self.cloud.connect()).endpoint()
        if not swift:  # no object store in the catalogue: no Swift fallback
            return False
        return urlparse(swift).netloc == urlparse(_endpoint(self.url)).netloc


def open_site_backend(
    site: str, cloud: SiteCloud | None, environ: Mapping[str, str] | None = None
) -> SiteBackend:
    """The site's backend (`choose_backend`), bootstrapped for the engine."""
    environ = dict(os.environ if environ is None else environ)
    return open_backend(choose_backend(site, environ).url, cloud, environ)


def open_backend(
    url: str, cloud: SiteCloud | None, environ: Mapping[str, str] | None = None
) -> SiteBackend:
    """A backend by its URL, bootstrapped: for s3:// on the site's own cloud without AWS_*
    credentials given, EC2 credentials from Keystone and the bucket are made if missing.
    Callers with a site go through `open_site_backend`: this takes the URL as decided."""
    environ = dict(os.environ if environ is None else environ)
    url = resolve_url(url)
    env = {ENGINE_VARIABLE: url}
    backend = SiteBackend(url, env, cloud)
    if not url.startswith("s3://"):
        return backend
    # The engine's AWS SDK must never ask an instance metadata service on a machine that has none.
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    if environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
        return backend
    if cloud is None or not backend._on_site_cloud():
        raise BackendError(
            f"backend {url}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (EC2 credentials "
            "of the state's project: `openstack ec2 credentials create`), or reach the site's "
            f"cloud ({cloud.describe() if cloud else 'no credentials'}), whose object store "
            "this endpoint must be for hubctl to make them"
        )
    try:
        access, secret = object_store_of(cloud.connect()).s3_credentials()
    except Exception as error:  # Keystone refused or is down: say so, not a traceback
        raise BackendError(
            f"backend {url}: could not get EC2 credentials from {cloud.describe()}: "
            f"{type(error).__name__}: {error}"
        ) from error
    env.update({"AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret})
    ensure_bucket(backend)
    return backend


def ensure_bucket(backend: SiteBackend) -> None:
    import botocore.exceptions

    store = backend._s3_store()
    try:
        store.client.head_bucket(Bucket=store.bucket)
    except botocore.exceptions.ClientError:
        try:
            store.client.create_bucket(Bucket=store.bucket)
        except botocore.exceptions.ClientError as error:
            raise BackendError(
                f"backend {backend.url}: cannot create the bucket: {error}"
            ) from error
