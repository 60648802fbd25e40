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


# --- provider settings: inline, or from the clouds.yaml entry openstack:cloud names -----------


def cloud_name(provider: ResourceView, context: Context) -> str | None:
    """The clouds.yaml entry the provider reads, when it names one (readable)."""
    name = provider.get("cloud")
    if context.reading(provider, "cloud", name) is not Reading.VALUE or not name:
        return None
    return str(name)


def provider_regions(provider: ResourceView, context: Context) -> list[tuple[Any, str]]:
    """(region value, where it is set) the provider uses: inline wins over clouds.yaml, as
    the provider applies its own settings over the entry's."""
    inline = provider.get("region")
    if inline not in (None, ""):
        return [(inline, "inline")]
    name = cloud_name(provider, context)
    if name is None:
        return []
    entry = context.cloud_entry(name)
    return [(region, entry.where) for region in entry.regions] if entry.usable else []


def provider_auth_url(provider: ResourceView, context: Context) -> tuple[Any, str]:
    """(identity endpoint, where it is set): inline, else the clouds.yaml entry's."""
    inline = provider.get("authUrl")
    if inline not in (None, ""):
        return inline, "inline"
    name = cloud_name(provider, context)
    if name is not None:
        entry = context.cloud_entry(name)
        if entry.usable and entry.auth_url not in (None, ""):
            return entry.auth_url, entry.where
    return None, ""
