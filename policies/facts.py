"""Site facts from the repository's stack files: what rules know about a stack beyond its
resources. Rules read no file; the callers that build a Context (hubctl check, the engine
adapter) build its facts here.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from hubcore.stackfiles import known_stacks, load_layered_config
from hubcore.stacks import SITE_LAYERS, StackName
from hubcore.values import ConfigError, ConfigValue
from policies.clouds import cloud_entry
from policies.model import SiteFacts

RELATED_SITE_KEYS = ("hub:drSite", "hub:protects")


@cache
def site_region(site: str, layer: str | None) -> str | None:
    """The openstack:region another site of this repository is configured with: its stack of
    the same layer when there is one, else any of its stacks; None when it has none."""
    stacks = set(known_stacks())
    preferred = [str(StackName(site, layer_)) for layer_ in SITE_LAYERS if layer_.value == layer]
    candidates = [*preferred, *(str(StackName(site, layer_)) for layer_ in SITE_LAYERS)]
    stack = next((s for s in candidates if s in stacks), None)
    if stack is None:
        return None
    try:
        region = load_layered_config(stack).get("openstack:region")
    except ConfigError:
        return None
    return None if region is None else region.value


def site_facts(
    stack: str | None,
    config: Mapping[str, ConfigValue],
    *,
    observed_secrets_provider: str | None = None,
) -> SiteFacts:
    name = StackName.try_parse(stack) if stack else None
    layer = name.layer.value if name else None
    regions: dict[str, str | None] = {}
    for key in RELATED_SITE_KEYS:
        value = config.get(key)
        if value is not None and value.value and not value.secret:
            regions[value.value] = site_region(value.value, layer)
    clouds = {}
    cloud = config.get("openstack:cloud")
    if cloud is not None and cloud.value and not cloud.secret:
        clouds[cloud.value] = cloud_entry(cloud.value)
    return SiteFacts(
        stack=stack,
        config=config,
        observed_secrets_provider=observed_secrets_provider,
        site_regions=regions,
        clouds=clouds,
    )
