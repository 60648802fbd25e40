"""clouds.yaml entries, read from openstacksdk's own search path, as the provider would read them.

`openstack:cloud` names an entry of clouds.yaml; its region, identity endpoint, TLS settings and
endpoint overrides then configure the provider as if they were written inline, so the pack
judges them like inline settings. The search path is openstacksdk's (os-client-config's):
OS_CLIENT_CONFIG_FILE first, then the current directory, ~/.config/openstack and /etc/openstack
(and the XDG directories openstacksdk adds); the first file found is the one read, as
openstacksdk does, with secure.yaml (OS_CLIENT_SECURE_FILE) merged over it and a `profile`
expanded from openstacksdk's vendor profiles. Nothing here decides anything: rules do.

An entry that cannot be found or read is returned as such, never as an empty entry: the rules
fail closed on it. Reading is bounded (size, YAML aliases are not expanded past safe_load's
own handling) so a hostile file cannot hang the check.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 1 << 20
# clouds.yaml keys that name a service endpoint the provider uses instead of the catalogue's.
OVERRIDE_SUFFIXES = ("_endpoint_override", "_endpoint")


@dataclass(frozen=True)
class CloudEntry:
    """One clouds.yaml entry as the provider would configure itself from it."""

    name: str
    file: str | None = None
    # Why the entry could not be used (not found, unreadable file): rules fail closed on it.
    problem: str | None = None
    auth_url: Any = None
    regions: tuple[Any, ...] = ()
    # True when the entry turns certificate verification off (`verify: false`, `insecure`).
    insecure: Any = None
    endpoint_overrides: Mapping[str, Any] = field(default_factory=dict)
    # Every URL-like string of the entry (auth included), for the transport rules.
    urls: tuple[tuple[str, str], ...] = ()

    @property
    def usable(self) -> bool:
        return self.problem is None

    @property
    def where(self) -> str:
        return f"clouds.yaml entry {self.name!r}" + (f" ({self.file})" if self.file else "")


def search_path() -> tuple[list[str], list[str]]:
    """openstacksdk's clouds.yaml and secure.yaml candidates, environment overrides first."""
    from openstack.config import loader  # openstacksdk: imported only when a cloud is named

    config_files = list(loader.CONFIG_FILES)
    secure_files = list(loader.SECURE_FILES)
    if os.environ.get("OS_CLIENT_CONFIG_FILE"):
        config_files.insert(0, os.environ["OS_CLIENT_CONFIG_FILE"])
    if os.environ.get("OS_CLIENT_SECURE_FILE"):
        secure_files.insert(0, os.environ["OS_CLIENT_SECURE_FILE"])
    return config_files, secure_files


def _first_file(candidates: list[str]) -> tuple[str | None, Any, str | None]:
    """(path, parsed content, problem) of the first candidate that exists."""
    for candidate in candidates:
        path = Path(candidate)
        if not path.is_file():
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return str(path), None, f"{path} is larger than {MAX_FILE_BYTES} bytes"
            text = path.read_text(encoding="utf-8")
            return str(path), yaml.safe_load(text), None
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as error:
            return str(path), None, f"{path} cannot be read: {type(error).__name__}"
    return None, None, None


def _plain(value: Any) -> Any:
    """JSON-like data only (YAML may give dates, sets, bytes): what a rule and a cache key read."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    return over if over is not None else base


def _profile(name: Any) -> Mapping[str, Any]:
    if not isinstance(name, str):
        return {}
    try:
        from openstack.config import vendors

        found = vendors.get_profile(name)
    except Exception:  # a profile openstacksdk cannot load is no profile
        return {}
    return found if isinstance(found, Mapping) else {}


def _urls(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _urls(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _urls(item, f"{path}[{index}]")
    elif isinstance(value, str) and "://" in value:
        yield path, value


def _insecure(cloud: Mapping[str, Any]) -> Any:
    if "insecure" in cloud and cloud["insecure"] not in (None, False, "false", "False"):
        return cloud["insecure"] if isinstance(cloud["insecure"], bool | str) else True
    verify = cloud.get("verify")
    if verify is False or (isinstance(verify, str) and verify.lower() in {"false", "0", "no"}):
        return True
    return None


def _regions(cloud: Mapping[str, Any]) -> tuple[Any, ...]:
    found: list[Any] = []
    if "region_name" in cloud:
        found.append(cloud["region_name"])
    regions = cloud.get("regions")
    if isinstance(regions, list):
        for region in regions:
            found.append(region.get("name") if isinstance(region, Mapping) else region)
    elif regions is not None:
        found.append(regions)
    return tuple(found)


@cache
def cloud_entry(name: str) -> CloudEntry:
    """The clouds.yaml entry `name` from openstacksdk's search path, or why it cannot be used."""
    config_files, secure_files = search_path()
    path, content, problem = _first_file(config_files)
    if problem:
        return CloudEntry(name, path, problem)
    if path is None:
        return CloudEntry(name, None, "no clouds.yaml on openstacksdk's search path")
    secure_path, secure, secure_problem = _first_file(secure_files)
    if secure_problem:
        return CloudEntry(name, secure_path, secure_problem)
    clouds = content.get("clouds") if isinstance(content, Mapping) else None
    if not isinstance(clouds, Mapping):
        return CloudEntry(name, path, f"{path} has no `clouds:` mapping")
    if name not in clouds:
        return CloudEntry(name, path, f"{path} has no entry {name!r}")
    cloud = _plain(clouds[name])
    if not isinstance(cloud, Mapping):
        return CloudEntry(name, path, f"{path}: entry {name!r} is not a mapping")
    secure_clouds = secure.get("clouds") if isinstance(secure, Mapping) else None
    if isinstance(secure_clouds, Mapping) and isinstance(secure_clouds.get(name), Mapping):
        cloud = _merge(cloud, _plain(secure_clouds[name]))
    profile = _profile(cloud.get("profile", cloud.get("cloud")))
    if profile:
        cloud = _merge(_plain(profile), cloud)
    auth = cloud.get("auth") if isinstance(cloud.get("auth"), Mapping) else {}
    overrides = {
        str(key): value
        for key, value in cloud.items()
        if isinstance(key, str) and key.endswith(OVERRIDE_SUFFIXES) and key != "auth_endpoint"
    }
    return CloudEntry(
        name=name,
        file=path,
        auth_url=auth.get("auth_url"),
        regions=tuple(_plain(r) for r in _regions(cloud)),
        insecure=_insecure(cloud),
        endpoint_overrides=overrides,
        urls=tuple(_urls(cloud)),
    )
