"""The census and its deletion of orphans among look-alikes, offline.

A stand-in OpenStack project holds the objects of the site `local` next to those of the site
`local-dr`, which shares the project (and, on the local cloud, Barbican), and whose every name
begins with `hub-local-` too; Neutron also shows another project's resources. What the census
of `local` lists, and what deleting its orphans deletes, must be exactly `local`'s own: nothing
of `local-dr` nor of the other project, whatever its name. The expected sets are written from
the marks the program gives each object (hubcore.resource_types), not read from the code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from hubcore.resource_types import (
    CONTAINER,
    INSTANCE,
    KEY_CONTAINER,
    KEYPAIR,
    NETWORK,
    ORDER,
    SECRET,
    SERVER_GROUP,
    VOLUME,
)
from hubcore.urns import URN_KEY, urn_hash, urn_tag
from hubctl import census
from hubctl.cloud import project_of

PROJECT = "p-hub"
OTHER_PROJECT = "p-someone-else"
BARBICAN = "http://127.0.0.1:9311/v1"


def _urn(site: str, name: str) -> str:
    return f"urn:pulumi:{site}-network::hub::hub:layers:Network$x::{name}"


def _item(**fields: Any) -> SimpleNamespace:
    return SimpleNamespace(**fields)


@dataclass
class StandInProject:
    """What openstacksdk would answer in project PROJECT, and every deletion asked of it."""

    networks: list[Any] = field(default_factory=list)
    servers: list[Any] = field(default_factory=list)
    volumes: list[Any] = field(default_factory=list)
    keypairs: list[Any] = field(default_factory=list)
    server_groups: list[Any] = field(default_factory=list)
    secrets: list[Any] = field(default_factory=list)
    key_containers: list[Any] = field(default_factory=list)
    orders: list[Any] = field(default_factory=list)
    containers: dict[str, dict[str, str]] = field(default_factory=dict)
    deleted: list[tuple[str, str]] = field(default_factory=list)

    def connection(self) -> Any:
        def in_project(items: list[Any]) -> Any:
            return lambda project_id=None, **_: [i for i in items if i.project_id == project_id]

        def deleting(kind: str) -> Any:
            return lambda ident, **_: self.deleted.append((kind, ident))

        network = SimpleNamespace(
            networks=in_project(self.networks),
            subnets=in_project([]),
            routers=in_project([]),
            ports=lambda **_: [],
            security_groups=in_project([]),
            security_group_rules=lambda **_: [],
            delete_network=deleting("network"),
        )
        compute = SimpleNamespace(
            servers=lambda details=True: list(self.servers),
            keypairs=lambda: list(self.keypairs),
            server_groups=lambda: list(self.server_groups),
            delete_server=deleting("server"),
            find_server=lambda ident: None,
            delete_keypair=deleting("keypair"),
            delete_server_group=deleting("server_group"),
        )
        block_storage = SimpleNamespace(
            volumes=lambda details=True: list(self.volumes),
            delete_volume=deleting("volume"),
            find_volume=lambda ident: None,
        )
        key_manager = SimpleNamespace(
            secrets=lambda **_: list(self.secrets),
            containers=lambda **_: list(self.key_containers),
            orders=lambda: list(self.orders),
            delete_secret=deleting("secret"),
            delete_container=deleting("key_container"),
            delete_order=deleting("order"),
        )
        object_store = SimpleNamespace(
            containers=lambda: [_item(name=name) for name in self.containers],
            get_container_metadata=lambda name: _item(metadata=self.containers[name]),
            objects=lambda name: [],
            delete_container=deleting("container"),
        )
        return SimpleNamespace(
            current_project_id=PROJECT,
            network=network,
            compute=compute,
            block_storage=block_storage,
            key_manager=key_manager,
            object_store=object_store,
        )


def _neutron_objects(cloud: StandInProject, site: str, project: str) -> None:
    prefix = f"hub-{site}"
    urn = _urn(site, f"{prefix}-net")
    cloud.networks += [
        _item(id=f"{site}-net", name=f"{prefix}-net", project_id=project,
              tags=[urn_tag(urn), f"site={site}"]),
        # killed between its create and its tagging call: untagged, of the program's name
        _item(id=f"{site}-net-untagged", name=f"{prefix}-admin", project_id=project, tags=[]),
    ]  # fmt: skip


def _site_objects(cloud: StandInProject, site: str) -> None:
    """The objects the program makes for `site`, each with the mark its type carries."""
    prefix = f"hub-{site}"
    urn = _urn(site, f"{prefix}-net")
    _neutron_objects(cloud, site, PROJECT)
    metadata = {"site": site, URN_KEY: urn_hash(_urn(site, f"{prefix}-app-0"))}
    cloud.servers.append(_item(id=f"{site}-server", name=f"{prefix}-app-0", metadata=metadata))
    cloud.volumes.append(_item(id=f"{site}-volume", name=f"{prefix}-data", metadata=metadata))
    cloud.keypairs.append(_item(id=None, name=f"{prefix}-admin"))
    cloud.server_groups.append(_item(id=f"{site}-group", name=f"{prefix}-app"))
    cloud.secrets.append(
        _item(name=f"{prefix}-key-cohorts", secret_ref=f"{BARBICAN}/secrets/{site}-secret")
    )
    cloud.key_containers.append(
        _item(name=f"{prefix}-tls-app", container_ref=f"{BARBICAN}/containers/{site}-tls")
    )
    cloud.orders.append(
        _item(meta={"name": f"{prefix}-key-claims"}, order_ref=f"{BARBICAN}/orders/{site}-order")
    )
    cloud.containers[f"{prefix}-datasets"] = {"site": site, URN_KEY: urn_hash(urn)}


def _own(site: str) -> set[tuple[str, str]]:
    """What the census of `site` must list: each of its objects, by type and id."""
    return {
        (NETWORK, f"{site}-net"),
        (NETWORK, f"{site}-net-untagged"),
        (INSTANCE, f"{site}-server"),
        (VOLUME, f"{site}-volume"),
        (KEYPAIR, f"hub-{site}-admin"),
        (SERVER_GROUP, f"{site}-group"),
        (SECRET, f"{site}-secret"),
        (KEY_CONTAINER, f"{site}-tls"),
        (ORDER, f"{site}-order"),
        (CONTAINER, f"hub-{site}-datasets"),
    }


@pytest.fixture()
def cloud() -> Iterator[StandInProject]:
    cloud = StandInProject()
    _site_objects(cloud, "local")
    _site_objects(cloud, "local-dr")
    # Neutron lists other projects' resources to an administrator: one with local's names and
    # marks, in another project.
    _neutron_objects(cloud, "local", OTHER_PROJECT)
    yield cloud


def _listed(cloud: StandInProject, site: str) -> list[tuple[str, str]]:
    return sorted((o.token, o.id) for o in project_of(cloud.connection()).hub_objects(site))


def test_the_census_of_a_site_lists_its_own_objects_of_every_mark(cloud: StandInProject) -> None:
    assert _listed(cloud, "local") == sorted(_own("local"))


def test_a_site_whose_name_extends_another_keeps_its_objects_out_of_the_others_census(
    cloud: StandInProject,
) -> None:
    # `hub-local-dr-...` begins with `hub-local-`: still local-dr's, never local's.
    listed = _listed(cloud, "local")
    assert not {ident for _, ident in listed if "local-dr" in ident}


def test_the_longer_site_sees_only_its_own_objects_too(cloud: StandInProject) -> None:
    assert _listed(cloud, "local-dr") == sorted(_own("local-dr"))


def test_deleting_a_sites_orphans_deletes_nothing_of_another_site_or_project(
    cloud: StandInProject,
) -> None:
    project = project_of(cloud.connection())
    found = census.take(project, "local", deployments=[])
    failed = census.delete_orphans(project, found.orphans, lambda line: None)
    assert failed == []
    deleted = sorted(ident for _, ident in cloud.deleted)
    assert deleted == sorted(ident for _, ident in _own("local"))
    assert not [ident for ident in deleted if "local-dr" in ident]


def test_an_object_a_state_holds_is_not_an_orphan(cloud: StandInProject) -> None:
    project = project_of(cloud.connection())
    found = census.take(
        project, "local", deployments=[{"resources": [{"type": NETWORK, "id": "local-net"}]}]
    )
    assert (NETWORK, "local-net") not in {(o.token, o.id) for o in found.orphans}
    assert len(found.orphans) == len(_own("local")) - 1


def _found_container(metadata: dict[str, str]) -> str | None:
    cloud = StandInProject(containers={"hub-local-datasets": metadata})
    urn = _urn("local", "hub-local-datasets")
    project = project_of(cloud.connection())
    return project.find_created(CONTAINER, {"name": "hub-local-datasets"}, urn, set())


def test_an_interrupted_containers_create_finds_the_container_with_its_urns_mark() -> None:
    mark = urn_hash(_urn("local", "hub-local-datasets"))
    assert _found_container({"site": "local", "Hub-Urn": mark}) == "hub-local-datasets"


@pytest.mark.parametrize(
    "metadata",
    [
        {"site": "local", URN_KEY: urn_hash(_urn("local-dr", "hub-local-datasets"))},
        {"site": "local"},
        {},
    ],
    ids=["another URN's mark", "no mark", "no metadata"],
)
def test_a_same_named_container_without_the_urns_mark_is_never_imported(
    metadata: dict[str, str],
) -> None:
    assert _found_container(metadata) is None
