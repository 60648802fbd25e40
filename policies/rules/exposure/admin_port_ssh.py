"""exposure-admin-port-ssh: SSH ports are reachable only from the site and the operators' VPN."""

from __future__ import annotations

from policies.rules.exposure.common import register_admin_port

register_admin_port(__name__, "ssh")
