"""A project's servers (Nova) through openstacksdk, as hubctl.cloud.api.Hosts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubctl.cloud.api import Fault, Host
from hubctl.cloud.openstack.faults import fault_of


@dataclass(frozen=True)
class OpenStackHosts:
    conn: Any

    def find(self, name: str) -> Host | None:
        # Nova's name filter is a regular expression: anchored, it matches the name alone.
        for server in self.conn.compute.servers(name=f"^{name}$"):
            fault = (server.fault or {}).get("message", "") if server.fault else ""
            return Host(
                id=str(server.id), name=str(server.name), status=str(server.status), fault=fault
            )
        return None

    def start(self, host: Host) -> None:
        self.conn.compute.start_server(host.id)

    def console(self, host: Host) -> str | None:
        # Nova says ACTIVE for a while after its hypervisor lost the guest (a restart under it),
        # until its power-state sync finds the guest off and reports SHUTOFF; until then it
        # answers a console request with a 404.
        try:
            return str(self.conn.compute.get_server_console_output(host.id)["output"] or "")
        except Exception as error:
            if fault_of(error)[0] is Fault.NOT_FOUND:
                return None
            raise
