"""clouds.yaml entries as the OpenStack provider reads them: through gophercloud, not openstacksdk.

The provider (terraform-provider-openstack v3.4.0, bridged) hands a `cloud` setting to
terraform-provider-openstack/utils auth.Config.LoadAndValidate, which calls gophercloud/utils
clientconfig.GetCloudFromYAML. That reader differs from openstacksdk's in ways that matter:

- clouds.yaml: $OS_CLIENT_CONFIG_FILE when that file exists, else `clouds.yaml` then
  `clouds.yml` in the working directory, ~/.config/openstack/ and /etc/openstack/, the home
  directory being the user's from the password database (Go's os/user), not $HOME.
- secure.yaml and clouds-public.yaml are searched in the same three directories only; there is
  no OS_CLIENT_SECURE_FILE and no built-in vendor profile (openstacksdk ships `ovh`...): a
  `profile` (or `cloud`) key must name an entry of clouds-public.yaml's `public-clouds`.
- Merges: the entry over its public profile; then secure.yaml's entry over the result; lists
  are appended, empty values never override. `verify` defaults to true. Then, when the
  provider's region (its `region`, else OS_REGION_NAME) names an item of `regions`, that item's
  `values` are merged over the entry.
- Only the fields gophercloud's Cloud type has are read (auth, region_name, regions, verify,
  cacert, cert, key, interface, endpoint_type, identity_api_version...); openstacksdk's
  `*_endpoint_override` keys are ignored by the provider, so nothing is judged of them.
- YAML 1.2 (go-yaml v3), with YAML 1.1's yes/no/on/off accepted where a boolean is expected.

The provider then uses its own settings first: `region` (or OS_REGION_NAME) over the entry's
region_name, `auth_url` (or OS_AUTH_URL) over the entry's auth.auth_url, `insecure` (or
OS_INSECURE) over `verify`. Every file goes through the pack's bounded YAML reader. Nothing here
decides anything: rules do, and an entry that cannot be found or read is returned as such, so
the rules fail closed on it.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubcore.paths import REPO_ROOT
from hubcore.strict_yaml import read_yaml
from hubcore.values import ConfigError

CONFIG_ENV = "OS_CLIENT_CONFIG_FILE"
# go-yaml v3 decoding into a bool field (decode.go): YAML 1.1's words too.
TRUE_WORDS = frozenset({"true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})
FALSE_WORDS = frozenset(
    {"false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"}
)
# gophercloud's Cloud and AuthInfo fields (clientconfig/results.go): the keys it reads.
CLOUD_FIELDS = frozenset(
    {"cloud", "profile", "auth", "auth_type", "region_name", "regions", "endpoint_type",
     "interface", "identity_api_version", "volume_api_version", "verify", "cacert", "cert",
     "key"}
)  # fmt: skip


@dataclass(frozen=True)
class CloudEntry:
    """One clouds.yaml entry as the provider would configure itself from it."""

    name: str
    file: str | None = None
    # Why the entry could not be used (not found, unreadable file): rules fail closed on it.
    problem: str | None = None
    auth_url: Any = None
    regions: tuple[Any, ...] = ()
    # True when the entry turns certificate verification off (`verify: false` in any spelling).
    insecure: Any = None
    # Every file the entry was assembled from (clouds, public profile, secure).
    files: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.problem is None

    @property
    def where(self) -> str:
        return f"clouds.yaml entry {self.name!r}" + (f" ({self.file})" if self.file else "")

    @property
    def urls(self) -> tuple[tuple[str, str], ...]:
        """The URLs the provider takes from the entry (its identity endpoint)."""
        return (("auth.auth_url", self.auth_url),) if isinstance(self.auth_url, str) else ()


def home() -> Path:
    """The home directory as Go's os/user reads it: the password database, else $HOME."""
    try:
        return Path(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        return Path(os.environ.get("HOME", "/"))


def search(name: str, directory: Path = REPO_ROOT) -> list[Path]:
    """gophercloud's FindAndReadYAML candidates for `name` (clouds.yaml, secure.yaml...)."""
    stem, _, _ = name.rpartition(".")
    places = (directory, home() / ".config" / "openstack", Path("/etc/openstack"))
    return [place / f"{stem}.{ext}" for ext in ("yaml", "yml") for place in places]


def candidates(kind: str, directory: Path = REPO_ROOT) -> list[Path]:
    """Where the provider looks for `clouds`, `secure` or `clouds-public`, first wins.

    gophercloud tries every `.yaml` place before any `.yml` one."""
    found: list[Path] = []
    if kind == "clouds" and os.environ.get(CONFIG_ENV):
        configured = Path(os.environ[CONFIG_ENV])
        if configured.exists():  # os.Stat: a directory counts, and then fails to read
            return [configured]
    found += search(f"{kind}.yaml", directory)
    return found


def _first(kind: str, directory: Path) -> Path | None:
    return next((p for p in candidates(kind, directory) if p.exists()), None)


def _read(path: Path, what: str, key: str) -> Mapping[str, Any]:
    """The `key` mapping of a clouds-family file, read by the bounded reader."""
    if path.is_dir():
        raise ConfigError(f"{path} is a directory, not a {what}")
    document = read_yaml(path, what, raw=True)
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigError(f"{path}: the {what} is not a mapping")
    section = document.get(key, {})
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"{path}: `{key}` is not a mapping of clouds")
    return section


