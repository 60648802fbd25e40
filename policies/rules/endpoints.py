"""Endpoints family: the URLs a provider talks to, and how it talks to them.

A provider's identity endpoint and its endpoint overrides, inline or from the clouds.yaml entry
`openstack:cloud` names, are judged by host: each must be served by an operator of the catalogue
headquartered in the EU, the one that runs the provider's region, or be a loopback address; and
loopback belongs to the local sites on the local cloud's regions only. Transport must not be
weakened: no plain http (except to loopback on the local cloud), no certificate check turned
off, no credentials inside a URL. A clouds.yaml entry that cannot be found or read fails
closed: the provider would be configured from settings no review saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hubcore.catalogue import is_loopback_url
from policies.model import (
    Context,
    Outcome,
    Reading,
    ResourceView,
    failed,
    not_applicable,
    passed,
)
from policies.registry import Severity, rule
from policies.rules.common import (
    ENV_CLOUD,
    ENV_INSECURE,
    cannot_judge,
    decoded,
    describe,
    environment,
    provider_auth_url,
    provider_cloud_entry,
    provider_regions,
    strings,
    suggestion,
    truth,
    url_parts,
)

PROVIDER = ("pulumi:providers:openstack",)
OVERRIDES_KEY = "openstack:endpointOverrides"


@dataclass(frozen=True)
class Endpoint:
    what: str
    url: str
    where: str  # "inline" or the clouds.yaml entry
    config_key: str | None
    # A secret the engine decrypted: judged, never printed.
    secret: bool = False

    @property
    def shown(self) -> str:
        return "[secret]" if self.secret else self.url

    @property
    def host(self) -> str:
        if self.secret:
            return "[secret]"
        parts = url_parts(self.url)
        return (parts[1] if parts else None) or repr(self.url)

    def subject(self, resource: ResourceView) -> str:
        via = "" if self.where == "inline" else f" (from {self.where})"
        return f"{describe(resource)}: {self.what}{via}"


def endpoints(resource: ResourceView, context: Context) -> tuple[list[Endpoint], list[Outcome]]:
    """Every endpoint the provider uses, and the fail-closed verdicts on those it cannot read.

    A secret identity endpoint is left to region-identity-endpoint-eu, which judges it through
    the site's companion fact.
    """
    found: list[Endpoint] = []
    problems: list[Outcome] = []
    auth = resource.get("authUrl")
    if auth not in (None, ""):
        reading = context.reading(resource, "authUrl", auth)
        if reading is Reading.VALUE and isinstance(auth, str):
            secret = resource.is_secret("authUrl")
            found.append(Endpoint("identity endpoint", auth, "inline", "openstack:authUrl", secret))
    raw = resource.get("endpointOverrides")
    if raw not in (None, "", {}):
        reading = context.reading(resource, "endpointOverrides", raw)
        overrides = decoded(raw)
        if reading is Reading.COMPUTED:
            pass
        elif not reading.readable or not isinstance(overrides, Mapping):
            problems.append(
                cannot_judge(
                    resource,
                    "endpointOverrides",
                    reading if not reading.readable else Reading.UNKNOWN,
                    "where the provider sends its requests",
                    config_keys=(OVERRIDES_KEY,),
                )
            )
        else:
            for service, url in sorted(overrides.items(), key=lambda item: str(item[0])):
                if not isinstance(url, str) or not url:
                    problems.append(
                        failed(
                            f"{describe(resource)}: endpoint override for {service!r} is "
                            f"{url!r}, not a URL the pack can judge.",
                            config_keys=(OVERRIDES_KEY,),
                        )
                    )
                    continue
                secret = resource.is_secret("endpointOverrides")
                found.append(Endpoint(f"{service} endpoint", url, "inline", OVERRIDES_KEY, secret))
    if auth in (None, ""):
        url, where = provider_auth_url(resource, context)
        if isinstance(url, str) and url:
            found.append(Endpoint("identity endpoint", url, where, None))
    return found, problems


def _region(resource: ResourceView, context: Context) -> Any:
    regions = provider_regions(resource, context)
    return context.lookup_region(regions[0][0]) if regions else None


# The sites of the local cloud on the operator's machine: `local` and its DR site `local-dr`
# (and any `local-<name>`), by the repository's naming. Only they may use loopback.
LOCAL_SITE = "local"


def local_site(context: Context) -> bool:
    """A site that may use the local cloud: a local site, not production, no health data."""
    site = context.site
    name = site.site or ""
    is_local = name == LOCAL_SITE or name.startswith(LOCAL_SITE + "-")
    return is_local and not site.production and site.holds_health_data is False


@rule(
    "endpoints-catalogue-provider",
    description="Identity endpoints and overrides belong to the EU operator of the region.",
    remediation="Use the endpoints the catalogue lists for the region (hubcore/catalogue.yaml).",
    severity=Severity.HIGH,
    requirements=("SNC-19.6", "CATALOGUE"),
    enforces=(
        "identity and endpoint overrides (inline, JSON-encoded or from clouds.yaml) belong to the "
        "EU operator of the provider's region; unreadable overrides fail"
    ),
    applies_to=PROVIDER,
)
def endpoints_catalogue_provider(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: every endpoint host (inline or from clouds.yaml) is served by a catalogue operator
    headquartered in the EU, the one that runs the provider's region (loopback endpoints are
    judged by endpoints-loopback-local-only).
    Fails: any other host, an operator outside the EU or other than the region's, an override
    map the pack cannot read, an override that is not a URL.
    Not applicable: no endpoint at all (region-identity-endpoint-eu reports that)."""
    catalogue = context.catalogue
    region = _region(resource, context)
    found, problems = endpoints(resource, context)
    findings: list[Outcome] = list(problems)
    for endpoint in found:
        if is_loopback_url(endpoint.url):
            continue
        key = catalogue.provider_of_endpoint(endpoint.url)
        host = endpoint.host
        value = None if endpoint.secret else endpoint.url
        nearest = (
            region
            if region is not None and region.eu and not region.loopback
            else catalogue.nearest_eu_region(None)
        )
        expected = nearest.identity_endpoint or "the endpoint the provider gives for the region"
        if key is None:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {host} belongs to no provider "
                    "of the region catalogue, so nothing says which jurisdiction runs it. Use "
                    f"{expected} ({suggestion(nearest)}) or add the provider to "
                    "hubcore/catalogue.yaml.",
                    value=value,
                    config_keys=(endpoint.config_key,) if endpoint.config_key else (),
                )
            )
            continue
        operator = catalogue.providers[key]
        if not operator.eu:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {host} is run by {operator.name} "
                    f"(headquarters {operator.headquarters}, outside the EU): requests and "
                    f"credentials would leave EU law. Use {expected} ({suggestion(nearest)}).",
                    value=value,
                    config_keys=(endpoint.config_key,) if endpoint.config_key else (),
                )
            )
        elif region is not None and region.provider != key and not region.loopback:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {host} is run by {operator.name}, but region "
                    f"{region.code} is {catalogue.providers[region.provider].name}'s: the "
                    "provider would send the region's requests to another operator.",
                    value=value,
                    config_keys=(endpoint.config_key,) if endpoint.config_key else (),
                )
            )
    if findings:
        return findings
    return [passed()] if found else [not_applicable("no readable endpoint")]


