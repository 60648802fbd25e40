"""Stack family: facts about the stack as a whole, read from its configuration.

The DR site and the replica region must be in another EU region than the site they protect,
and in another failure domain: not the same city (GRA9 and GRA11 are one Gravelines campus, one
outage takes both), not a failure domain the catalogue says they share. And the Pulumi state
and its secrets must stay under EU control: a Pulumi Cloud backend, AWS S3 without an EU
endpoint, or a US cloud KMS as secrets provider are refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hubcore.catalogue import EU_MEMBER_STATES, Region, is_loopback_url
from hubcore.stackfiles import SITE_FACT_KEYS
from hubcore.values import COMMAND_LINE, decode_config_value
from policies.config_sources import (
    PROJECT_FILE,
    PROJECT_OPTIONS,
    PROJECT_RUNTIME,
    PROJECT_STACK_DIR,
    PROXY_VARIABLES,
    STACK_FILE,
    classify_variable,
)
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.properties import Refused, classified, schema_of
from policies.registry import Scope, Severity, rule
from policies.rules.common import at_default, suggestion


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
    requirements=("SNC-19.1", "HDS-2.0", "CATALOGUE"),
    enforces=(
        "DR site and replica region in another EU region and failure domain (another city) than "
        "the site they protect"
    ),
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
    requirements=("STATE-SOVEREIGN", "SNC-19.6"),
    enforces=(
        "state on `file://` or an EU S3 endpoint, never Pulumi Cloud: `hub:stateBackend`, "
        "`HUB_STATE_BACKEND`, and the engine's own (`PULUMI_BACKEND_URL`, else `Pulumi.yaml`'s "
        "`backend.url`, else the current `pulumi login`)"
    ),
    scope=Scope.STACK,
)
def stack_sovereign_backend(context: Context) -> list[Outcome]:
    """Passes: file://, or s3:// whose endpoint a catalogue EU provider (or loopback) serves,
    for every backend the hub or the engine may use: hub:stateBackend (hubctl's), and the
    engine's own when set: HUB_STATE_BACKEND, PULUMI_BACKEND_URL, Pulumi.yaml's backend.url,
    the backend `pulumi login` made current in $PULUMI_HOME/credentials.json.
    Fails: Pulumi Cloud (configured, current, or seen in an export's secrets manager), s3://
    without an EU endpoint, azblob://, gs://, anything unknown; a credentials file that cannot
    be read. Not applicable: none configured anywhere."""
    site = context.site
    outcomes: list[Outcome] = []
    if site.observed_secrets_provider == "service":
        outcomes.append(
            failed(
                "the state was exported from Pulumi Cloud (its secrets manager is 'service'): "
                "state for the hub never goes there. Move the stack to a sovereign backend.",
            )
        )
    candidates: list[tuple[str, str, tuple[str, ...]]] = []
    url = site.text("hub:stateBackend")
    if url is not None:
        candidates.append(("hub:stateBackend", url, ("hub:stateBackend",)))
    sources = site.sources
    if sources is not None:
        if sources.environment.get("HUB_STATE_BACKEND"):
            candidates.append(("HUB_STATE_BACKEND", sources.environment["HUB_STATE_BACKEND"], ()))
        # The engine's own backend, in its order: the variable, the project, the login.
        backend = (sources.project or {}).get("backend")
        engine = [
            ("PULUMI_BACKEND_URL", sources.environment.get("PULUMI_BACKEND_URL")),
            (
                "Pulumi.yaml backend.url",
                str(backend["url"])
                if isinstance(backend, Mapping) and backend.get("url")
                else None,
            ),
            ("the current `pulumi login` (credentials.json)", sources.credentials_backend),
        ]
        chosen = next(((where, text) for where, text in engine if text), None)
        if chosen is not None:
            candidates.append((chosen[0], chosen[1], ()))
        elif sources.credentials_problem:
            outcomes.append(
                failed(
                    f"the engine's login cannot be read ({sources.credentials_problem}): the "
                    "backend it would use cannot be judged.",
                )
            )
    for where, text, keys in candidates:
        reason = judge_backend(text, context)
        if reason is None:
            outcomes.append(passed())
            continue
        outcomes.append(
            failed(
                f"state backend {text!r} ({where}) is not sovereign: {reason}. Use file:// or "
                "s3://<bucket>?endpoint=s3.<region>.io.cloud.ovh.net.",
                value=text if keys else None,
                config_keys=keys,
            )
        )
    return outcomes or [not_applicable("no backend configured")]


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
    requirements=("STATE-SOVEREIGN", "SNC-19.6", "SNC-10"),
    enforces=(
        "passphrase or `hashivault://`, never AWS/Azure/GCP KMS or Pulumi Cloud: "
        "`hub:secretsProvider`, the stack file's own `secretsprovider:` (an `encryptedkey:` "
        "without one fails), an export's"
    ),
    scope=Scope.STACK,
)
def stack_sovereign_secrets_provider(context: Context) -> list[Outcome]:
    """Passes: passphrase or hashivault://. Fails: awskms://, azurekeyvault://, gcpkms://,
    Pulumi Cloud's 'service' manager, or anything unknown, whether configured (hub:secretsProvider
    or the stack file's own `secretsprovider:`, which is what the engine uses) or observed in a
    state export; an `encryptedkey` with no `secretsprovider` naming what sealed it."""
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
    sources = site.sources
    stack_file = sources.stack_file if sources is not None else {}
    if "secretsprovider" in stack_file:
        value, line = stack_file["secretsprovider"]
        reason = judge_secrets_provider(str(value))
        outcomes.append(
            passed()
            if reason is None
            else failed(
                f"{sources.stack_file_name if sources else 'the stack file'}:{line} sets "
                f"secretsprovider {value!r}, which the engine encrypts the stack's secrets "
                f"with: {reason}. Use passphrase or hashivault://.",
            )
        )
    elif "encryptedkey" in stack_file:
        _, line = stack_file["encryptedkey"]
        outcomes.append(
            failed(
                f"{sources.stack_file_name if sources else 'the stack file'}:{line} has an "
                "encryptedkey but no secretsprovider: the key is sealed by a provider the pack "
                "cannot name, so where the secrets' key lives cannot be judged.",
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


# --- what a site is, decided once -------------------------------------------------------------


def _same(a: str, b: str) -> bool:
    return decode_config_value(a) == decode_config_value(b) or a.strip() == b.strip()


@rule(
    "stack-site-facts-decided-once",
    description="A site's facts (classification, production, DR, ranges) are decided once.",
    remediation="Set site facts in the site's entry of stacks/sites.yaml, nowhere else.",
    severity=Severity.CRITICAL,
    requirements=("SNC-QUALIFIED", "CLOSED-WORLD"),
    enforces=(
        "classification, production, the protected and DR sites, the replica region, the site's "
        "ranges and identity domain come from `stacks/sites.yaml` only (a stack file that sets one "
        "is refused by the reader, exit 2; the engine's config must agree); a site protecting "
        "production says it is production"
    ),
    scope=Scope.STACK,
)
def stack_site_facts_decided_once(context: Context) -> list[Outcome]:
    """Passes: every site fact of the stack's config (hub:classification, hub:production,
    hub:protects, hub:drSite, hub:replicaRegion, hub:networkCidr, hub:adminCidrs,
    hub:workspacePool, hub:aptProxy, hub:identityDomain) is the site's own from
    stacks/sites.yaml, and a site protecting a production site does not say it is not one.
    Fails: a fact the engine's config (Pulumi.yaml, a stack file, `pulumi config set`) gives
    another value or adds; a DR site of production declared `hub:production: false`.
    Not applicable: facts built without the repository's files (a foreign state export).
    `-c` on `hubctl check` stays a what-if for one offline run and is not judged here."""
    site = context.site
    sources = site.sources
    if sources is None or site.site is None:
        return [not_applicable("no site facts from the repository")]
    outcomes: list[Outcome] = []
    for key in SITE_FACT_KEYS:
        value = site.config.get(key)
        if value is None or value.location.file == COMMAND_LINE:
            continue
        decided = sources.site_values.get(key)
        if decided is not None and (decided.secret or _same(decided.value, value.value)):
            continue
        shown = "[secret]" if value.secret else repr(value.value)
        origin = f"site {site.site!r}" + (
            f" says {decided.value!r}" if decided is not None else " does not set it"
        )
        outcomes.append(
            failed(
                f"{key} is {shown} for stack {site.stack!r} ({value.location}), but {origin} in "
                f"stacks/sites.yaml: what a site is (classification, production, DR, ranges) is "
                "decided once there, for all its stacks. Remove the value from where it was "
                "set.",
                value=None if value.secret else value.value,
                config_keys=(key,),
            )
        )
    if (
        site.protects_production
        and site.declared_production is False
        and "hub:production" in (sources.site_values)
    ):
        outcomes.append(
            failed(
                f"site {site.site!r} protects production site {site.text('hub:protects')!r} yet "
                "says hub:production: false; it holds production data every day and takes over "
                "production on failover, so it is production (SecNumCloud required).",
                config_keys=("hub:production",),
            )
        )
    return outcomes or [passed()]


PRIVATE_SPACE = tuple(
    ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
RANGE_KEYS = ("hub:networkCidr", "hub:adminCidrs", "hub:workspacePool")


def _private(network: IPv4Network | IPv6Network) -> bool:
    return any(
        network.version == space.version and network.subnet_of(space)  # type: ignore[arg-type]
        for space in PRIVATE_SPACE
    )


@rule(
    "stack-site-ranges-private",
    description="The site's ranges are private address space; its package proxy lies inside it.",
    remediation="Use RFC 1918 (or IPv6 ULA) ranges; put hub:aptProxy inside hub:networkCidr.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "CLOSED-WORLD"),
    enforces=(
        "`hub:networkCidr`, `hub:adminCidrs`, `hub:workspacePool` are private address space (RFC "
        "1918, IPv6 ULA); `hub:aptProxy` is an address inside `hub:networkCidr`"
    ),
    scope=Scope.STACK,
)
def stack_site_ranges_private(context: Context) -> list[Outcome]:
    """Passes: hub:networkCidr, every hub:adminCidrs entry and hub:workspacePool lie inside
    private address space (10/8, 172.16/12, 192.168/16, fc00::/7), and hub:aptProxy's address
    inside hub:networkCidr.
    Fails: a range with any public address in it (8.8.8.0/24, a supernet of 10/8 such as
    8.0.0.0/5, 0.0.0.0/0), a value that is not a CIDR or cannot be read (secret), a proxy that
    is not an address of the site.
    Not applicable: a stack without config (a foreign state export)."""
    site = context.site
    if not site.config:
        return [not_applicable("no stack config")]
    outcomes: list[Outcome] = []
    network: IPv4Network | IPv6Network | None = None
    for key in RANGE_KEYS:
        if key not in site.config:
            continue
        if site.is_secret(key):
            outcomes.append(
                failed(
                    f"{key} is a secret here, so whether the site's range is private could not "
                    "be judged; a site's ranges are not secrets.",
                    config_keys=(key,),
                )
            )
            continue
        value = site.value(key)
        for item in value if isinstance(value, list) else [value]:
            try:
                parsed = ip_network(str(item).strip(), strict=False)
            except ValueError:
                outcomes.append(
                    failed(
                        f"{key} holds {item!r}, which is not a CIDR: the site's range cannot be "
                        "judged.",
                        value=str(item),
                        config_keys=(key,),
                    )
                )
                continue
            if key == "hub:networkCidr":
                network = parsed
            if _private(parsed):
                outcomes.append(passed())
                continue
            outcomes.append(
                failed(
                    f"{key} holds {item!r}, which is not private address space (RFC 1918, or "
                    "IPv6 ULA fc00::/7): every rule trusts the site's ranges, so public space "
                    "passed off as the site's would let the world in as the site.",
                    value=str(item),
                    config_keys=(key,),
                )
            )
    proxy = site.text("hub:aptProxy")
    if proxy is not None:
        host = urlsplit(proxy.strip()).hostname if not site.is_secret("hub:aptProxy") else None
        try:
            address = ip_address(host or "")
        except ValueError:
            address = None
        if address is None or network is None or address not in network:
            outcomes.append(
                failed(
                    f"hub:aptProxy {proxy!r} is not an address inside the site's range "
                    f"({network or 'unknown'}): hosts without internet egress may reach only "
                    "the site, so the proxy must be one of its addresses.",
                    value=proxy,
                    config_keys=("hub:aptProxy",),
                )
            )
        else:
            outcomes.append(passed())
    return outcomes or [not_applicable("no site range configured")]


# --- every configuration source: the project file, the stack file, the environment -------------


def _refusal(where: str, key: str, verdict: Refused, value: Any) -> Outcome:
    default = "unset" if verdict.default is None else f"unset or {verdict.default!r}"
    return failed(
        f"{where} sets {key} ({shown_value(value)}), which the pack refuses (allowed: {default}): "
        f"{verdict.reason}.",
    )


def shown_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text if len(text) <= 80 else text[:80] + "...")


def _project_outcomes(project: Mapping[str, Any]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for key, value in project.items():
        verdict = PROJECT_FILE.get(key)
        if verdict is None:
            outcomes.append(
                failed(
                    f"Pulumi.yaml has top-level key {key!r}, which is not among the keys the pack "
                    "knows the engine reads (policies/config_sources.py): a newer CLI may act on "
                    "it, and what it does cannot be judged. Remove it.",
                )
            )
        elif isinstance(verdict, Refused):
            if not at_default(value, verdict.default, "any"):
                outcomes.append(_refusal("Pulumi.yaml", key, verdict, value))
        elif key == "runtime" and value != PROJECT_RUNTIME:
            outcomes.append(
                failed(
                    f"Pulumi.yaml's runtime is {shown_value(value)}: the engine would run the "
                    f"program some other way than the toolchain's Python host in the project's "
                    f"virtualenv ({shown_value(PROJECT_RUNTIME)}).",
                )
            )
        elif key == "stackConfigDir" and value != PROJECT_STACK_DIR:
            outcomes.append(
                failed(
                    f"Pulumi.yaml's stackConfigDir is {value!r}: the engine would read stack "
                    f"files the pack does not (stacks/).",
                )
            )
        elif key == "options" and (
            not isinstance(value, Mapping) or set(value) - set(PROJECT_OPTIONS)
        ):
            outcomes.append(
                failed(
                    f"Pulumi.yaml's options {shown_value(value)} hold keys the pack does not "
                    f"know (known: {', '.join(PROJECT_OPTIONS)}).",
                )
            )
    return outcomes


def _provider_config(context: Context) -> list[Outcome]:
    """Provider keys of the stack's config (`openstack:*`, `tls:*`) against the schema's config
    section: they configure the engine's default providers, which the program does not use,
    but the engine applies them all the same."""
    outcomes: list[Outcome] = []
    for key, value in context.site.config.items():
        package, _, name = key.partition(":")
        if package not in ("openstack", "tls"):
            continue
        table = classified(f"pulumi:providers:{package}") or {}
        schema = schema_of(f"pulumi:providers:{package}") or {}
        verdict = table.get(name) if name in schema else None
        if verdict is None:
            outcomes.append(
                failed(
                    f"config key {key} ({value.location}) is no setting of the {package} "
                    "provider's schema (policies/schema.json): remove it.",
                    config_keys=(key,),
                )
            )
        elif isinstance(verdict, Refused) and not value.secret:
            kind = str(schema[name].get("type"))
            if not at_default(decode_config_value(value.value), verdict.default, kind):
                outcomes.append(_refusal(str(value.location), key, verdict, value.value))
    return outcomes


@rule(
    "stack-config-sources",
    description="Every file the engine reads for the stack is judged: Pulumi.yaml and stack file.",
    remediation="Keep configuration in stacks/sites.yaml and the stack files' `config:`.",
    severity=Severity.CRITICAL,
    requirements=("CLOSED-WORLD", "STATE-SOVEREIGN", "SNC-19.6"),
    enforces=(
        "every key of `Pulumi.yaml` and of the stack file is one the pack knows: no project "
        "`config:`, `plugins:`, `packages:`, other runtime or stack directory; no ESC "
        "`environment:`; provider keys of the config are settings of the provider's schema; a "
        "source that cannot be read fails closed"
    ),
    scope=Scope.STACK,
)
def stack_config_sources(context: Context) -> list[Outcome]:
    """Passes: Pulumi.yaml holds only keys the pack knows, with the toolchain's runtime, the
    stacks/ directory, no project `config:`, no `plugins:` or `packages:`; the stack file holds
    no `environment:` (Pulumi ESC); every provider key of the config is a setting of the
    provider's schema, refused ones at their default.
    Fails: any other key or value; a project file, stack file or layered config that cannot be
    read (fail closed, naming it).
    Not applicable: facts built without the repository's files (a foreign state export)."""
    sources = context.site.sources
    if sources is None:
        return [not_applicable("no configuration sources read")]
    outcomes: list[Outcome] = []
    if sources.project_problem is not None:
        outcomes.append(
            failed(f"Pulumi.yaml cannot be judged: {sources.project_problem}; the engine reads it.")
        )
    elif sources.project is not None:
        outcomes += _project_outcomes(sources.project)
    if sources.config_problem is not None:
        outcomes.append(
            failed(
                f"the stack's configuration cannot be read: {sources.config_problem}; what the "
                "engine applies could not be judged, and what cannot be read does not pass.",
            )
        )
    where = sources.stack_file_name or "the stack file"
    for key, (value, line) in sorted(sources.stack_file.items()):
        verdict = STACK_FILE.get(key)
        if verdict is None:
            outcomes.append(
                failed(f"{where}:{line} has top-level key {key!r}, unknown to the pack.")
            )
        elif isinstance(verdict, Refused) and not at_default(value, verdict.default, "any"):
            outcomes.append(_refusal(f"{where}:{line}", key, verdict, value))
    outcomes += _provider_config(context)
    return outcomes or [passed()]


def _proxy(name: str, value: str, context: Context) -> Outcome:
    """An endpoint traffic goes through: this machine, or a private address, only."""
    try:
        host = urlsplit(value if "://" in value else f"//{value}").hostname
    except ValueError:
        host = None
    try:
        address = ip_address(host or "")
    except ValueError:
        address = None
    local = is_loopback_url(f"http://{host}") if host else False
    if local or (address is not None and _private(ip_network(address))):
        return passed()
    return failed(
        f"{name}={value!r} sends the engine's or the provider's traffic (API tokens, traces) "
        "through an endpoint that is not on this machine or a private address: a party the "
        "review does not see. Unset it, or use one on loopback or inside the site.",
    )


@rule(
    "stack-environment",
    description="Every environment variable the engine and the providers read is judged.",
    remediation="Unset the variable, or classify it in policies/config_sources.py with a reason.",
    severity=Severity.CRITICAL,
    requirements=("CLOSED-WORLD", "SNC-19.6", "STATE-SOVEREIGN"),
    enforces=(
        "every `OS_*` and `PULUMI_*` variable set is one the pack knows (judged by the provider, "
        "backend and endpoint rules, or inert); refused ones (`PULUMI_API`, `PULUMI_ACCESS_TOKEN`, "
        "`PULUMI_DEBUG_PROVIDERS`...) are unset; proxies are local or private"
    ),
    scope=Scope.STACK,
)
def stack_environment(context: Context) -> list[Outcome]:
    """Passes: every OS_* and PULUMI_* variable set is one policies/config_sources.py lists as
    judged (by the provider, backend and endpoint rules) or inert; refused ones are unset or at
    their default; a proxy variable points at this machine or a private address.
    Fails: an OS_* or PULUMI_* variable the pack does not know, a refused one set (PULUMI_API,
    PULUMI_ACCESS_TOKEN, PULUMI_DEBUG_PROVIDERS...), a proxy elsewhere.
    Not applicable: facts built without the environment (tests, a foreign state export)."""
    sources = context.site.sources
    if sources is None:
        return [not_applicable("no environment read")]
    outcomes: list[Outcome] = []
    for name, value in sorted(sources.environment.items()):
        verdict = classify_variable(name)
        if isinstance(verdict, Refused) and not at_default(
            value, verdict.default, "boolean" if isinstance(verdict.default, bool) else "any"
        ):
            outcomes.append(_refusal("the environment", name, verdict, value))
        elif name in PROXY_VARIABLES and value:
            outcomes.append(_proxy(name, value, context))
    return outcomes or [passed()]
