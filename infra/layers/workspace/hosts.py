"""The analysis hosts: LUKS boot and data volumes, a port in the security group, an instance."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from infra.config import HubConfig, WorkspaceSpec
from infra.hardening import AdminUser, HardeningSettings, render_user_data
from infra.layers.base import LayerContext
from infra.layers.workspace.names import WorkspaceFacts
from infra.layers.workspace.network import WorkspaceNetwork
from infra.tiers import HostRole, Tier


@dataclass(frozen=True)
class Hosts:
    instances: list[openstack.compute.Instance]
    # Each host's boot and data volumes, in host order.
    volume_ids: list[pulumi.Output[str]]


def declare_hosts(
    owner: pulumi.ComponentResource,
    ws: LayerContext,
    facts: WorkspaceFacts,
    net: WorkspaceNetwork,
    security_group: openstack.networking.SecGroup,
) -> Hosts:
    """The analysis hosts (`workspace` hardening role): each boots from its own volume and
    works on a protected data volume, both LUKS, behind one port in the security group."""
    config, spec, name, metadata = facts.config, facts.spec, facts.name, facts.metadata
    instances: list[openstack.compute.Instance] = []
    volume_ids: list[pulumi.Output[str]] = []
    image = openstack.images.get_image_output(
        name=config.image,
        most_recent=True,
        opts=pulumi.InvokeOptions(provider=ws.provider),
    )
    role_tags = [*facts.tags, f"tier={Tier.WORKSPACE.value}", f"role={HostRole.WORKSPACE.value}"]
    for index in range(spec.size.count):
        host = name(str(index))
        boot = openstack.blockstorage.Volume(
            f"{host}-boot",
            name=f"{host}-boot",
            size=spec.size.boot_volume_gb,
            volume_type=config.volume_type,
            image_id=image.id,
            metadata={**metadata, "role": HostRole.WORKSPACE.value},
            opts=ws.opts(owner),
        )
        data = openstack.blockstorage.Volume(
            f"{host}-data",
            name=f"{host}-data",
            size=spec.size.volume_gb,
            volume_type=config.volume_type,
            description=f"Analysis volume of workspace {spec.id} (LUKS, keys in Barbican)",
            metadata={**metadata, "role": HostRole.WORKSPACE.value, "data": "true"},
            opts=ws.opts(owner, protect=config.protect),
        )
        volume_ids += [boot.id, data.id]
        host_port = openstack.networking.Port(
            host,
            name=host,
            network_id=net.network.id,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=net.subnet.id)],
            security_group_ids=[security_group.id],
            admin_state_up=True,
            tags=role_tags,
            opts=ws.opts(owner),
        )
        instance = openstack.compute.Instance(
            host,
            name=host,
            flavor_name=spec.size.flavor,
            networks=[openstack.compute.InstanceNetworkArgs(port=host_port.id)],
            block_devices=[
                openstack.compute.InstanceBlockDeviceArgs(
                    uuid=boot.id,
                    source_type="volume",
                    destination_type="volume",
                    boot_index=0,
                    delete_on_termination=False,
                ),
                openstack.compute.InstanceBlockDeviceArgs(
                    uuid=data.id,
                    source_type="volume",
                    destination_type="volume",
                    boot_index=-1,
                    delete_on_termination=False,
                ),
            ],
            user_data=data.id.apply(functools.partial(_user_data, config, spec)),
            config_drive=True,
            metadata={**metadata, "tier": Tier.WORKSPACE.value},
            tags=role_tags,
            opts=ws.opts(owner),
        )
        instances.append(instance)
    return Hosts(instances=instances, volume_ids=volume_ids)


def _user_data(config: HubConfig, spec: WorkspaceSpec, data_volume_id: str) -> str:
    settings = HardeningSettings(
        ntp_servers=config.ntp_servers,
        analyst_users=[
            AdminUser(name=member.id, ssh_public_key=member.ssh_public_key)
            for member in spec.members
        ],
        apt_proxy=config.apt_proxy,
        data_volume_device=f"/dev/disk/by-id/virtio-{data_volume_id[:20]}",
        data_mount_point="/srv/workspace",
    )
    return render_user_data(HostRole.WORKSPACE, settings)
