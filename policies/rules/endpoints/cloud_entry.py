"""endpoints-cloud-entry: A provider's clouds.yaml entry exists and can be read, so it can be
judged."""

from __future__ import annotations

from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import ENV_CLOUD, cannot_judge, describe, provider_cloud_entry
from policies.rules.endpoints.common import PROVIDER


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
