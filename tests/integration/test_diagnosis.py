"""After a failed `hubctl up`, the reasons the cloud gives the project for resources in error.

Real refusals of the local cloud: a volume type no backend serves (the scheduler puts the volume
in `error` and Cinder records a user message) and a flavor no compute host can hold (Nova puts
the server in `ERROR` with a fault).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hubctl.cloud import project_of
from hubctl.diagnosis import site_reasons

pytestmark = pytest.mark.integration

SITE = "diagtest"
PREFIX = f"hub-{SITE}-"


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not after {timeout:.0f} s: {what}")
        time.sleep(1)


@pytest.fixture(scope="module")
def unplaceable_volume(admin_connection: Any, connection: Any) -> Iterator[Any]:
    """A volume of a type whose backend does not exist: the scheduler can place it nowhere."""
    name = f"{PREFIX}nowhere"
    for leftover in admin_connection.block_storage.types():
        if leftover.name == name:
            admin_connection.block_storage.delete_type(leftover.id)
    volume_type = admin_connection.block_storage.create_type(
        name=name, extra_specs={"volume_backend_name": "nowhere"}
    )
    volume = None
    try:
        volume = connection.block_storage.create_volume(
            name=f"{PREFIX}volume", size=1, volume_type=volume_type.name
        )
        wait_for(
            lambda: connection.block_storage.get_volume(volume.id).status == "error",
            "the volume in error",
        )
        yield volume
    finally:
        if volume is not None:
            connection.block_storage.delete_volume(volume.id)
            wait_for(
                lambda: connection.block_storage.find_volume(volume.id) is None,
                "the volume deleted",
            )
        admin_connection.block_storage.delete_type(volume_type.id)


@pytest.fixture(scope="module")
def unplaceable_server(admin_connection: Any, connection: Any) -> Iterator[Any]:
    """A server whose root disk is bigger than any compute host's: Nova finds no valid host.
    (Disk, because RAM and cores hit the project's quota before the scheduler.)"""
    name = f"{PREFIX}huge"
    leftover = admin_connection.compute.find_flavor(name, ignore_missing=True)
    if leftover is not None:
        admin_connection.compute.delete_flavor(leftover.id)
    flavor = admin_connection.compute.create_flavor(
        name=name, ram=512, vcpus=1, disk=100_000_000, is_public=True
    )
    server = None
    try:
        image = connection.image.find_image("Debian 12", ignore_missing=False)
        server = connection.compute.create_server(
            name=f"{PREFIX}server", flavor_id=flavor.id, image_id=image.id, networks="none"
        )
        wait_for(
            lambda: connection.compute.get_server(server.id).status == "ERROR",
            "the server in ERROR",
        )
        yield server
    finally:
        if server is not None:
            connection.compute.delete_server(server.id)
            wait_for(
                lambda: connection.compute.find_server(server.id, ignore_missing=True) is None,
                "the server deleted",
            )
        admin_connection.compute.delete_flavor(flavor.id)


def test_a_volume_in_error_comes_with_cinders_user_message(
    unplaceable_volume: Any, connection: Any
) -> None:
    [reason] = [r for r in project_of(connection).reasons_in_error(PREFIX) if r.kind == "volume"]
    assert reason.id == unplaceable_volume.id
    assert "schedule allocate volume" in reason.reason
    assert "backend" in reason.reason


def test_a_server_in_error_comes_with_novas_fault(unplaceable_server: Any, connection: Any) -> None:
    [reason] = [r for r in project_of(connection).reasons_in_error(PREFIX) if r.kind == "server"]
    assert reason.id == unplaceable_server.id
    assert "No valid host was found" in reason.reason


def test_resources_of_other_sites_are_not_reported(
    unplaceable_volume: Any, connection: Any
) -> None:
    assert project_of(connection).reasons_in_error("hub-someother-") == []


def test_the_site_reasons_use_the_providers_credentials_from_the_environment(
    unplaceable_volume: Any, unplaceable_server: Any, deploy_env: dict[str, str]
) -> None:
    lines = site_reasons(SITE, deploy_env["OS_REGION_NAME"], cloud=None)
    assert any(line.startswith(f"volume {PREFIX}volume ") for line in lines), lines
    assert any(line.startswith(f"server {PREFIX}server ") for line in lines), lines


def test_a_cloud_that_cannot_be_asked_is_said_so_in_one_line() -> None:
    [line] = site_reasons(SITE, "LOCAL1", cloud="no-such-cloud-entry")
    assert line.startswith("could not ask the cloud why:")
