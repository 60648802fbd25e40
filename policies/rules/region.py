"""Region family: where resources run and which identity service they authenticate against.

Every rule fails closed: a region the catalogue does not know is a violation (it cannot be shown
to be in the EU), and so is one the pack cannot read (a secret offline, an unknown from config).
A region is judged exactly as the provider will send it: ` gra11` is not GRA11 (OpenStack region
names are case-sensitive), so a spelling the catalogue does not list is refused, with the code
to write instead. Every message names the nearest region the hub may use.

Other clouds are judged too (`region-foreign-cloud`): a provider of aws, azure-native, gcp...
must reach an operator headquartered in the EU, in a region of that operator the catalogue
lists. An EU region of a US-headquartered cloud (AWS eu-west-3, Azure francecentral, Google
europe-west9) fails: sovereignty is the operator's law, not the data centre's address.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hubcore.catalogue import Provider, Region
from hubcore.resource_types import PROVIDER_PREFIX, package_of
from policies.known_types import ForeignCloud, foreign_cloud
from policies.model import (
    Context,
    Outcome,
    Reading,
    ResourceView,
    Status,
    failed,
    not_applicable,
    passed,
)
from policies.registry import Severity, rule
from policies.rules.common import (
    cannot_judge,
    cloud_name,
    decoded,
    describe,
    provider_auth_url,
    provider_regions,
    suggestion,
    url_parts,
)

REGION_KEYS = ("openstack:region", "hub:replicaRegion")
IDENTITY_DOMAIN_KEY = "hub:identityDomain"


def judge_region(context: Context, name: Any, subject: str) -> Outcome:
    """PASS for an EU catalogue region spelled as the catalogue lists it; FAIL otherwise."""
    catalogue = context.catalogue
    text = name if isinstance(name, str) else repr(name)
    region = catalogue.exact(name)
    if region is None:
        meant = catalogue.lookup(text)
        nearest = catalogue.nearest_eu_region(text)
        if meant is not None:
            return failed(
                f"{subject} uses region {text!r}, which is not spelled as the catalogue lists "
                f"it: the provider sends it as written and OpenStack region names are exact. "
                f"Write {meant.code!r} ({meant.city}, {meant.country}).",
                value=text,
                config_keys=REGION_KEYS,
            )
        return failed(
            f"{subject} uses region {text!r}, which the region catalogue (hubcore/catalogue.yaml) "
            f"does not know, so it cannot be shown to be in the EU. Use {suggestion(nearest)}, "
            "the nearest allowed region, or add the region to the catalogue with its country.",
            value=text,
            config_keys=REGION_KEYS,
        )
    if not region.eu:
        nearest = catalogue.nearest_eu_region(text)
        return failed(
            f"{subject} uses region {text!r} ({region.city}, {region.country}), outside the "
            f"European Union. Move it to {suggestion(nearest)}, the nearest allowed region.",
            value=text,
            config_keys=REGION_KEYS,
        )
    return passed()


@rule(
    "region-eu-only",
    description="OpenStack providers and resources with a region run in an EU catalogue region.",
    remediation="Set openstack:region (or the resource's region) to an EU region of the catalogue.",
    severity=Severity.CRITICAL,
    requirements=("SNC-19.1", "HDS-2.0", "CATALOGUE"),
    enforces=(
        "providers and resources with a region run in an EU catalogue region, spelled as the "
        "catalogue lists it (inline or from clouds.yaml); unknown, padded or unreadable regions "
        "fail closed, the message names the nearest allowed region"
    ),
    applies_to=("pulumi:providers:openstack", "openstack:*"),
)
def region_eu_only(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: an EU region of the catalogue, spelled as the catalogue lists it (code, alias or
    zone), inline or in the clouds.yaml entry the provider names.
    Fails: a non-EU region, an unknown, mis-spelled or padded one, one that cannot be read (a
    secret offline, an unknown from config), or a provider with no region at all.
    Not applicable: a resource that inherits its provider's region (the provider is judged), or
    a region computed by resources of the stack (judged when known)."""
    if not resource.is_provider:
        own = resource.get("region")
        if own in (None, ""):
            return [not_applicable("inherits its provider's region")]
        reading = context.reading(resource, "region", own)
        if reading is Reading.COMPUTED:
            return [not_applicable("region computed by resources of the stack")]
        if not reading.readable:
            return [cannot_judge(resource, "region", reading, "where it runs")]
        return [judge_region(context, own, describe(resource))]
    inline = resource.get("region")
    if inline not in (None, ""):
        reading = context.reading(resource, "region", inline)
        if reading is Reading.COMPUTED:
            return [not_applicable("region computed by resources of the stack")]
        if not reading.readable:
            return [
                cannot_judge(
                    resource,
                    "region",
                    reading,
                    "where the provider runs",
                    config_keys=("openstack:region",),
                    remedy="Set openstack:region in plain text: a region is not a secret.",
                )
            ]
    regions = provider_regions(resource, context)
    if not regions:
        nearest = context.catalogue.nearest_eu_region(None)
        entry = cloud_name(resource, context)
        where = (
            f" and its clouds.yaml entry {entry!r} gives none it can read"
            if entry is not None
            else ""
        )
        return [
            failed(
                f"{describe(resource)} sets no region{where}, so the region would come from the "
                "environment (OS_REGION_NAME) where no review sees it. Set openstack:region, e.g. "
                f"to {suggestion(nearest)}.",
                config_keys=("openstack:region",),
            )
        ]
    outcomes = []
    for value, where in regions:
        subject = describe(resource) + ("" if where == "inline" else f" (through {where})")
        outcomes.append(judge_region(context, value, subject))
    return outcomes


