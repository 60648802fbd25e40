"""Region family: where resources run and which identity service they authenticate against.

Every rule fails closed: a region the catalogue does not know is a violation (it cannot be shown
to be in the EU), and so is one the pack cannot read (a secret offline, an unknown from config).
A region is judged exactly as the provider will send it: ` gra11` is not GRA11 (OpenStack region
names are case-sensitive), so a spelling the catalogue does not list is refused, with the code
to write instead. Every message names the nearest region the hub may use.

Other clouds are judged too (`region-foreign-cloud`): a provider of aws, azure-native, gcp...
must reach an operator headquartered in the EU, in a region of that operator the catalogue
lists. An EU region of a US-headquartered cloud (AWS eu-west-3, Azure francecentral, Google
europe-west9) fails: sovereignty is the operator's law, not the data centre's address.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.region import (  # noqa: F401 - imported for their registrations
    eu_only,
    identity_endpoint_eu,
    foreign_cloud,
)
# isort: on
