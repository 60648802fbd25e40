"""Stack family: facts about the stack as a whole, read from its configuration.

The DR site and the replica region must be in another EU region than the site they protect,
and in another failure domain: not the same city (GRA9 and GRA11 are one Gravelines campus, one
outage takes both), not a failure domain the catalogue says they share. And the Pulumi state
and its secrets must stay under EU control: a Pulumi Cloud backend, AWS S3 without an EU
endpoint, or a US cloud KMS as secrets provider are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from hubcore.catalogue import EU_MEMBER_STATES, Region, is_loopback_url
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.common import suggestion


def _pairs(context: Context) -> Iterator[tuple[str, str, str | None, str]]:
    """(relation, other site, its region, config key) for each DR relation the stack declares."""
    site = context.site
    protects = site.text("hub:protects")
    if protects:
        yield "protects", protects, site.site_regions.get(protects), "hub:protects"
    dr_site = site.text("hub:drSite")
    if dr_site:
        yield "is protected by", dr_site, site.site_regions.get(dr_site), "hub:drSite"


@rule(
    "stack-dr-distinct-region",
    description="DR and replica regions are EU regions in another city and failure domain.",
    remediation="Put the DR site (hub:drSite / hub:protects) and hub:replicaRegion elsewhere.",
    severity=Severity.HIGH,
    scope=Scope.STACK,
)
def stack_dr_distinct_region(context: Context) -> list[Outcome]:
    """Passes: every declared DR relation and the replica region point to another EU region in
    another failure domain (by default, another city).
    Fails: same region, same city or failure domain (GRA9 for GRA11), a non-EU or unknown DR
    region, or a DR site the repository lacks.
    Not applicable: a stack with no DR relation (or no config, as in a bare state export)."""
    site = context.site
    own = context.catalogue.lookup(site.region_name)
    if own is None:
        return [not_applicable("the stack's own region is unknown")]
    outcomes: list[Outcome] = []
    for relation, other, other_name, key in _pairs(context):
        other_region = context.catalogue.lookup(other_name)
        if other_region is None:
            outcomes.append(
                failed(
                    f"site {site.site!r} {relation} site {other!r}, whose region {other_name!r} is "
                    "not defined or not in the catalogue: the DR pairing cannot be shown to hold.",
                    value=other,
                    config_keys=(key,),
                )
            )
        elif other_region == own:
            outcomes.append(
                failed(
                    f"site {site.site!r} {relation} site {other!r} but both are in {own.code}: one "
                    f"regional outage takes both. Move the DR site to another EU region, e.g. "
                    f"{suggestion(_elsewhere(context, own))}.",
                    value=other,
                    config_keys=(key,),
                )
            )
        elif not other_region.eu:
            outcomes.append(
                failed(
                    f"site {site.site!r} {relation} site {other!r} in {other_region.code} "
                    f"({other_region.country}), outside the EU.",
                    value=other,
                    config_keys=(key,),
                )
            )
        elif other_region.domain == own.domain:
            outcomes.append(
                failed(
                    f"site {site.site!r} {relation} site {other!r}, but {own.code} and "
                    f"{other_region.code} share a failure domain ({_domain(own)}): one outage "
                    "takes both. Move the DR site to another city, e.g. "
                    f"{suggestion(_elsewhere(context, own))}.",
                    value=other,
                    config_keys=(key,),
                )
            )
        else:
            outcomes.append(passed())
    replica_name = site.text("hub:replicaRegion")
    if replica_name:
        replica = context.catalogue.lookup(replica_name)
        if replica is None or not replica.eu or replica.domain == own.domain:
            why = (
                "the same region as the site"
                if replica == own
                else f"in the site's failure domain ({_domain(own)})"
                if replica is not None and replica.eu
                else "not an EU region of the catalogue"
            )
            outcomes.append(
                failed(
                    f"hub:replicaRegion {replica_name!r} is {why}; replicas belong in another EU "
                    f"region and city, e.g. {suggestion(_elsewhere(context, own))}.",
                    value=replica_name,
                    config_keys=("hub:replicaRegion",),
                )
            )
        else:
            outcomes.append(passed())
    return outcomes or [not_applicable("no DR relation declared")]


def _domain(region: Region) -> str:
    return region.failure_domain or f"{region.city}, {region.country}"


def _elsewhere(context: Context, own: Region) -> Region:
    """The nearest EU region of another failure domain (of the same provider when possible)."""
    candidates = [r for r in context.catalogue.eu_regions() if r.domain != own.domain]
    same = [r for r in candidates if r.provider == own.provider] or candidates
    nearest = context.catalogue.nearest_eu_region(own.code)
    return nearest if nearest in same else same[0]


def sovereign_endpoint(host: str | None, context: Context) -> bool:
    if not host:
        return False
    if is_loopback_url(f"http://{host}"):
        return True
    key = context.catalogue.provider_of_endpoint(f"https://{host}")
    return key is not None and context.catalogue.providers[key].headquarters in EU_MEMBER_STATES


def judge_backend(url: str, context: Context) -> str | None:
    """None when the backend is sovereign, else why it is not."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return None
    if scheme == "s3":
        endpoint = (parse_qs(parts.query).get("endpoint") or [""])[0]
        host = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}").hostname
        if sovereign_endpoint(host, context):
            return None
        if not host:
            return "an s3:// backend without endpoint= is Amazon S3, a US provider"
        return f"its S3 endpoint {host} belongs to no EU provider of the catalogue"
    if scheme in {"http", "https"} and "pulumi.com" in (parts.hostname or ""):
        return "it is Pulumi Cloud, hosted outside EU law"
    if scheme in {"azblob", "gs"}:
        return f"{scheme}:// stores state with a US cloud provider"
    return f"backend scheme {scheme or url!r} is not a known sovereign backend (file://, s3://)"