def _empty(value: Any) -> bool:
    return value in (None, "", [], {}, 0, False)


def merge(over: Any, under: Any) -> Any:
    """gophercloud's mergeInterfaces: maps merged key by key, lists appended, and an empty
    value never overriding."""
    if isinstance(over, Mapping):
        if not isinstance(under, Mapping):
            return dict(over)
        merged = dict(over)
        for key, value in under.items():
            merged[key] = merge(over[key], value) if key in over else value
        return merged
    if isinstance(over, list):
        return [*over, *under] if isinstance(under, list) else list(over)
    if over is None and isinstance(under, Mapping):
        return dict(under)
    return under if _empty(over) else over


def _known(entry: Any) -> dict[str, Any]:
    """The fields gophercloud reads; a field of the wrong shape makes go-yaml refuse the file."""
    if not isinstance(entry, Mapping):
        raise ConfigError("the entry is not a mapping")
    known = {k: v for k, v in entry.items() if k in CLOUD_FIELDS}
    if "auth" in known and not isinstance(known["auth"], Mapping | None):
        raise ConfigError("`auth` is not a mapping")
    if "regions" in known and not isinstance(known["regions"], list | None):
        raise ConfigError("`regions` is not a list")
    return known


def boolean(value: Any) -> bool | None:
    """A clouds.yaml boolean as go-yaml v3 decodes it into a bool field; None: refused."""
    if isinstance(value, bool):
        return value
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    return None


def _region_values(entry: Mapping[str, Any], region: str | None) -> Mapping[str, Any]:
    if not region:
        return {}
    for item in entry.get("regions") or []:
        if isinstance(item, Mapping) and item.get("name") == region:
            values = item.get("values") or {}
            return _known(values) if isinstance(values, Mapping) else {}
    return {}


def cloud_key(name: str, region: str | None) -> str:
    """How the site facts index the entries they read (an entry differs per region)."""
    return f"{name}@{region or ''}"


def cloud_entry(name: str, region: str | None = None, directory: Path = REPO_ROOT) -> CloudEntry:
    """The clouds.yaml entry `name`, as the provider configured for `region` reads it."""
    path = _first("clouds", directory)
    if path is None:
        return CloudEntry(name, None, "no clouds.yaml on the provider's search path")
    files = [str(path)]
    try:
        clouds = _read(path, "clouds.yaml", "clouds")
        if name not in clouds:
            return CloudEntry(name, str(path), f"{path} has no entry {name!r}")
        entry = _known(clouds[name])
        profile = entry.get("profile") or entry.get("cloud")
        if profile:
            public_path = _first("clouds-public", directory)
            public = (
                _read(public_path, "clouds-public.yaml", "public-clouds") if public_path else {}
            )
            if profile not in public:
                return CloudEntry(
                    name,
                    str(path),
                    f"its profile {profile!r} is in no clouds-public.yaml on the provider's search "
                    "path (gophercloud has no built-in vendor profiles)",
                )
            files.append(str(public_path))
            entry = merge(entry, _known(public[profile]))
        secure_path = _first("secure", directory)
        if secure_path is not None:
            secure = _read(secure_path, "secure.yaml", "clouds")
            if name in secure:
                files.append(str(secure_path))
                entry = merge(_known(secure[name]), entry)
        entry = merge(_region_values(entry, region), entry)
    except ConfigError as error:
        return CloudEntry(name, str(path), f"cannot be read: {error}")
    verify = entry.get("verify")
    insecure: Any = None
    if verify is not None:
        parsed = boolean(verify)
        if parsed is None:
            return CloudEntry(name, str(path), f"`verify: {verify}` is not a boolean go-yaml reads")
        insecure = not parsed
    auth = entry.get("auth") if isinstance(entry.get("auth"), Mapping) else {}
    region_name = entry.get("region_name")
    return CloudEntry(
        name=name,
        file=str(path),
        auth_url=auth.get("auth_url") or None,
        regions=(region_name,) if region_name not in (None, "") else (),
        insecure=insecure,
        files=tuple(files),
    )
