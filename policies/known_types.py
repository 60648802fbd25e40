"""The closed world: every provider package and resource type the pack understands, that is the
types hubcore/resource_types.py declares admitted (declared once, for the pack and hubctl
alike); tests/policies/test_closed_world.py checks it both ways (every type admitted is judged
by a rule that names it; every type a shipped stack declares is admitted), and
policies/properties.py classifies every input property of every type admitted.

Anything else is outside the pack's world and refused by `inventory-known-type`: a rule that
knows nothing about a resource cannot say it is safe. Two ways to admit a type: a rule family
that judges it (declared admitted), or an allowance with a reason in the pack config.

Providers of other clouds (aws, azure-native, gcp...) are not understood resource by resource,
but they are judged: `FOREIGN_CLOUDS` says where each package keeps its region, location and
endpoints, which operator it reaches by default, and which catalogue API family its regions
belong to, so `region-foreign-cloud` can judge them against the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from hubcore.resource_types import PROVIDER_PREFIX, RESOURCE_TYPES, ResourceType, package_of

# A type the pack understands: its declaration (hubcore.resource_types).
KnownType = ResourceType

KNOWN_TYPES: tuple[KnownType, ...] = tuple(known for known in RESOURCE_TYPES if known.admitted)

UNDERSTOOD_PACKAGES = frozenset(known.package for known in KNOWN_TYPES if not known.component)


@dataclass(frozen=True)
class ForeignCloud:
    """Where a package of another cloud keeps the facts that say where it runs.

    `api`: the catalogue API family its regions belong to. `operator`: the catalogue provider it
    reaches when no endpoint says otherwise. `provider_locations` and `resource_locations`: the
    inputs holding a region, zone or location. `endpoint_inputs`: inputs holding endpoint URLs
    or a universe domain, which decide the operator when set.
    """

    api: str
    operator: str
    provider_locations: tuple[str, ...]
    resource_locations: tuple[str, ...]
    endpoint_inputs: tuple[str, ...] = ()
    # Inputs naming a universe domain (a host suffix every API endpoint ends with).
    universe_inputs: tuple[str, ...] = ()


FOREIGN_CLOUDS: dict[str, ForeignCloud] = {
    "aws": ForeignCloud("aws", "aws", ("region",), ("region",), ("endpoints",)),
    "aws-native": ForeignCloud("aws", "aws", ("region",), ("region",)),
    "azure-native": ForeignCloud("azure", "microsoft", ("location",), ("location",)),
    "azure": ForeignCloud("azure", "microsoft", ("location",), ("location",)),
    "gcp": ForeignCloud(
        "gcp",
        "google",
        ("region", "zone"),
        ("region", "zone", "location"),
        universe_inputs=("universeDomain",),
    ),
    "google-native": ForeignCloud(
        "gcp",
        "google",
        ("region", "zone"),
        ("region", "zone", "location"),
        universe_inputs=("universeDomain",),
    ),
    "alicloud": ForeignCloud("alicloud", "alibaba", ("region",), ("region",)),
    "oci": ForeignCloud("oci", "oracle", ("region",), ("region",)),
    "digitalocean": ForeignCloud("digitalocean", "digitalocean", ("region",), ("region",)),
    "outscale": ForeignCloud("outscale", "outscale", ("region",), ("region",), ("endpoints",)),
}


@cache
def known_type(type_token: str) -> KnownType | None:
    return next((known for known in KNOWN_TYPES if known.matches(type_token)), None)


def foreign_cloud(type_token: str) -> ForeignCloud | None:
    return FOREIGN_CLOUDS.get(package_of(type_token))


def in_inventory(type_token: str) -> bool:
    """Understood types, and the providers of other clouds (judged by where they run)."""
    if known_type(type_token) is not None:
        return True
    return type_token.startswith(PROVIDER_PREFIX) and foreign_cloud(type_token) is not None