@rule(
    "stack-sovereign-backend",
    description="The Pulumi state backend is under EU control (file:// or an EU S3 endpoint).",
    remediation="Set hub:stateBackend to file:// or s3://<bucket>?endpoint=<EU endpoint>.",
    severity=Severity.CRITICAL,
    scope=Scope.STACK,
)
def stack_sovereign_backend(context: Context) -> Outcome:
    """Passes: file://, or s3:// whose endpoint a catalogue EU provider (or loopback) serves.
    Fails: Pulumi Cloud (configured, or seen in an export's secrets manager), s3:// without an
    EU endpoint, azblob://, gs://, or anything unknown. Not applicable: no config."""
    site = context.site
    if site.observed_secrets_provider == "service":
        return failed(
            "the state was exported from Pulumi Cloud (its secrets manager is 'service'): "
            "state for the hub never goes there. Move the stack to a sovereign backend.",
        )
    url = site.text("hub:stateBackend")
    if url is None:
        return not_applicable("no hub:stateBackend in the stack config")
    reason = judge_backend(url, context)
    if reason is None:
        return passed()
    return failed(
        f"state backend {url!r} is not sovereign: {reason}. Use file:// or "
        "s3://<bucket>?endpoint=s3.<region>.io.cloud.ovh.net.",
        value=url,
        config_keys=("hub:stateBackend",),
    )


FOREIGN_KMS = {
    "awskms": "AWS KMS",
    "azurekeyvault": "Azure Key Vault",
    "gcpkms": "Google Cloud KMS",
    "service": "the Pulumi Cloud secrets manager",
}


def judge_secrets_provider(text: str) -> str | None:
    scheme = text.split("://", 1)[0].lower() if "://" in text else text.strip().lower()
    if scheme in {"passphrase", "default", "hashivault"}:
        return None
    if scheme in FOREIGN_KMS:
        return f"it is {FOREIGN_KMS[scheme]}, operated under US law"
    return f"{scheme!r} is not a known sovereign secrets provider (passphrase, hashivault://)"


@rule(
    "stack-sovereign-secrets-provider",
    description="Stack secrets are encrypted by a passphrase or a self-hosted Vault, no US KMS.",
    remediation="Use --secrets-provider passphrase or hashivault://<key> (hub:secretsProvider).",
    severity=Severity.CRITICAL,
    scope=Scope.STACK,
)
def stack_sovereign_secrets_provider(context: Context) -> list[Outcome]:
    """Passes: passphrase or hashivault://. Fails: awskms://, azurekeyvault://, gcpkms://,
    Pulumi Cloud's 'service' manager, or anything unknown, whether configured or observed in
    a state export."""
    site = context.site
    outcomes: list[Outcome] = []
    configured = site.text("hub:secretsProvider")
    if configured is not None:
        reason = judge_secrets_provider(configured)
        outcomes.append(
            passed()
            if reason is None
            else failed(
                f"secrets provider {configured!r} is not sovereign: {reason}. Use passphrase or "
                "hashivault:// (self-hosted Vault/OpenBao).",
                value=configured,
                config_keys=("hub:secretsProvider",),
            )
        )
    observed = site.observed_secrets_provider
    if observed is not None:
        reason = judge_secrets_provider(observed)
        outcomes.append(
            passed()
            if reason is None
            else failed(
                f"the exported state is encrypted by secrets provider {observed!r}: {reason}. "
                "Change it with `pulumi stack change-secrets-provider passphrase`.",
            )
        )
    return outcomes or [not_applicable("no secrets provider configured or observed")]
