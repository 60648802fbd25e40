"""A host boots only the image the project built: its signature is verified where it is read,
and one altered byte is refused."""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import pytest

from tests.dataplane.conftest import BootedSite, cloud_folder, image_record

pytestmark = pytest.mark.dataplane

SIGNATURE_KEYS = (
    "img_signature",
    "img_signature_hash_method",
    "img_signature_key_type",
    "img_signature_certificate_uuid",
)


def image_cache() -> Path:
    return Path(os.environ.get("HUB_IMAGE_CACHE", "/var/cache/sovereign-hub/image"))


def altered_root() -> bytes:
    """The built root image with one byte flipped, inside its data (not its header)."""
    data = bytearray((image_cache() / "root.qcow2").read_bytes())
    data[len(data) // 2] ^= 0x01
    return bytes(data)


def wait_volume(connection: Any, volume: Any, timeout: float = 900) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        volume = connection.block_storage.get_volume(volume)
        if volume.status in ("available", "error") or time.monotonic() > deadline:
            return volume
        time.sleep(5)


def test_the_sites_boot_volumes_were_verified_against_the_signature(
    booted_site: BootedSite, connection: Any
):
    boots = [v for v in connection.block_storage.volumes() if v.name.endswith("-boot")]
    assert len(boots) == 3
    for volume in boots:
        assert volume.volume_image_metadata["signature_verified"] == "True", volume.name


@pytest.fixture
def altered_image(data_plane: dict[str, str], admin_connection: Any) -> Any:
    """The built image with one byte altered and the original's signature: uploaded unsigned
    (Glance verifies at upload), then given the signature properties, as a tampered store
    would hold it."""
    original = admin_connection.image.get_image(image_record()["image"])
    image = admin_connection.image.create_image(
        name=f"hub-test-altered-{secrets.token_hex(3)}",
        disk_format="qcow2",
        container_format="bare",
        visibility="public",
        data=altered_root(),
        validate_checksum=False,
    )
    properties = {key: original.properties[key] for key in SIGNATURE_KEYS}
    admin_connection.image.update_image(image, **properties)
    yield image
    admin_connection.image.delete_image(image, ignore_missing=True)


def test_a_volume_from_an_image_altered_by_one_byte_is_refused(altered_image: Any, connection: Any):
    volume = connection.block_storage.create_volume(
        name=f"hub-test-altered-{secrets.token_hex(3)}",
        size=10,
        volume_type="classic-luks",
        image_id=altered_image.id,
    )
    try:
        volume = wait_volume(connection, volume)
        assert volume.status == "error"
    finally:
        connection.block_storage.delete_volume(volume, ignore_missing=True)
    log = cloud_folder() / "log" / "cinder-volume.log"
    assert altered_image.id in log.read_text(errors="replace")
    assert "Failed to verify image signature" in log.read_text(errors="replace")


def test_glance_refuses_an_altered_image_uploaded_with_the_signature(
    data_plane: dict[str, str], admin_connection: Any
):
    original = admin_connection.image.get_image(image_record()["image"])
    image = admin_connection.image.create_image(
        name=f"hub-test-altered-{secrets.token_hex(3)}",
        disk_format="qcow2",
        container_format="bare",
        allow_duplicates=True,
        **{key: original.properties[key] for key in SIGNATURE_KEYS},
    )
    try:
        # The image's data, uploaded as any client does (PUT /v2/images/{id}/file): Glance
        # checks it against the signature properties the image was created with.
        refused = admin_connection.image.put(
            f"/images/{image.id}/file",
            data=altered_root(),
            headers={"Content-Type": "application/octet-stream"},
            raise_exc=False,
        )
        assert refused.status_code == 400, (refused.status_code, refused.text[:500])
        assert "Signature verification failed" in refused.text
        assert admin_connection.image.get_image(image).status != "active"
    finally:
        admin_connection.image.delete_image(image, ignore_missing=True)


def test_the_manifest_names_the_signature_glance_holds(
    data_plane: dict[str, str], admin_connection: Any
):
    built = json.loads((image_cache() / "manifest.json").read_text())
    image = admin_connection.image.get_image(image_record()["image"])
    assert image.properties["img_signature"] == built["files"]["root.qcow2"]["signature"]