@rule(
    "endpoints-loopback-local-only",
    description="Loopback endpoints are used by the local sites' regions only, and they only.",
    remediation="Use loopback URLs only with the local site's LOCAL regions.",
    severity=Severity.HIGH,
    requirements=("CATALOGUE",),
    enforces=(
        "loopback endpoints only with the local cloud's regions, those regions only with loopback "
        "endpoints, and only on local sites (not production, no health data)"
    ),
    applies_to=PROVIDER,
)
def endpoints_loopback_local_only(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: loopback endpoints on a loopback region of a local site (not production, no
    health data), public endpoints elsewhere.
    Fails: a loopback endpoint on a real region (traffic would go to whatever listens locally),
    a public endpoint on a loopback region (local data would leave the machine), or a loopback
    region on a production, health-data or unknown site.
    Not applicable: unknown region (region-eu-only reports it) or no readable endpoint."""
    region = _region(resource, context)
    if region is None:
        return [not_applicable("unknown region")]
    findings: list[Outcome] = []
    if region.loopback and not local_site(context):
        findings.append(
            failed(
                f"{describe(resource)} runs on {region.code}, the local cloud on the operator's "
                f"machine, but site {context.site.site!r} is not one of the local sites (or is "
                "production, or holds health data): only they may use the local cloud.",
                value=region.code,
                config_keys=("openstack:region",),
            )
        )
    found, _ = endpoints(resource, context)
    for endpoint in found:
        loopback = is_loopback_url(endpoint.url)
        key = (endpoint.config_key,) if endpoint.config_key else ()
        if loopback and not region.loopback:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {endpoint.shown} is a loopback address but "
                    f"region {region.code} is a real cloud region; only the local site's regions "
                    f"use loopback. Use {region.identity_endpoint or 'the region endpoint'}.",
                    value=None if endpoint.secret else endpoint.url,
                    config_keys=key,
                )
            )
        elif region.loopback and not loopback:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {endpoint.shown} is not a loopback address but "
                    f"region {region.code} is the local cloud, reached on loopback only "
                    f"({region.identity_endpoint}).",
                    value=None if endpoint.secret else endpoint.url,
                    config_keys=key,
                )
            )
    if findings:
        return findings
    return [passed()] if found else [not_applicable("no readable endpoint")]


def _provider_urls(resource: ResourceView, context: Context) -> list[tuple[str, str, str, bool]]:
    """(what, url, where, secret) for every URL a provider is configured with: inline strings
    anywhere in its inputs (JSON-encoded settings decoded; secrets the engine decrypted
    included, never printed) and its clouds.yaml entry's."""
    urls: list[tuple[str, str, str, bool]] = []
    for path, text in strings({k: decoded(v) for k, v in resource.inputs.items()}):
        if "://" in text and not path.endswith("<key>"):
            urls.append((path, text, "inline", resource.is_secret(path)))
    if resource.get("authUrl") in (None, "") and resource.type in PROVIDER:
        url, where = provider_auth_url(resource, context)
        if isinstance(url, str) and url and where != "inline":
            urls.append(("identity endpoint", url, where, False))
    return urls


@rule(
    "endpoints-transport-security",
    description="Providers use TLS with verified certificates and no credentials in URLs.",
    remediation="Use https:// endpoints, keep insecure unset, pass credentials as OS_* variables.",
    severity=Severity.CRITICAL,
    requirements=("ANSSI-TLS", "SNC-10", "HDS-ISO27001-A8"),
    enforces=(
        "https only (http to loopback on the local cloud only), no `insecure` / `verify: false` in "
        "any spelling, no credentials inside URLs"
    ),
    applies_to=("pulumi:providers:*",),
)
def endpoints_transport_security(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: every endpoint is https:// (or http:// to loopback on a loopback region of a local
    site), certificate verification is on, no URL carries a user name or password.
    Fails: an http:// endpoint elsewhere; `insecure` true in any spelling the provider accepts
    (inline, or `verify: false` / `insecure` in the clouds.yaml entry), or unreadable; a URL
    with credentials inside; a URL that cannot be parsed."""
    findings: list[Outcome] = []
    region = _region(resource, context) if resource.type in PROVIDER else None
    local = region is not None and region.loopback and local_site(context)
    for what, url, where, secret in _provider_urls(resource, context):
        via = "" if where == "inline" else f" (from {where})"
        parts = url_parts(url)
        shown_url = "[secret]" if secret else url
        if parts is None:
            findings.append(
                failed(
                    f"{describe(resource)}: {what}{via} {shown_url!r} cannot be parsed as a URL."
                )
            )
            continue
        scheme, _, credentials = parts
        if credentials:
            findings.append(
                failed(
                    f"{describe(resource)}: {what}{via} carries credentials inside the URL: they "
                    "end up in the state, in logs and in every error message. Give them as OS_* "
                    "variables or a clouds.yaml entry outside the repository.",
                    value=None if secret else url,
                    config_keys=("openstack:authUrl", OVERRIDES_KEY),
                )
            )
        if scheme == "http" and not (local and is_loopback_url(url)):
            findings.append(
                failed(
                    f"{describe(resource)}: {what}{via} {shown_url} is plain http: tokens and data "
                    "cross the network unencrypted. Use https:// (plain http is for the local "
                    "cloud on loopback only).",
                    value=None if secret else url,
                    config_keys=("openstack:authUrl", OVERRIDES_KEY),
                )
            )
    raw = resource.get("insecure")
    if raw not in (None, ""):
        reading = context.reading(resource, "insecure", raw)
        value = truth(decoded(raw)) if reading is Reading.VALUE else None
        if reading is Reading.COMPUTED:
            pass
        elif value is None:
            findings.append(
                cannot_judge(
                    resource,
                    "insecure",
                    reading if not reading.readable else Reading.UNKNOWN,
                    "whether certificates are verified",
                    config_keys=("openstack:insecure",),
                )
            )
        elif value:
            findings.append(
                failed(
                    f"{describe(resource)} sets insecure {raw!r}: certificate verification is "
                    "off, so anyone on the path can impersonate the cloud and read its tokens. "
                    "Remove openstack:insecure (give a CA with cacertFile instead).",
                    value=str(raw),
                    config_keys=("openstack:insecure",),
                )
            )
    if raw in (None, "") and resource.type in PROVIDER:
        env = environment(context, ENV_INSECURE)
        parsed = truth(env) if env is not None else False
        if parsed is None or parsed:
            findings.append(
                failed(
                    f"{describe(resource)} sets no `insecure`, so the provider reads "
                    f"{ENV_INSECURE}={env!r}: "
                    + (
                        "certificate verification is off."
                        if parsed
                        else "not a boolean the provider parses; it would refuse to start."
                    ),
                )
            )
        entry = provider_cloud_entry(resource, context)
        if entry is not None and entry.usable and entry.insecure and env is None:
            findings.append(
                failed(
                    f"{describe(resource)}: {entry.where} turns certificate verification off "
                    "(verify: false in any spelling): anyone on the path can impersonate the "
                    "cloud.",
                    config_keys=("openstack:cloud",),
                )
            )
    return findings or [passed()]


@rule(
    "endpoints-cloud-entry",
    description="A provider's clouds.yaml entry exists and can be read, so it can be judged.",
    remediation="Create the clouds.yaml entry openstack:cloud names, or set the keys inline.",
    severity=Severity.HIGH,
    requirements=("CATALOGUE", "SNC-19.6"),
    enforces=(
        "the clouds.yaml entry `openstack:cloud` (or `OS_CLOUD`) names exists where the provider's "
        "gophercloud looks for it and can be read as it reads it (profile, secure.yaml, per-region "
        "values, `verify`)"
    ),
    applies_to=PROVIDER,
)
def endpoints_cloud_entry(resource: ResourceView, context: Context) -> Outcome:
    """Passes: `cloud` (or OS_CLOUD, when the provider sets none) names an entry the provider
    finds and reads as gophercloud does (OS_CLIENT_CONFIG_FILE, then clouds.yaml in the
    project directory, ~/.config/openstack and /etc/openstack; its public profile and
    secure.yaml merged; per-region values); its settings are judged by the region, identity
    and transport rules as the provider applies them.
    Fails: an entry that cannot be found, a file that cannot be read or that the provider
    would refuse (a `verify` that is not a boolean, a profile no clouds-public.yaml has), a
    `cloud` value that cannot be read (secret offline, unknown).
    Not applicable: no `cloud` setting and no OS_CLOUD."""
    raw = resource.get("cloud")
    if raw not in (None, ""):
        reading = context.reading(resource, "cloud", raw)
        if reading is Reading.COMPUTED:
            return not_applicable("cloud computed by resources of the stack")
        if not reading.readable or not isinstance(raw, str):
            return cannot_judge(
                resource,
                "cloud",
                reading if not reading.readable else Reading.UNKNOWN,
                "the settings of the clouds.yaml entry it names",
                config_keys=("openstack:cloud",),
            )
    entry = provider_cloud_entry(resource, context)
    if entry is None:
        return not_applicable("no clouds.yaml entry named")
    if entry.usable:
        return passed()
    via = "" if raw not in (None, "") else f" (through {ENV_CLOUD})"
    return failed(
        f"{describe(resource)} names clouds.yaml entry {entry.name!r}{via}, which cannot be "
        f"judged: {entry.problem}. Its region, endpoint and TLS settings would configure the "
        "provider unreviewed; create the entry where the provider reads it, or set the keys "
        "inline.",
        value=entry.name,
        config_keys=("openstack:cloud",),
    )
