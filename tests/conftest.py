"""Fixtures shared by every tier of the suite."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hubcore.paths import REPO_ROOT
from synth.records import ResourceRecord, SynthResult
from synth.synthesis import synthesize
from tests.offline import is_ambient

# The cloud tiers' fixtures (tenant, engine, backend), shared by every folder that needs them.
pytest_plugins = ["tests.cloud"]

Synth = Callable[..., SynthResult]


@pytest.fixture(scope="session")
def synth() -> Synth:
    """Synthesise a stack under Pulumi's mocks, cached per (stack, overrides) for the session."""
    cache: dict[tuple[str, tuple[tuple[str, str], ...]], SynthResult] = {}

    def run(stack: str, **overrides: str) -> SynthResult:
        key = (stack, tuple(sorted(overrides.items())))
        if key not in cache:
            cache[key] = synthesize(stack, {k.replace("__", ":"): v for k, v in overrides.items()})
        return cache[key]

    return run


def of_type(result: SynthResult, token: str) -> list[ResourceRecord]:
    """Records whose type token ends with `token` (e.g. "secGroupRule:SecGroupRule")."""
    return [r for r in result.resources if r.type.endswith(token)]


# --------------------------------------------------------------------------------------------
# The user's own deployment is never touched by the tests (`make up` then `make test`).

CLOUD_MARKERS = ("integration", "fault", "engine", "readme")
REPO = Path(__file__).resolve().parents[1]
USER_SITES = {"local": ("", "local-dr"), "local-dr": ("dr", "local-dr")}


