"""The one table of layers as hubctl runs them: for each layer kind of the program
(infra.kinds: its stack name, component, exports and the layers it reads), what hubctl needs
besides: the resource types its stacks make (the census lists them, the reconciler looks for
their pending creates), its part of `hubctl up`'s summary, the hosts it runs, what a drill
checks of its rebuilt stack, and what hubctl does before and after destroying it.

Every field is required, so a layer added to infra/kinds.py without its row here, or a row
that leaves one out, fails at import; tests/unit/test_layers.py walks the table against the
program's kinds, the synthesised stacks and the stack files of every site.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.table import Table

from hubcore.resource_types import (
    CONTAINER,
    INSTANCE,
    KEY_CONTAINER,
    KEYPAIR,
    NETWORK,
    ORDER,
    PORT,
    PROJECT,
    ROLE_ASSIGNMENT,
    ROUTER,
    ROUTER_INTERFACE,
    ROUTER_ROUTE,
    SECRET,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SERVER_GROUP,
    STACK_REFERENCE,
    SUBNET,
    SUBNET_ROUTE,
    TLS_CERT_REQUEST,
    TLS_LOCALLY_SIGNED_CERT,
    TLS_PRIVATE_KEY,
    TLS_SELF_SIGNED_CERT,
    USER,
    VOLUME,
)
from hubcore.stacks import Layer
from hubctl.cloud import RebuiltSite
from hubctl.drill import verify as drill_verify
from hubctl.drill.model import Check, RestoredContainer
from hubctl.outputs import containers_table, host_names, hosts_table, keys_table
from infra.kinds import LayerKind, kind_of

if TYPE_CHECKING:
    from hubctl.cloud import SiteCloud
    from hubctl.cloud.api import Project
    from infra.config import HubConfig

# A layer's part of the summary: tables from its outputs and the hosts' addresses.
Summary = Callable[[str, Mapping[str, Any], Mapping[str, str]], Table]
# The hosts a layer runs, by name, from its outputs.
Hosts = Callable[[Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class Rebuilt:
    """What a drill knows of the site it rebuilt, besides a layer's outputs."""

    site: str
    restored: list[RestoredContainer]


# A drill's checks of a rebuilt layer: (the DR site read back, the layer's outputs, the site).
Verify = Callable[[RebuiltSite, Mapping[str, Any], Rebuilt], list[Check]]


@dataclass(frozen=True)
class Destroy:
    """What a layer's destroy hooks are given (hubctl.deploy.SiteDeployer, `hubctl down`)."""

    site: str
    config: HubConfig  # the layer's validated config
    cloud: SiteCloud  # the site's project; `in_region` reaches its replica region
    unprotect: bool  # `--unprotect`: a protected site's data may go too
    resources: Callable[[], list[dict[str, Any]]]  # the stack's state, read when asked
    write: Callable[[str], None]  # a line of the layer's log


# Before or after a layer's stack is destroyed.
DestroyHook = Callable[[Destroy], None]


def empty_versioned_containers(destroy: Destroy) -> None:
    """A versioned container (datasets, key escrow) keeps every old version of its objects,
    and Swift refuses to delete a container that holds any: on a site whose data may go (not
    protected, or --unprotect), delete them before the destroy. A protected site's containers
    are kept by the destroy anyway (protect, retain_on_delete)."""
    from hubctl.cloud import empty_container

    if destroy.config.protect and not destroy.unprotect:
        return
    cloud = destroy.cloud
    for resource in destroy.resources():
        outputs = resource.get("outputs") or {}
        if resource.get("type") != CONTAINER or not outputs.get("versioning"):
            continue
        region = str(outputs.get("region") or cloud.region)
        deleted = empty_container(cloud.in_region(region).connect(), str(outputs["name"]))
        destroy.write(f"hubctl: emptied {outputs['name']} ({region}): {deleted} object version(s)")


def forget_keys(
    site: str, config: HubConfig | None, primary: Project, replica: Project | None
) -> tuple[int, int]:
    """Delete the keys a destroyed kms layer's orders generated: the dataset keys in the site's
    region, the escrow KEK (named from the kms layer's `config`) in the replica region (its
    order runs there, and that region's key manager keeps the key). (dataset keys, escrow
    keys) deleted."""
    keys = primary.delete_generated_keys(site)
    if replica is None or config is None:
        return keys, 0
    from infra.layers.kms import escrow_kek_name

    return keys, replica.delete_generated_keys(site, exact=escrow_kek_name(config))


def forget_generated_keys(destroy: Destroy) -> None:
    """Destroying a Barbican order keeps the key it generated: delete those keys too, but only
    on a site whose data is not protected (the local sites). A protected site keeps them on
    purpose (retain_on_delete): its data would be unreadable without them."""
    config = destroy.config
    if config.protect:
        return
    cloud = destroy.cloud
    replica = cloud.in_region(config.replica_region) if config.replica_region else None
    keys, keks = forget_keys(
        destroy.site,
        config,
        cloud.project_api(),
        replica.project_api() if replica is not None else None,
    )
    destroy.write(
        f"deleted {keys} dataset key(s) and {keks} escrow key(s) the destroyed orders made"
    )


