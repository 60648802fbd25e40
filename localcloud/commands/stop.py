"""`scripts/local-cloud stop`: every service ended, in reverse order, and nothing left."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from localcloud import dataplane
from localcloud.commands.common import elsewhere, say
from localcloud.layout import Layout
from localcloud.processes import kill_strays, listening_ports, terminate
from localcloud.services import all_services


def cmd_stop(layout: Layout) -> int:
    # Read before the agents stop (they delete some of them on the way out).
    agent_namespaces = dataplane.neutron_namespaces(layout) if layout.data_plane else []
    # Reverse order: APIs and agents first, then Keystone, then the bus and the database.
    services = list(reversed(all_services(layout)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        front = [s for s in services if s.name not in {"keystone", "rabbitmq", "epmd", "mariadb"}]
        list(pool.map(lambda s: terminate(s, layout), front))
    for name in ("keystone", "rabbitmq", "epmd", "mariadb"):
        began = time.monotonic()
        terminate(next(s for s in services if s.name == name), layout, timeout=60)
        if time.monotonic() - began > 5:
            say(f"  {name} took {time.monotonic() - began:.0f} s to stop")
    strays = kill_strays(layout)
    if strays:
        say(f"ended {len(strays)} leftover process(es): {strays}")
    if layout.data_plane:
        kept = dataplane.teardown(layout, agent_namespaces)
        if kept:
            say(f"namespaces still present after stop: {kept}")
            return 1
    left = listening_ports()
    if left:
        say(f"ports still listening after stop: {left}")
        return 1
    say(f"stopped{elsewhere(layout)}")
    return 0