def _local_cloud_env(which: str) -> dict[str, str] | None:
    """OS_* of the local cloud's own user (`scripts/local-cloud env [dr]`), None if it is down."""
    script = REPO / "scripts" / "local-cloud"
    status = subprocess.run([str(script), "status"], capture_output=True, text=True, timeout=120)
    if status.returncode != 0:
        return None
    out = subprocess.run(
        ["bash", "-c", f'eval "$({script} env {which})" && env -0'],
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout.decode()
    pairs = (entry.split("=", 1) for entry in out.split("\0") if "=" in entry)
    return {key: value for key, value in pairs if key.startswith("OS_")}


def held_resources(checkpoint: bytes) -> list[tuple[str, ...]]:
    """What one stack's checkpoint says is deployed: (urn, type, id) of each resource.

    The user's site is compared by what its states hold, not by their bytes: a `make up` that
    changes nothing (the README tier runs the newcomer's own `make up` again) still writes a new
    checkpoint, a history entry and a backup, with the same resources in it.
    """
    import json

    deployment = (json.loads(checkpoint).get("checkpoint") or {}).get("latest") or {}
    return sorted(
        (str(r.get("urn")), str(r.get("type")), str(r.get("id", "")))
        for r in deployment.get("resources") or []
    )


def _stack_checkpoints(names: list[str], read: Callable[[str], bytes]) -> list[tuple[str, ...]]:
    """(stack, urn, type, id) of every resource of every stack checkpoint among `names`."""
    held: list[tuple[str, ...]] = []
    for name in names:
        if name.startswith(".pulumi/stacks/") and name.endswith(".json"):
            stack = name.removeprefix(".pulumi/stacks/").removesuffix(".json")
            held += [(stack, *resource) for resource in held_resources(read(name))]
    return sorted(held)


def site_objects(conn: Any, skip: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """(container, object, etag) of every object the project's containers hold, but those of
    `skip` (the state bucket, compared by what it holds instead)."""
    found: list[tuple[str, ...]] = []
    for container in conn.object_store.containers():
        if container.name not in skip:
            found += [
                (container.name, obj.name, str(obj.etag))
                for obj in conn.object_store.objects(container.name)
            ]
    return sorted(found)


def user_connection(site: str) -> Any:
    """The local cloud's own user in the user's project of `site` (None if the cloud is down)."""
    import openstack

    env = _local_cloud_env(USER_SITES[site][0])
    if env is None:
        return None
    return openstack.connect(
        load_envvars=False,
        load_yaml_config=False,
        auth_url=env["OS_AUTH_URL"],
        project_name=env["OS_PROJECT_NAME"],
        username=env["OS_USERNAME"],
        password=env["OS_PASSWORD"],
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=env["OS_REGION_NAME"],
    )


def state_bucket(site: str) -> str | None:
    from hubcore.stackfiles import load_layered_config

    backend = load_layered_config(f"{site}-network")["hub:stateBackend"].value
    if not backend.startswith("s3://"):
        return None
    return backend.removeprefix("s3://").split("?", 1)[0].split("/", 1)[0]


def user_site_census() -> dict[str, list[tuple[str, ...]]] | None:
    """Everything of the user's `local` and `local-dr` sites: the hub's resources in their
    projects (hubctl's own census, by the hub's tags and names) and what their states hold (the
    local site's S3 bucket, read through Swift, and the file backend of local-dr). None when
    the local cloud is not running: then no test can reach the user's site either."""

    from hubcore.stackfiles import load_layered_config
    from hubctl.cloud import project_of

    census: dict[str, list[tuple[str, ...]]] = {}
    for site in USER_SITES:
        conn = user_connection(site)
        if conn is None:
            return None
        census[f"{site} resources"] = sorted(
            (o.token, o.id, o.name) for o in project_of(conn).hub_objects(site)
        )
        # the data the site holds (datasets, their replicas and manifests, audit logs, backups)
        bucket = state_bucket(site)
        census[f"{site} objects"] = site_objects(conn, frozenset({bucket} if bucket else ()))
        backend = load_layered_config(f"{site}-network")["hub:stateBackend"].value
        if backend.startswith("s3://"):
            bucket = backend.removeprefix("s3://").split("?", 1)[0].split("/", 1)[0]
            names = {c.name for c in conn.object_store.containers()}
            objects = [o.name for o in conn.object_store.objects(bucket)] if bucket in names else []

            def download(name: str, bucket: str = bucket, conn: Any = conn) -> bytes:
                return bytes(conn.object_store.download_object(name, container=bucket))

            census[f"{site} state"] = [
                held
                for held in _stack_checkpoints(objects, download)
                if held[0].split("/")[-1].startswith(f"{site}-")
            ]
        elif backend.startswith("file://"):
            root = Path(backend.removeprefix("file://"))
            root = root if root.is_absolute() else REPO / root
            files = (
                [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()]
                if root.is_dir()
                else []
            )

            def read_file(name: str, root: Path = root) -> bytes:
                return (root / name).read_bytes()

            census[f"{site} state"] = [
                held
                for held in _stack_checkpoints(files, read_file)
                if held[0].split("/")[-1].startswith(f"{site}-")
            ]
    return census


def user_access_files() -> dict[str, str]:
    """The SSH access `hubctl up` wrote for the user's sites (.state/ssh/<site>/ of this
    checkout: the printed `ssh -F ... -J ...` line reads it), each file by its digest."""
    folder = REPO_ROOT / ".state" / "ssh"
    if not folder.is_dir():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def checkout_stack_files() -> dict[str, str]:
    """The checkout's stacks/ (what the user's sites are deployed from), each file by its digest:
    a test writes stack files into a copy of it (tests/private_stacks.py), never into it."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((REPO_ROOT / "stacks").iterdir())
        if path.is_file() and not path.name.endswith(".lock")
    }


@pytest.fixture(scope="session", autouse=True)
def users_site_is_left_as_it_was(request: pytest.FixtureRequest) -> Iterator[None]:
    """The census of the user's sites before the session equals the census after it, the
    way to reach their hosts is the one `make up` wrote, and the checkout's stack files are
    the ones it had."""
    reaches_cloud = any(
        item.get_closest_marker(marker)
        for item in request.session.items
        for marker in CLOUD_MARKERS
    )
    access_before = user_access_files()
    stacks_before = checkout_stack_files()
    before = user_site_census() if reaches_cloud else None
    yield
    stacks_after = checkout_stack_files()
    rewritten = [n for n, d in stacks_before.items() if stacks_after.get(n, d) != d]
    assert stacks_after == stacks_before, (
        "the tests wrote into the checkout's stacks/ (a test that writes stack files must set "
        "HUB_STACKS_DIR to a copy, tests/private_stacks.py): "
        f"new {sorted(set(stacks_after) - set(stacks_before))}, "
        f"gone {sorted(set(stacks_before) - set(stacks_after))}, "
        f"changed {rewritten}"
    )
    assert user_access_files() == access_before, (
        "the tests rewrote the user's SSH access files under .state/ssh/ (a test's `hubctl up` "
        "without HUB_SSH_DIR)"
    )
    if before is None:
        return
    after = user_site_census()
    assert after is not None, "the local cloud stopped during the tests: restart it"
    changed = {
        key: {"gone": sorted(set(before[key]) - set(after.get(key, []))),
              "new": sorted(set(after.get(key, [])) - set(before[key]))}
        for key in before
        if before[key] != after.get(key)
    }  # fmt: skip
    assert not changed, f"the tests changed the user's own sites: {changed}"


# --------------------------------------------------------------------------------------------
# Each test sees the environment it asks for, and no other tier's. A cloud test that uses the
# session's deployment (`deploy_env`, the workspace site) gets its variables for its own run, as
# hubctl's in-process commands read them; nothing is left in os.environ for the next tier (the
# engine's own environment, `make up` in a namespace). The offline tiers judge what the files
# say, never what the caller's shell put in the environment: a user who ran
# `eval "$(scripts/local-cloud env)"` (OS_REGION_NAME=LOCAL1, OS_CLOUD...) would otherwise change
# what a provider without a region or a project without a backend is judged to mean.

LIVE_MARKERS = ("integration", "fault", "readme")


@pytest.fixture(autouse=True)
def _each_test_sees_its_own_environment(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = set(request.fixturenames)
    if "deploy_env" in names:
        applied = dict(request.getfixturevalue("deploy_env"))
        if "workspace_site" in names:
            applied.update(request.getfixturevalue("workspace_site").env)
        for key, value in applied.items():
            monkeypatch.setenv(key, value)
        return
    if any(request.node.get_closest_marker(marker) for marker in LIVE_MARKERS):
        return
    if "cloud_env" in names:
        return
    for name in list(os.environ):
        if is_ambient(name):
            monkeypatch.delenv(name)
