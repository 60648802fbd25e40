"""What several rule families share: how a resource is named in a message, how an unreadable
input is reported, and how provider settings are decoded as the provider itself decodes them.

The one module of shared helpers (not a family: it registers no rule).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from hubcore.catalogue import Region
from policies.clouds_yaml import CloudEntry
from policies.model import Context, Outcome, Reading, ResourceView, failed

# Go's strconv.ParseBool, which the bridged providers apply to a string given for a boolean.
TRUE_WORDS = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE_WORDS = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def describe(resource: ResourceView) -> str:
    kind = "provider" if resource.is_provider else resource.type.rsplit(":", 1)[-1]
    return f"{kind} {resource.name!r}"


def suggestion(region: Region) -> str:
    return f"{region.code} ({region.city}, {region.country})"


def shown(resource: ResourceView, path: str, value: Any) -> str:
    """A value for a message; a secret (visible to the engine) is never printed."""
    return "[secret]" if resource.is_secret(path) else repr(value)


def cannot_judge(
    resource: ResourceView,
    prop: str,
    reading: Reading,
    needed_for: str,
    *,
    config_keys: Iterable[str] = (),
    remedy: str = "",
) -> Outcome:
    """The fail-closed verdict on an input the rule needs but cannot read."""
    why = {
        Reading.SECRET: "is a secret here, so its value cannot be read offline",
        Reading.UNKNOWN: "is unknown and comes from no resource of this stack (config or "
        "outside the program)",
        Reading.COMPUTED: "is not computed yet",
    }.get(reading, "cannot be read")
    return failed(
        f"{describe(resource)}: {prop} {why}; {needed_for} could not be judged, and a value "
        f"the pack cannot read does not pass.{' ' + remedy if remedy else ''}",
        config_keys=config_keys,
    )


def decoded(value: Any) -> Any:
    """A provider input as the provider reads it: the SDKs send non-string provider settings
    JSON-encoded (`insecure: "true"`, `endpointOverrides: "{...}"`), state keeps them so."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "[{":
            try:
                return json.loads(stripped)
            except (json.JSONDecodeError, RecursionError):
                return value
    return value


def truth(value: Any) -> bool | None:
    """A boolean setting as the provider parses it; None when it is neither (unreadable)."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, str):
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS or value == "":
            return False
        try:
            parsed = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return None
        return parsed if isinstance(parsed, bool) else None
    if isinstance(value, int | float):
        return bool(value)
    return None


def number(value: Any) -> float | None:
    """A number as the bridged provider parses an input of the schema's number types: a JSON
    number, or a string holding one ("3072"); None when it is neither (or a boolean)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        return parsed if parsed == parsed and parsed not in (float("inf"), float("-inf")) else None
    return None


def _unset(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def at_default(value: Any, default: Any, kind: str) -> bool:
    """Whether `value` is the property's default as the provider reads it: unset, empty, or
    equal to `default` after the provider's own parsing (a "false" string is false)."""
    if _unset(value):
        return True
    if default is None:
        return False
    if kind == "boolean":
        return truth(value) is default
    if kind in ("integer", "number"):
        return number(value) == number(default)
    return bool(value == default)


def url_parts(url: str) -> tuple[str, str | None, bool] | None:
    """(scheme, host, has credentials) of a URL; None when it cannot be parsed."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        credentials = parts.username is not None or parts.password is not None
    except ValueError:
        return None
    return parts.scheme.lower(), host, credentials


def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, string) for every string inside an input tree: values and mapping keys alike."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield f"{child}<key>", key
            yield from strings(item, child)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")


def site_region(context: Context) -> Region | None:
    """The site's own region as its config names it (for site-level comparisons)."""
    name = context.site.region_name
    return context.catalogue.lookup(name) if name else None


# --- provider settings: inline, from the environment, or from the clouds.yaml entry ----------
#
# terraform-provider-openstack reads each setting from the provider's own input, else from its
# OS_* variable (provider.go DefaultFunc), else, for a `cloud`, from the clouds.yaml entry
# (utils auth/config.go): in that order. The environment is the one the check (or, under the
# engine, the analyzer, which the engine starts with its own) runs in.

ENV_REGION, ENV_AUTH_URL, ENV_CLOUD, ENV_INSECURE = (
    "OS_REGION_NAME",
    "OS_AUTH_URL",
    "OS_CLOUD",
    "OS_INSECURE",
)


def environment(context: Context, name: str) -> str | None:
    """An environment variable as the site facts read it (None: unset, or no facts)."""
    sources = context.site.sources
    value = sources.environment.get(name) if sources is not None else None
    return value or None


def cloud_name(provider: ResourceView, context: Context) -> str | None:
    """The clouds.yaml entry the provider reads, when it names one (readable), or OS_CLOUD."""
    name = provider.get("cloud")
    if name in (None, ""):
        return environment(context, ENV_CLOUD) if provider.package == "openstack" else None
    if context.reading(provider, "cloud", name) is not Reading.VALUE:
        return None
    return str(name)


def _entry_region(provider: ResourceView, context: Context) -> str | None:
    inline = provider.get("region")
    if isinstance(inline, str) and inline:
        return inline
    return environment(context, ENV_REGION)


def provider_cloud_entry(provider: ResourceView, context: Context) -> CloudEntry | None:
    """The clouds.yaml entry the provider reads, merged for its region; None: it names none."""
    name = cloud_name(provider, context)
    return None if name is None else context.cloud_entry(name, _entry_region(provider, context))


def provider_regions(provider: ResourceView, context: Context) -> list[tuple[Any, str]]:
    """(region value, where it is set) the provider uses: its input, else OS_REGION_NAME, else
    its clouds.yaml entry's region_name, as the provider applies them."""
    inline = provider.get("region")
    if inline not in (None, ""):
        return [(inline, "inline")]
    env = environment(context, ENV_REGION)
    if env is not None and provider.package == "openstack":
        return [(env, ENV_REGION)]
    entry = provider_cloud_entry(provider, context)
    if entry is None or not entry.usable:
        return []
    return [(region, entry.where) for region in entry.regions]


def provider_auth_url(provider: ResourceView, context: Context) -> tuple[Any, str]:
    """(identity endpoint, where it is set): its input, else OS_AUTH_URL, else the entry's."""
    inline = provider.get("authUrl")
    if inline not in (None, ""):
        return inline, "inline"
    env = environment(context, ENV_AUTH_URL)
    if env is not None:
        return env, ENV_AUTH_URL
    entry = provider_cloud_entry(provider, context)
    if entry is not None and entry.usable and entry.auth_url not in (None, ""):
        return entry.auth_url, entry.where
    return None, ""
