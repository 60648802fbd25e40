"""ML2 mechanism driver of the local cloud: binds every port, with no agent and no data plane.

The local cloud runs Neutron without any L2 agent (there is no Open vSwitch, no DHCP, no L3 data
plane). Every mechanism driver that Neutron ships refuses to bind a port whose host has no live
agent, so Nova would fail every boot with "binding failed". This driver accepts the first segment
offered for any host and reports the port as an Open vSwitch port that is already ACTIVE, which is
all the control plane needs for servers to reach ACTIVE with Nova's fake driver.

It is loaded by neutron-server (Debian's python3) through the entry point declared in the
dist-info folder beside this file; scripts/local-cloud puts this folder on neutron-server's
PYTHONPATH, so nothing is installed into the system's site-packages.
"""

from __future__ import annotations

from typing import Any

from neutron_lib import constants  # type: ignore[import-not-found]
from neutron_lib.api.definitions import portbindings  # type: ignore[import-not-found]
from neutron_lib.plugins.ml2 import api  # type: ignore[import-not-found]


class BindAllMechanismDriver(api.MechanismDriver):  # type: ignore[misc]
    """Bind every port on its first segment, as an OVS port that is ACTIVE at once."""

    # Port-binding details Nova reads for an OVS port; port_filter and hybrid plug are off
    # because nothing filters or plugs anything here.
    _VIF_DETAILS: dict[str, Any] = {  # noqa: RUF012  (read-only, shared on purpose)
        portbindings.CAP_PORT_FILTER: False,
        portbindings.OVS_HYBRID_PLUG: False,
        portbindings.VIF_DETAILS_CONNECTIVITY: portbindings.CONNECTIVITY_L2,
    }

    def initialize(self) -> None:
        """Nothing to set up: the driver keeps no state."""

    @property
    def connectivity(self) -> str:
        return str(portbindings.CONNECTIVITY_L2)

    def bind_port(self, context: Any) -> None:
        """Bind the port on the first segment it may use, whatever its type and host."""
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                dict(self._VIF_DETAILS),
                status=constants.PORT_STATUS_ACTIVE,
            )
            return
