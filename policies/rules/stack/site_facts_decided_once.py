"""stack-site-facts-decided-once: A site's facts (classification, production, DR, ranges) are
decided once."""

from __future__ import annotations

from hubcore.stackfiles import SITE_FACT_KEYS
from hubcore.values import COMMAND_LINE, decode_config_value
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule

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
