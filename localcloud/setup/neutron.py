"""Neutron: its configs (the hypervisor namespace's agents' with the data plane), schema, the
external network and Neutron's quotas."""

from __future__ import annotations

from collections.abc import Callable

from localcloud.layout import Layout, render
from localcloud.rest import Session
from localcloud.setup.common import run

DATABASES = ("neutron",)
NETWORK = ("neutron", "network", "http://127.0.0.1:9696")

EXT_NET = "Ext-Net"
EXT_CIDR = "203.0.113.0/24"  # TEST-NET-3 (RFC 5737): an API object only, nothing routes there.
NEUTRON_QUOTA = {
    "network": 20,
    "subnet": 40,
    "port": 300,
    "router": 10,
    "floatingip": 30,
    "security_group": 30,
    "security_group_rule": 300,
}


def configure(layout: Layout, values: dict[str, str]) -> None:
    etc = layout.etc
    render("neutron.conf", etc / "neutron" / "neutron.conf", values)
    plane = "dataplane/" if layout.data_plane else ""
    render(f"{plane}ml2_conf.ini", etc / "neutron" / "ml2_conf.ini", values)
    render("neutron-policy.yaml", etc / "neutron" / "policy.yaml", values)
    if layout.data_plane:
        # The hypervisor namespace's agents (localcloud/templates/dataplane).
        for name in (
            "neutron-dataplane.conf",
            "linuxbridge_agent.ini",
            "dhcp_agent.ini",
            "dnsmasq.conf",
            "l3_agent.ini",
        ):
            render(f"dataplane/{name}", etc / "neutron" / name, values)
        (layout.log / "dnsmasq").mkdir(parents=True, exist_ok=True)
    for folder in ("neutron", "lock/neutron"):
        (layout.state / folder).mkdir(parents=True, exist_ok=True)


def schema_steps(layout: Layout, secret: dict[str, str]) -> dict[str, Callable[[], None]]:
    etc = layout.etc
    return {
        "schema-neutron": lambda: run(
            layout,
            [
                "neutron-db-manage",
                "--config-file",
                str(etc / "neutron" / "neutron.conf"),
                "--config-file",
                str(etc / "neutron" / "ml2_conf.ini"),
                "upgrade",
                "heads",
            ],
            "neutron",
        ),
    }


def seed(admin: Session, layout: Layout) -> None:
    """The external network and its subnet (API objects only)."""
    neutron = admin.endpoint("network")
    nets = admin.get(f"{neutron}/v2.0/networks?name={EXT_NET}")["networks"]
    if nets:
        net_id = nets[0]["id"]
    else:
        net_id = admin.post(
            f"{neutron}/v2.0/networks",
            {
                "network": {
                    "name": EXT_NET,
                    "router:external": True,
                    "shared": False,
                    "provider:network_type": "flat",
                    "provider:physical_network": "public",
                    "description": "external network (API object only: nothing routes here)",
                }
            },
        )["network"]["id"]
    if not admin.get(f"{neutron}/v2.0/subnets?network_id={net_id}")["subnets"]:
        admin.post(
            f"{neutron}/v2.0/subnets",
            {
                "subnet": {
                    "name": f"{EXT_NET}-subnet",
                    "network_id": net_id,
                    "ip_version": 4,
                    "cidr": EXT_CIDR,
                    "gateway_ip": "203.0.113.1",
                    "enable_dhcp": False,
                    "allocation_pools": [{"start": "203.0.113.10", "end": "203.0.113.250"}],
                }
            },
        )


def quota(admin: Session, project_id: str) -> None:
    admin.put(f"{admin.endpoint('network')}/v2.0/quotas/{project_id}", {"quota": NEUTRON_QUOTA})
