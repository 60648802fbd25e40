"""Endpoints family: the URLs a provider talks to, and how it talks to them.

A provider's identity endpoint and its endpoint overrides, inline or from the clouds.yaml entry
`openstack:cloud` names, are judged by host: each must be served by an operator of the catalogue
headquartered in the EU, the one that runs the provider's region, or be a loopback address; and
loopback belongs to the local sites on the local cloud's regions only. Transport must not be
weakened: no plain http (except to loopback on the local cloud), no certificate check turned
off, no credentials inside a URL. A clouds.yaml entry that cannot be found or read fails
closed: the provider would be configured from settings no review saw.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.endpoints import (  # noqa: F401 - imported for their registrations
    catalogue_provider,
    loopback_local_only,
    transport_security,
    cloud_entry,
)
# isort: on
