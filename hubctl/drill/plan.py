"""What a drill will do, and whether it may: scenarios, safety checks and the rebuild plan.

Every refusal happens here, before anything runs, and names what a person has to change. The
checks read only the code's own configuration (stacks/), never the cloud or a state backend.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubcore.stackfiles import known_sites, missing_site_stacks, stacks_dir_shown
from hubcore.stacks import Layer
from hubcore.values import ConfigError
from hubctl.deploy import LAYERS, site_config
from hubctl.drill.model import Scenario
from infra.config import HubConfig
from infra.kinds import LAYER_DEPENDENCIES


class DrillRefused(Exception):
    """The drill must not run as asked; the message says why and what to do instead."""


SCENARIOS: dict[Scenario, str] = {
    Scenario.REGION_LOSS: (
        "The primary region is lost: its stacks, its state and its cloud are unreachable. The DR "
        "site is rebuilt from code in its own region and backend, then refilled from the "
        "replicas kept in that region."
    ),
    Scenario.STATE_LOSS: (
        "The Pulumi state backend is lost. The DR site is rebuilt from code alone into a fresh, "
        "empty backend (no stack, no output, no secret of the old one is read), then the data "
        "is re-attached from the replicas."
    ),
}


@dataclass(frozen=True)
class DrillPlan:
    site: HubConfig
    target: HubConfig
    scenario: Scenario
    parallel: bool

    @property
    def waves(self) -> list[list[Layer]]:
        return waves(self.parallel)


def waves(parallel: bool = True) -> list[list[Layer]]:
    """Layers grouped by when they can start: a wave starts once the layers it reads are done.

    Sequential mode is one layer per wave, still in dependency order.
    """
    if not parallel:
        return [[layer] for layer in _topological(LAYERS)]
    result: list[list[Layer]] = []
    placed: set[Layer] = set()
    while len(placed) < len(LAYERS):
        wave = [
            layer
            for layer in LAYERS
            if layer not in placed and set(LAYER_DEPENDENCIES[layer]) <= placed
        ]
        if not wave:
            raise ValueError("LAYER_DEPENDENCIES has a cycle")
        result.append(wave)
        placed.update(wave)
    return result


def _topological(layers: tuple[Layer, ...]) -> list[Layer]:
    return [layer for wave in waves(parallel=True) for layer in wave if layer in layers]


def _require_stacks(site: str, flag: str) -> None:
    missing = missing_site_stacks(site)
    if missing:
        raise DrillRefused(
            f"{flag} {site!r}: no stack files for {', '.join(missing)} in {stacks_dir_shown()}; "
            f"sites with stacks: {', '.join(known_sites())}"
        )


def prepare(site: str, target: str, scenario: Scenario, parallel: bool = True) -> DrillPlan:
    """Validate a drill request against the code's configuration; raise DrillRefused if unsafe."""
    if site == target:
        raise DrillRefused(
            f"--to {target!r} is the site itself: a drill rebuilds a site elsewhere, never over "
            "its own stacks"
        )
    _require_stacks(site, "--site")
    _require_stacks(target, "--to")
    try:
        source = site_config(site)
        dr = site_config(target)
    except ConfigError as error:
        raise DrillRefused(str(error)) from error

    if dr.production:
        raise DrillRefused(
            f"--to {target!r} is a production site (hub:production: true in stacks/sites.yaml): "
            "a drill builds and destroys its target's stacks, so it never targets production. "
            f"Aim it at the site's DR site{f' ({source.dr_site})' if source.dr_site else ''}."
        )
    declared = source.dr_site == target or dr.protects == site
    if not declared:
        raise DrillRefused(
            f"--to {target!r} is not {site!r}'s DR site: stacks/sites.yaml says {site!r} fails "
            f"over to {source.dr_site or 'no site (hub:drSite unset)'} and {target!r} protects "
            f"{dr.protects or 'no site (hub:protects unset)'}"
        )
    if source.dr_site not in (None, target) or dr.protects not in (None, site):
        raise DrillRefused(
            f"stacks/sites.yaml disagrees with itself: {site!r} has hub:drSite "
            f"{source.dr_site!r} but {target!r} has hub:protects {dr.protects!r}"
        )
    if dr.region_name == source.region_name:
        raise DrillRefused(
            f"{target!r} is in {site!r}'s own region {dr.region_name}: losing that region would "
            "lose both, so it cannot stand in for a DR site"
        )
    return DrillPlan(site=source, target=dr, scenario=scenario, parallel=parallel)
