"""stack-environment: Every environment variable the engine and the providers read is judged."""

from __future__ import annotations

from ipaddress import ip_address, ip_network
from urllib.parse import urlsplit

from hubcore.catalogue import is_loopback_url
from policies.config_sources import PROXY_VARIABLES, classify_variable
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.properties import Refused
from policies.registry import Scope, Severity, rule
from policies.rules.common import at_default
from policies.rules.stack.common import is_private, refusal


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
    if local or (address is not None and is_private(ip_network(address))):
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
            outcomes.append(refusal("the environment", name, verdict, value))
        elif name in PROXY_VARIABLES and value:
            outcomes.append(_proxy(name, value, context))
    return outcomes or [passed()]