@dataclass(frozen=True)
class HubLayer:
    layer: Layer
    # The resource types its stacks make (hubcore.resource_types).
    types: frozenset[str]
    summary: Summary | None
    hosts: Hosts | None
    # What a drill checks of its rebuilt stack through the cloud (hubctl.drill.verify).
    verify: Verify | None
    before_destroy: DestroyHook | None
    after_destroy: DestroyHook | None

    @property
    def kind(self) -> LayerKind:
        """The program's side of the layer: component, exports, reads, stack naming."""
        return kind_of(self.layer)


_TLS = frozenset({TLS_PRIVATE_KEY, TLS_CERT_REQUEST, TLS_SELF_SIGNED_CERT, TLS_LOCALLY_SIGNED_CERT})

HUB_LAYERS: tuple[HubLayer, ...] = (
    HubLayer(
        Layer.NETWORK,
        types=frozenset(
            {
                NETWORK,
                SUBNET,
                SUBNET_ROUTE,
                ROUTER,
                ROUTER_INTERFACE,
                PORT,
                SECURITY_GROUP,
                SECURITY_GROUP_RULE,
            }
        ),
        summary=None,
        hosts=None,
        verify=lambda cloud, outputs, rebuilt: drill_verify.check_network(cloud, outputs),
        before_destroy=None,
        after_destroy=None,
    ),
    HubLayer(
        Layer.KMS,
        types=frozenset({SECRET, KEY_CONTAINER, ORDER, *_TLS}),
        summary=keys_table,
        hosts=None,
        verify=lambda cloud, outputs, rebuilt: drill_verify.check_kms(cloud, outputs),
        before_destroy=None,
        after_destroy=forget_generated_keys,
    ),
    HubLayer(
        Layer.STORAGE,
        types=frozenset({CONTAINER, STACK_REFERENCE}),
        summary=containers_table,
        hosts=None,
        verify=lambda cloud, outputs, rebuilt: drill_verify.check_storage(
            cloud, outputs, rebuilt.restored
        ),
        before_destroy=empty_versioned_containers,
        after_destroy=None,
    ),
    HubLayer(
        Layer.COMPUTE,
        types=frozenset(
            {INSTANCE, VOLUME, PORT, KEYPAIR, SERVER_GROUP, STACK_REFERENCE, TLS_PRIVATE_KEY}
        ),
        summary=hosts_table,
        hosts=host_names,
        verify=lambda cloud, outputs, rebuilt: drill_verify.check_compute(
            cloud, outputs, rebuilt.site
        ),
        before_destroy=None,
        after_destroy=None,
    ),
    HubLayer(
        Layer.WORKSPACE,
        types=frozenset(
            {
                NETWORK,
                SUBNET,
                SUBNET_ROUTE,
                ROUTER_ROUTE,
                ROUTER,
                ROUTER_INTERFACE,
                PORT,
                SECURITY_GROUP,
                SECURITY_GROUP_RULE,
                INSTANCE,
                VOLUME,
                ORDER,
                CONTAINER,
                PROJECT,
                USER,
                ROLE_ASSIGNMENT,
                STACK_REFERENCE,
            }
        ),
        # A workspace is opened, listed and closed by `hubctl workspace`, never by `up`, `down`
        # or a drill: none of the site's summary, drill checks or destroy hooks apply.
        summary=None,
        hosts=None,
        verify=None,
        before_destroy=None,
        after_destroy=None,
    ),
)
_BY_LAYER = {entry.layer: entry for entry in HUB_LAYERS}


def hub_layer(layer: Layer) -> HubLayer:
    return _BY_LAYER[layer]


def summary(
    site: str, outputs: Mapping[Layer, Mapping[str, Any]], host_addresses: Mapping[str, str]
) -> list[Table]:
    """`hubctl up`'s summary of a site: each layer's tables, from its outputs; the layers built
    last first (the hosts a person reaches, then what they rest on)."""
    return [
        entry.summary(site, outputs.get(entry.layer, {}), host_addresses)
        for entry in reversed(HUB_LAYERS)
        if entry.summary is not None
    ]


def hosts_layer() -> Layer:
    """The layer whose stacks run the site's hosts: what their first boot, `hubctl verify` and
    the drill's host phases read. One layer does, by the table's `hosts`."""
    found = [entry.layer for entry in HUB_LAYERS if entry.hosts is not None]
    if len(found) != 1:
        raise LookupError(f"hubctl/layers.py: one layer runs the hosts, not {len(found)}: {found}")
    return found[0]


def host_names_of(outputs: Mapping[Layer, Mapping[str, Any]]) -> list[str]:
    """Every host of the site's layers, by name."""
    return [
        name
        for entry in HUB_LAYERS
        if entry.hosts is not None
        for name in entry.hosts(outputs.get(entry.layer, {}) or {})
    ]
