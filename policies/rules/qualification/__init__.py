"""Qualification family: production health data belongs on a SecNumCloud-qualified offer.

One check, two rules (a parameterised pair), because CrossGuard's enforcement is per rule: the
same finding is mandatory wherever production health data lives, and advisory everywhere else
(staging), where an EU, HDS-certified offer is acceptable until it serves production.

Production health data lives on every provider of a production health-data site: its own
region and its replica region (a replica is a copy of production data, every day), and on the
site that protects a production site (its DR site holds the same data and takes over on
failover: policies.model.SiteFacts.production counts it as production). An earlier version made
the replica region and the DR site advisory; the shipped `dr` site and prod's replicas sat on
Public Cloud SBG5 under that reading, and now run on the pod's EU-WEST-SBG-SNC.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.qualification import (  # noqa: F401 - imported for their registrations
    secnumcloud_production,
    secnumcloud_advisory,
)
# isort: on