def _identity_domain(context: Context) -> str | None:
    if context.site.is_secret(IDENTITY_DOMAIN_KEY):
        return None
    return context.site.text(IDENTITY_DOMAIN_KEY)


def _in_domain(host: str, domain: str) -> bool:
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def _judge_identity_host(
    resource: ResourceView, context: Context, host: str, shown: str, url: str | None
) -> Outcome:
    catalogue = context.catalogue
    key = catalogue.provider_of_host(host)
    if key is None:
        return not_applicable("endpoint of no catalogue provider")
    provider = catalogue.providers[key]
    if provider.eu:
        return passed()
    region_name = resource.get("region")
    nearest = catalogue.nearest_eu_region(region_name if isinstance(region_name, str) else None)
    return failed(
        f"{describe(resource)} authenticates against {shown}, the identity service of "
        f"{provider.name} (headquarters {provider.headquarters}, outside the EU), whatever its "
        f"region says. Use {nearest.identity_endpoint or 'the EU endpoint'} of "
        f"{suggestion(nearest)}, the nearest allowed region.",
        value=url,
        config_keys=("openstack:authUrl", IDENTITY_DOMAIN_KEY),
    )


@rule(
    "region-identity-endpoint-eu",
    description="OpenStack providers authenticate against an identity service under EU law.",
    remediation="Point openstack:authUrl at the EU identity endpoint of the catalogue region.",
    severity=Severity.CRITICAL,
    requirements=("SNC-19.6", "SNC-19.1", "CATALOGUE"),
    enforces=(
        "the identity endpoint belongs to an EU-headquartered provider, whatever the region says; "
        "a secret one through `hub:identityDomain` (and, under the engine, agreeing with it); none "
        "at all fails"
    ),
    applies_to=("pulumi:providers:openstack",),
)
def region_identity_endpoint_eu(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the identity endpoint (inline or from clouds.yaml) belongs to a catalogue provider
    headquartered in the EU. A secret endpoint is judged offline through the site's plain
    companion fact hub:identityDomain; under the engine, where the secret is visible, the
    endpoint must also lie inside that domain.
    Fails: a provider outside the EU (OVHcloud US) whatever the region says; a secret endpoint
    with no companion domain, or one outside it; no endpoint at all (OS_AUTH_URL would decide);
    an endpoint that cannot be read.
    Not applicable: a host no catalogue provider serves (endpoints-catalogue-provider reports
    it), an endpoint computed by resources of the stack."""
    url, where = provider_auth_url(resource, context)
    domain = _identity_domain(context)
    if url is None:
        return failed(
            f"{describe(resource)} sets no identity endpoint (openstack:authUrl, or a clouds.yaml "
            "entry with auth_url), so it would come from OS_AUTH_URL, where no review sees it. "
            "Set openstack:authUrl.",
            config_keys=("openstack:authUrl",),
        )
    reading = context.reading(resource, "authUrl", url) if where == "inline" else Reading.VALUE
    if reading is Reading.COMPUTED:
        return not_applicable("identity endpoint computed by resources of the stack")
    if reading is Reading.SECRET:
        if domain is None:
            return cannot_judge(
                resource,
                "authUrl",
                reading,
                "which jurisdiction runs its identity service",
                config_keys=("openstack:authUrl",),
                remedy=(
                    f"Declare the endpoint's domain in plain text as {IDENTITY_DOMAIN_KEY} (in "
                    "stacks/sites.yaml): the pack judges it offline and checks the secret "
                    "agrees with it under the engine."
                ),
            )
        judged = _judge_identity_host(resource, context, domain, f"domain {domain}", domain)
        operator = context.catalogue.provider_of_host(domain)
        regions = provider_regions(resource, context)
        region = context.lookup_region(regions[0][0]) if regions else None
        if (
            judged.status is Status.PASS
            and region is not None
            and not region.loopback
            and operator != region.provider
        ):
            return failed(
                f"{describe(resource)}: {IDENTITY_DOMAIN_KEY} {domain!r} is a domain of "
                f"{context.catalogue.providers[operator or ''].name if operator else 'nobody'}, "
                f"but region {region.code} is "
                f"{context.catalogue.providers[region.provider].name}'s: the secret endpoint "
                "would authenticate with another operator than the one running the region.",
                value=domain,
                config_keys=(IDENTITY_DOMAIN_KEY,),
            )
        if judged.status is Status.NOT_APPLICABLE:
            return failed(
                f"{describe(resource)}: {IDENTITY_DOMAIN_KEY} {domain!r} is the domain of no "
                "provider of the region catalogue, so the secret identity endpoint cannot be "
                "shown to be under EU law.",
                value=domain,
                config_keys=(IDENTITY_DOMAIN_KEY,),
            )
        return judged
    if not reading.readable or not isinstance(url, str):
        return cannot_judge(
            resource, "authUrl", reading, "the identity service", config_keys=("openstack:authUrl",)
        )
    parts = url_parts(url)
    if parts is None or parts[1] is None:
        shown = url if where == "inline" and not resource.is_secret("authUrl") else f"({where})"
        return failed(
            f"{describe(resource)}: identity endpoint {shown} cannot be parsed as a URL with a "
            "host, so its jurisdiction cannot be judged.",
            config_keys=("openstack:authUrl",),
        )
    host = parts[1]
    secret = resource.is_secret("authUrl")
    if secret and domain is not None and not _in_domain(host, domain):
        return failed(
            f"{describe(resource)}: the secret identity endpoint does not lie inside "
            f"{IDENTITY_DOMAIN_KEY} {domain!r}, the domain the site declares for it; the "
            "offline check judged that domain, so the two must agree.",
            config_keys=(IDENTITY_DOMAIN_KEY,),
        )
    shown = "[secret]" if secret else host
    return _judge_identity_host(resource, context, host, shown, None if secret else url)


# --- other clouds -----------------------------------------------------------------------------


def _values(value: Any) -> Iterable[Any]:
    value = decoded(value)
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    else:
        yield value


def operator_of(
    resource: ResourceView, cloud: ForeignCloud, context: Context
) -> tuple[str | None, str]:
    """(catalogue operator key or None, why) a provider of another cloud reaches.

    A universe domain or endpoint overrides decide; else the package's own operator.
    None: the endpoints cannot be read or belong to no catalogue operator (fail closed).
    """
    catalogue = context.catalogue
    for prop in cloud.universe_inputs:
        value = resource.get(prop)
        if value in (None, ""):
            continue
        reading = context.reading(resource, prop, value)
        if not reading.readable or not isinstance(value, str):
            return None, f"its {prop} cannot be read"
        key = catalogue.provider_of_host(value.strip().lstrip("."))
        if key is None or value != value.strip():
            return None, f"its {prop} {value!r} is the domain of no catalogue operator"
        return key, f"{prop} {value}"
    operators: set[str] = set()
    for prop in cloud.endpoint_inputs:
        value = resource.get(prop)
        if value in (None, "", [], {}):
            continue
        if not context.reading(resource, prop, value).readable:
            return None, f"its {prop} cannot be read"
        for url in _values(value):
            if url in (None, ""):
                continue
            key = catalogue.provider_of_endpoint(url) if isinstance(url, str) else None
            if key is None:
                return None, f"endpoint {url!r} belongs to no catalogue operator"
            operators.add(key)
    if len(operators) > 1:
        return None, f"its endpoints reach several operators ({', '.join(sorted(operators))})"
    if operators:
        return operators.pop(), "its endpoints"
    return cloud.operator, f"the {package_of(resource.type)} package's own endpoints"


def foreign_region(context: Context, name: Any, api: str) -> Region | None:
    region = context.catalogue.exact(name, api)
    if region is None and api == "gcp" and isinstance(name, str):
        # Google Cloud reads locations case-insensitively (`EU`, `eu`); never padded ones.
        region = context.catalogue.exact(name.lower(), api)
    return region


def _locations(
    resource: ResourceView, props: tuple[str, ...], context: Context
) -> tuple[list[tuple[str, Any]], list[Outcome]]:
    found: list[tuple[str, Any]] = []
    problems: list[Outcome] = []
    for prop in props:
        value = resource.get(prop)
        if value in (None, ""):
            continue
        reading = context.reading(resource, prop, value)
        if reading is Reading.COMPUTED:
            continue
        if not reading.readable:
            problems.append(cannot_judge(resource, prop, reading, "where it runs"))
            continue
        found.append((prop, value))
    return found, problems


def _operator_verdict(
    resource: ResourceView, operator: Provider, why: str, locations: list[tuple[str, Any]]
) -> Outcome:
    where = ", ".join(f"{prop} {value!r}" for prop, value in locations) or "no location"
    return failed(
        f"{describe(resource)} reaches {operator.name} through {why} ({where}): an operator "
        f"headquartered in {operator.headquarters}, outside the EU, so its services answer to "
        "non-EU law whatever the region's city. Use an EU operator's offer the catalogue lists "
        "(an OpenStack region, S3NS under universe domain s3nsapis.fr, Outscale "
        "cloudgouv-eu-west-1).",
    )


@rule(
    "region-foreign-cloud",
    description="Providers of other clouds reach an EU operator, in a region the catalogue lists.",
    remediation="Use an EU operator's region from the catalogue, or the hub's OpenStack providers.",
    severity=Severity.CRITICAL,
    requirements=("SNC-19.6", "SNC-19.1", "HDS-2.0", "CATALOGUE"),
    enforces=(
        "providers and resources of other clouds (aws, azure-native, azure, gcp, google-native, "
        "alicloud, oci, digitalocean, outscale) reach an EU-headquartered operator, in a region of "
        "it the catalogue lists (S3NS `u-france-east1` under universe domain `s3nsapis.fr`, "
        "Outscale `cloudgouv-eu-west-1`); AWS `eu-west-3`, Azure `francecentral`, Google "
        "`europe-west9` fail"
    ),
    applies_to=("*",),
)
def region_foreign_cloud(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: a provider (or resource) of another cloud whose endpoints reach an operator
    headquartered in the EU, in a region, zone or location of that operator the catalogue lists.
    Fails: an operator outside the EU (AWS, Azure, Google Cloud, even in their EU regions); a
    region the catalogue does not list for the operator; no readable location (a resource falls
    back to its provider's, then fails); endpoints that cannot be read or belong to no operator.
    Not applicable: packages of the hub's own clouds (openstack, tls) and unknown packages
    (inventory-known-type refuses those)."""
    cloud = foreign_cloud(resource.type)
    if cloud is None:
        return [not_applicable("not another cloud's package")]
    provider = (
        resource if resource.type.startswith(PROVIDER_PREFIX) else context.provider_of(resource)
    )
    if provider is None:
        return [
            failed(
                f"{describe(resource)} is a resource of another cloud whose provider cannot be "
                "found, so neither its operator nor its region can be judged.",
            )
        ]
    key, why = operator_of(provider, cloud, context)
    if key is None:
        return [
            failed(
                f"{describe(resource)}: {why}, so the operator it reaches cannot be shown to be "
                "under EU law.",
            )
        ]
    operator = context.catalogue.providers[key]
    props = cloud.provider_locations if resource is provider else cloud.resource_locations
    locations, problems = _locations(resource, props, context)
    if not locations and resource is not provider:
        locations, problems = _locations(provider, cloud.provider_locations, context)
    if not operator.eu:
        return [_operator_verdict(resource, operator, why, locations), *problems]
    if problems:
        return problems
    if not locations:
        return [
            failed(
                f"{describe(resource)} sets no region, zone or location and neither does its "
                "provider, so where it runs would be decided outside the review.",
            )
        ]
    outcomes: list[Outcome] = []
    for prop, value in locations:
        region = foreign_region(context, value, cloud.api)
        if region is None or region.provider != key:
            offers = sorted(r.code for r in context.catalogue.regions if r.provider == key and r.eu)
            outcomes.append(
                failed(
                    f"{describe(resource)}: {prop} {value!r} is not a region of {operator.name} "
                    f"that the catalogue lists (as written), so it cannot be shown to be in the "
                    f"EU. Listed: {', '.join(offers) or 'none'}.",
                )
            )
        elif not region.eu:
            outcomes.append(
                failed(
                    f"{describe(resource)}: {prop} {value!r} is in {region.city}, "
                    f"{region.country}, outside the EU.",
                )
            )
        else:
            outcomes.append(passed())
    return outcomes
