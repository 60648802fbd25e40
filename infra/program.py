"""The Pulumi program: one layer per stack, chosen by the stack's name (<site>-<layer>).

The same function runs under the real engine (`pulumi up`, via __main__.py) and in-process under
mocks (`hubctl synth` / `hubctl check`). The whole configuration is validated before the first
resource is declared, so a bad value registers nothing.
"""

from __future__ import annotations

import functools

import pulumi
import pulumi_openstack as openstack
import pulumi_tls as tls
from pulumi.runtime import config as runtime_config

from infra.catalogue import load_catalogue
from infra.config import (
    ConfigError,
    ConfigValue,
    HubConfig,
    Layer,
    Location,
    load_layered_config,
    stack_file,
    validate_config,
)
from infra.layers.base import LayerContext, read_exports
from infra.layers.compute import ComputeLayer
from infra.layers.kms import KmsExports, KmsLayer
from infra.layers.network import NetworkExports, NetworkLayer
from infra.layers.storage import StorageLayer


def engine_config(stack: str) -> dict[str, ConfigValue]:
    """The layered config when the engine runs us: site defaults, then the engine's config.

    The engine has already merged the stack file and any `-c` values; it tells which are secret.
    """
    values = load_layered_config(stack)
    for key, text in runtime_config.CONFIG.get().items():
        location = values[key].location if key in values else Location(str(stack_file(stack)))
        values[key] = ConfigValue(text, runtime_config.is_config_secret(key), location)
    return values


# The OpenStack provider that each region key of the config configures.
REGION_KEY_PROVIDERS = {"openstack:region": "openstack", "hub:replicaRegion": "openstack-replica"}


def make_provider(config: HubConfig, name: str, region: str) -> openstack.Provider:
    """An explicit provider: region and endpoint from config; credentials from OS_*/clouds.yaml."""
    auth_url: pulumi.Input[str] | None = config.auth_url
    if config.auth_url is not None and config.is_secret("openstack:authUrl"):
        auth_url = pulumi.Output.secret(config.auth_url)
    elif auth_url is None and config.cloud is None:
        auth_url = load_catalogue().lookup(region).identity_endpoint  # type: ignore[union-attr]
    return openstack.Provider(
        name,
        region=region,
        auth_url=auth_url,
        cloud=config.cloud,
        insecure=config.insecure or None,
    )


def declare(config: HubConfig) -> pulumi.Resource:
    """Declare the stack's layer and export its outputs."""
    provider = make_provider(config, REGION_KEY_PROVIDERS["openstack:region"], config.region_name)
    tls_provider = tls.Provider("tls")
    context = LayerContext(config=config, provider=provider, tls_provider=tls_provider)
    component: NetworkLayer | KmsLayer | StorageLayer | ComputeLayer
    if config.layer is Layer.NETWORK:
        component = NetworkLayer(context)
    elif config.layer is Layer.KMS:
        component = KmsLayer(context)
    elif config.layer is Layer.STORAGE:
        replica = (
            make_provider(config, REGION_KEY_PROVIDERS["hub:replicaRegion"], config.replica_region)
            if config.replica_region
            else None
        )
        component = StorageLayer(context, read_exports(config, KmsExports), replica)
    else:
        component = ComputeLayer(
            context,
            read_exports(config, NetworkExports),
            read_exports(config, KmsExports),
        )
    for key, value in _exports_dict(component).items():
        pulumi.export(key, value)
    pulumi.export("site", config.site)
    pulumi.export("layer", config.layer.value)
    pulumi.export("region", config.region.code)
    return component


def _exports_dict(component: pulumi.ComponentResource) -> dict[str, pulumi.Output[object]]:
    exports: pulumi.Output[dict[str, object]] = component.exports  # type: ignore[attr-defined]
    keys = {
        NetworkLayer: (
            "network_id",
            "subnet_ids",
            "subnet_cidrs",
            "security_group_ids",
            "security_group_names",
        ),
        KmsLayer: ("dataset_key_refs", "ca_cert_pem", "ca_cert_ref", "service_container_refs"),
        StorageLayer: ("containers", "replica_containers", "replica_region"),
        ComputeLayer: ("instances", "server_groups", "keypair"),
    }[type(component)]
    return {key: exports.apply(functools.partial(_item, key)) for key in keys}


def _item(key: str, exports: dict[str, object]) -> object:
    return exports[key]


def main(values: dict[str, ConfigValue] | None = None) -> None:
    stack = pulumi.get_stack()
    try:
        config = validate_config(stack, values if values is not None else engine_config(stack))
    except ConfigError as error:
        # RunError: the engine prints the message alone, without a Python traceback.
        raise pulumi.RunError(str(error)) from error
    declare(config)
