"""Compute layer: bastion, app and data hosts, hardened at first boot.

Each role has a server group with anti-affinity (a host failure takes at most one member), boots
from a volume on an encrypted (LUKS) type where the region offers one, gets its ports in its own
tier's subnet and security group (read from the network stack), and receives the hardening
user data of infra.hardening. No instance gets an admin password: access is by SSH key, made
with pulumi-tls (ECDSA P-256, accepted by ANSSI's SSH guide), through the bastion.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import pulumi
import pulumi_openstack as openstack
import pulumi_tls as tls

from hubcore.stacks import Layer
from infra.config import HubConfig
from infra.hardening import AdminUser, HardeningSettings, render_user_data
from infra.layers.base import LayerContext, LayerExports, Upstream
from infra.layers.kms import KmsExports
from infra.layers.network import NetworkExports
from infra.tiers import ROLE_TIER, SITE_ROLES, HostRole

ADMIN_USER = "hubadmin"


class ComputeExports(LayerExports):
    layer: ClassVar[Layer] = Layer.COMPUTE

    instances: dict[str, list[str]]
    server_groups: dict[str, str]
    keypair: str

    @classmethod
    def placeholder(cls, config: HubConfig) -> dict[str, Any]:
        return {
            "instances": {
                role.value: [
                    f"hub-{config.site}-{role.value}-{i}"
                    for i in range(config.sizes.of(role).count)
                ]
                for role in SITE_ROLES
            },
            "server_groups": {role.value: f"hub-{config.site}-{role.value}" for role in SITE_ROLES},
            "keypair": f"hub-{config.site}-admin",
        }


class ComputeLayer(pulumi.ComponentResource):
    def __init__(
        self,
        context: LayerContext,
        upstream: Upstream,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        network = upstream.of(NetworkExports)
        kms = upstream.of(KmsExports)
        config = context.config
        super().__init__("hub:layers:Compute", context.name("compute"), None, opts)
        region = config.region
        volume_type = config.volume_type

        self.admin_key = tls.PrivateKey(
            context.name("admin-ssh"),
            algorithm="ECDSA",
            ecdsa_curve="P256",
            opts=context.tls_opts(self),
        )
        self.keypair = openstack.compute.Keypair(
            context.name("admin"),
            name=context.name("admin"),
            public_key=self.admin_key.public_key_openssh,
            opts=context.opts(self),
        )
        image = openstack.images.get_image_output(
            name=config.image,
            most_recent=True,
            opts=pulumi.InvokeOptions(provider=context.provider),
        )

        self.server_groups: dict[HostRole, openstack.compute.ServerGroup] = {}
        self.instances: dict[HostRole, list[openstack.compute.Instance]] = {}
        for role in SITE_ROLES:
            size = config.sizes.of(role)
            tier = ROLE_TIER[role].value
            group = openstack.compute.ServerGroup(
                context.name(role.value),
                name=context.name(role.value),
                policies="anti-affinity",
                opts=context.opts(self),
            )
            self.server_groups[role] = group
            self.instances[role] = []
            for index in range(size.count):
                host = context.name(role.value, str(index))
                metadata = context.metadata_for(
                    self,
                    openstack.compute.Instance,
                    host,
                    {
                        "tier": tier,
                        "role": role.value,
                        "ca-cert-ref": kms.apply(lambda k: k.ca_cert_ref),
                    },
                )
                boot = openstack.blockstorage.Volume(
                    f"{host}-boot",
                    name=f"{host}-boot",
                    size=size.boot_volume_gb,
                    volume_type=volume_type,
                    image_id=image.id,
                    metadata=context.metadata_for(
                        self, openstack.blockstorage.Volume, f"{host}-boot", {"role": role.value}
                    ),
                    opts=context.opts(self),
                )
                block_devices: list[pulumi.Input[openstack.compute.InstanceBlockDeviceArgs]] = [
                    openstack.compute.InstanceBlockDeviceArgs(
                        uuid=boot.id,
                        source_type="volume",
                        destination_type="volume",
                        boot_index=0,
                        delete_on_termination=False,
                    )
                ]
                data_volume_id: pulumi.Input[str | None] = None
                if role is HostRole.DATA and size.data_volume_gb:
                    data_volume = openstack.blockstorage.Volume(
                        f"{host}-data",
                        name=f"{host}-data",
                        size=size.data_volume_gb,
                        volume_type=volume_type,
                        description="Health data volume (LUKS, keys in Barbican)",
                        metadata=context.metadata_for(
                            self,
                            openstack.blockstorage.Volume,
                            f"{host}-data",
                            {"role": role.value, "data": "true"},
                        ),
                        opts=context.data_opts(self),
                    )
                    # Attached at boot, not afterwards: cloud-init formats and mounts it on the
                    # first boot, which a later attachment could miss.
                    block_devices.append(
                        openstack.compute.InstanceBlockDeviceArgs(
                            uuid=data_volume.id,
                            source_type="volume",
                            destination_type="volume",
                            boot_index=-1,
                            delete_on_termination=False,
                        )
                    )
                    data_volume_id = data_volume.id
                user_data = pulumi.Output.all(
                    self.admin_key.public_key_openssh, data_volume_id
                ).apply(functools.partial(_user_data, config, role))
                port = openstack.networking.Port(
                    host,
                    name=host,
                    network_id=network.apply(lambda n: n.network_id),
                    fixed_ips=[
                        openstack.networking.PortFixedIpArgs(
                            subnet_id=network.apply(functools.partial(_subnet_of, tier))
                        )
                    ],
                    security_group_ids=[network.apply(functools.partial(_group_of, tier))],
                    admin_state_up=True,
                    tags=context.tags_for(self, openstack.networking.Port, host, f"tier={tier}"),
                    opts=context.opts(self),
                )
                instance = openstack.compute.Instance(
                    host,
                    name=host,
                    flavor_name=size.flavor,
                    key_pair=self.keypair.name,
                    networks=[{"port": port.id}],
                    block_devices=block_devices,
                    scheduler_hints=[{"group": group.id}],
                    user_data=user_data,
                    config_drive=True,
                    metadata=metadata,
                    tags=context.tags_for(
                        self, openstack.compute.Instance, host, f"tier={tier}", f"role={role.value}"
                    ),
                    opts=context.opts(self),
                )
                self.instances[role].append(instance)
        if not region.luks_volume_types:
            pulumi.log.warn(
                f"region {region.code} lists no LUKS volume type: volumes use {volume_type!r}",
                self,
            )

        self.exports = pulumi.Output.all(
            instances={r.value: [i.name for i in lst] for r, lst in self.instances.items()},
            server_groups={r.value: g.name for r, g in self.server_groups.items()},
            keypair=self.keypair.name,
        )
        # The administrators' SSH key, for `hubctl verify` and the `ssh -J` line of `hubctl up`:
        # the one way in, through the bastion (a secret output, never printed).
        self.secret_exports = {"admin_private_key": self.admin_key.private_key_openssh}
        self.register_outputs({"exports": self.exports})


def host_settings(
    config: HubConfig, public_key: str, data_volume_id: str | None = None
) -> HardeningSettings:
    """The hardening settings a host of the site boots with (and `hubctl verify` checks)."""
    extra = {}
    if data_volume_id:
        # The guest names a virtio disk after the first 20 characters of the volume id, so the
        # data volume is found whatever order the disks (and the config drive) come in.
        extra["data_volume_device"] = f"/dev/disk/by-id/virtio-{data_volume_id[:20]}"
    return HardeningSettings(
        ntp_servers=config.ntp_servers,
        admin_users=[AdminUser(name=ADMIN_USER, ssh_public_key=public_key)],
        apt_proxy=config.apt_proxy,
        **extra,
    )


def _user_data(config: HubConfig, role: HostRole, values: list[str | None]) -> str:
    public_key, data_volume_id = values
    return render_user_data(role, host_settings(config, str(public_key), data_volume_id))


def _subnet_of(tier: str, network: NetworkExports) -> str:
    return network.subnet_ids[tier]


def _group_of(tier: str, network: NetworkExports) -> str:
    return network.security_group_ids[tier]
