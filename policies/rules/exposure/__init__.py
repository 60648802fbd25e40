"""Exposure family: what the outside world can reach, judged as Neutron and Octavia enforce it.

Only HTTPS into the ingress tier may come from beyond the site's own ranges (the site network
and the operators' CIDRs, hub:networkCidr and hub:adminCidrs); only HTTPS may leave for beyond
them, and never from the data tier; administration ports (SSH, RDP, databases) are reachable
from those ranges only; floating IPs stay off the data and admin tiers; no host of the app,
data or admin tier sits on the external network; every port is filtered (port security on, no
group that keeps Neutron's default rules); load-balancer listeners open only HTTPS to the world.

Rules are read as Neutron reads them (policies/neutron.py): every protocol and port spelling it
accepts, and a rule it would refuse is a violation. Address sets are judged by coverage, so a
world split into prefixes is still the world, and security groups are judged together per
port: a port carrying the ingress group gets its world HTTPS, whatever its other tier.

A resource's tier is the union of what says it: its own `tier` tag, the tier tags of its
security groups and of its subnets. A resource whose tier cannot be found fails closed.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.exposure import (  # noqa: F401 - imported for their registrations
    world_ingress,
    world_egress,
    floating_ip_tier,
    port_security_disabled,
    default_security_group,
    external_network_host,
    load_balancer_listener,
    admin_port_ssh,
    admin_port_rdp,
    admin_port_database,
    allowed_address_pairs,
    load_balancer_member,
    subnet_in_site_range,
)
# isort: on
