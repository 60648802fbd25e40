"""The stable tag a hub resource carries in the cloud, derived from its Pulumi URN.

A deploy killed between the cloud's create and the engine's checkpoint leaves a resource the
state does not own. The tag lets hubctl find it again (to import it) and count what no state
owns (the orphan census). Nova and Neutron tags are at most 60 characters and refuse `/`, and
URNs are longer and full of `/`, so the tag holds a short hash of the URN, not the URN.
"""

from __future__ import annotations

import hashlib

URN_KEY = "hub-urn"
# 16 hex digits (64 bits): collisions among a site's few hundred resources are out of reach.
HASH_LENGTH = 16


def urn_hash(urn: str) -> str:
    return hashlib.sha256(urn.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def urn_tag(urn: str) -> str:
    """The Nova/Neutron tag of the resource with this URN: `hub-urn=<hash>`."""
    return f"{URN_KEY}={urn_hash(urn)}"


def hash_of_tag(tag: str) -> str | None:
    """The URN hash a tag carries, or None if it is not a hub URN tag."""
    key, sep, value = tag.partition("=")
    return value if sep and key == URN_KEY and len(value) == HASH_LENGTH else None
