"""Object-storage layer: private Swift containers for datasets, audit logs, backups and state.

Nothing here is world-readable: no container sets a read or write ACL, so only the project's own
credentials reach them. Every container says its data classification in its metadata, and each
dataset container names the Barbican key (from the KMS stack) its objects are encrypted with.
Datasets, audit logs and backups get a twin in the site's replica region (its DR region), which
the DR drill restores from.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi_openstack as openstack

from hubcore.stacks import Layer
from infra.config import HubConfig
from infra.layers.base import LayerContext, LayerExports, Upstream
from infra.layers.kms import KmsExports
from infra.providers import replica_provider


class StorageExports(LayerExports):
    layer: ClassVar[Layer] = Layer.STORAGE

    containers: dict[str, str]
    replica_containers: dict[str, str]
    replica_region: str | None = None  # a stack output of None is dropped on the way
    # Escrow blobs and custodians' shares of the dataset keys, in the replica region only.
    escrow_container: str | None = None

    @classmethod
    def placeholder(cls, config: HubConfig) -> dict[str, Any]:
        names = container_names(config)
        return {
            "containers": names,
            "replica_containers": {k: f"{v}-replica" for k, v in names.items()}
            if config.replica_region
            else {},
            "replica_region": config.replica_region,
            "escrow_container": escrow_container_name(config) if keeps_escrow(config) else None,
        }


def keeps_escrow(config: HubConfig) -> bool:
    return config.replica_region is not None and (
        config.key_escrow or config.key_custodians is not None
    )


def escrow_container_name(config: HubConfig) -> str:
    return f"hub-{config.site}-key-escrow"


def container_names(config: HubConfig) -> dict[str, str]:
    prefix = f"hub-{config.site}"
    names = {f"dataset-{d}": f"{prefix}-dataset-{d}" for d in config.datasets}
    names.update(
        {
            "audit-logs": f"{prefix}-audit-logs",
            "backups": f"{prefix}-backups",
            "pulumi-state": f"{prefix}-pulumi-state",
        }
    )
    return names


# Containers whose history matters: an overwritten dataset or audit record must stay recoverable.
VERSIONED = ("dataset-", "audit-logs", "pulumi-state")
# Containers the DR site needs a copy of. The Pulumi state is not replicated on purpose: the
# drill's "state lost" scenario rebuilds from code alone.
REPLICATED = ("dataset-", "audit-logs", "backups")


class StorageLayer(pulumi.ComponentResource):
    def __init__(
        self,
        context: LayerContext,
        upstream: Upstream,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        kms = upstream.of(KmsExports)
        config = context.config
        replica = replica_provider(config)
        super().__init__("hub:layers:Storage", context.name("storage"), None, opts)
        self.containers: dict[str, openstack.objectstorage.Container] = {}
        self.replicas: dict[str, openstack.objectstorage.Container] = {}

        for purpose, name in container_names(config).items():
            metadata = self._metadata(context, purpose, kms)
            versioned = purpose.startswith(VERSIONED)
            self.containers[purpose] = openstack.objectstorage.Container(
                context.name(purpose),
                name=name,
                versioning=versioned,
                metadata=context.metadata_for(
                    self, openstack.objectstorage.Container, context.name(purpose), metadata
                ),
                opts=context.data_opts(self),
            )
            if replica is not None and purpose.startswith(REPLICATED):
                self.replicas[purpose] = openstack.objectstorage.Container(
                    context.name(purpose, "replica"),
                    name=f"{name}-replica",
                    versioning=versioned,
                    metadata=context.metadata_for(
                        self,
                        openstack.objectstorage.Container,
                        context.name(purpose, "replica"),
                        metadata.apply(lambda m: {**m, "replica-of": config.region.code}),
                    ),
                    opts=pulumi.ResourceOptions(
                        parent=self,
                        provider=replica,
                        protect=config.protect,
                        retain_on_delete=config.protect,
                    ),
                )

        # Dataset keys' escrow blobs and custodians' shares: only in the replica region, where a
        # loss of the primary region leaves them; versioned, so a mistaken overwrite or delete
        # loses no key (shredding deletes every version).
        self.escrow = (
            openstack.objectstorage.Container(
                context.name("key-escrow"),
                name=escrow_container_name(config),
                versioning=True,
                metadata=context.metadata_for(
                    self,
                    openstack.objectstorage.Container,
                    context.name("key-escrow"),
                    {**context.metadata, "purpose": "key-escrow", "escrow-of": config.region.code},
                ),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    provider=replica,
                    protect=config.protect,
                    retain_on_delete=config.protect,
                ),
            )
            if replica is not None and keeps_escrow(config)
            else None
        )

        self.exports = pulumi.Output.all(
            containers={p: c.name for p, c in self.containers.items()},
            replica_containers={p: c.name for p, c in self.replicas.items()},
            escrow_container=self.escrow.name if self.escrow else None,
        ).apply(lambda values: {**values, "replica_region": config.replica_region})
        self.register_outputs({"exports": self.exports})

    @staticmethod
    def _metadata(
        context: LayerContext, purpose: str, kms: pulumi.Output[KmsExports]
    ) -> pulumi.Output[dict[str, str]]:
        base = {**context.metadata, "purpose": purpose}
        if not purpose.startswith("dataset-"):
            return pulumi.Output.from_input(base)
        dataset = purpose.removeprefix("dataset-")
        return kms.apply(lambda k: {**base, "data-key-ref": k.dataset_key_refs[dataset]})
