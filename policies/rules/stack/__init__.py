"""Stack family: facts about the stack as a whole, read from its configuration.

The DR site and the replica region must be in another EU region than the site they protect,
and in another failure domain: not the same city (GRA9 and GRA11 are one Gravelines campus, one
outage takes both), not a failure domain the catalogue says they share. And the Pulumi state
and its secrets must stay under EU control: a Pulumi Cloud backend, AWS S3 without an EU
endpoint, or a US cloud KMS as secrets provider are refused.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.stack import (  # noqa: F401 - imported for their registrations
    dr_distinct_region,
    sovereign_backend,
    sovereign_secrets_provider,
    site_facts_decided_once,
    site_ranges_private,
    config_sources,
    environment,
)
# isort: on
