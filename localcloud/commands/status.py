"""`scripts/local-cloud status`: each service's state, the cloud's processes and namespaces."""

from __future__ import annotations

from localcloud import dataplane, netns
from localcloud.commands.common import elsewhere
from localcloud.layout import Layout
from localcloud.processes import healthy, instance_processes, is_running, read_pid
from localcloud.services import all_services


def cmd_status(layout: Layout) -> int:
    width = max(len(s.name) for s in all_services(layout))
    worst = 0
    for service in all_services(layout):
        pid = read_pid(service.pid_file(layout))
        if not is_running(service, layout):
            state, worst = "stopped", max(worst, 1)
        elif healthy(service):
            state = "running" if service.url is None and service.port is None else "healthy"
        else:
            state, worst = "not answering", max(worst, 1)
        where = service.url or (f"tcp 127.0.0.1:{service.port}" if service.port else "")
        print(f"{service.name:<{width}}  {state:<13}  pid {pid or '-':<7}  {where}")
    extra = set(instance_processes(layout))
    print(f"processes of the cloud: {len(extra)}")
    print(f"folder: {layout.state}{elsewhere(layout)}")
    if layout.data_plane:
        names = dataplane.namespaces(layout, dataplane.neutron_namespaces(layout))
        shown = " ".join(netns.path(n).name for n in names)
        print(f"data plane: {len(names)} namespace(s): {shown}")
    return worst
