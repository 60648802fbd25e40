"""endpoints-transport-security: Providers use TLS with verified certificates and no credentials in
URLs."""

from __future__ import annotations

from hubcore.catalogue import is_loopback_url
from policies.model import Context, Outcome, Reading, ResourceView, failed, passed
from policies.registry import Severity, rule
from policies.rules.common import (
    ENV_INSECURE,
    cannot_judge,
    decoded,
    describe,
    environment,
    provider_auth_url,
    provider_cloud_entry,
    strings,
    truth,
    url_parts,
)
from policies.rules.endpoints.common import OVERRIDES_KEY, PROVIDER, local_site, provider_region


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
    region = provider_region(resource, context) if resource.type in PROVIDER else None
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
