"""Cinder volume driver of the local cloud: the fake driver, minus the image copy.

Cinder's FakeLoggingVolumeDriver creates volumes as database records only, but a volume made
from an image still goes through the base driver's copy, which attaches the volume through
os-brick (an NVMe/iSCSI connector, dmidecode...) and fails: there is no data plane here. Boot
volumes are what the hub's compute layer asks for, as on OVH, so the copy becomes a logged
no-op: the volume reaches `available` with the image's metadata, and nothing pretends a byte
was written. Loaded by cinder-volume (Debian's python3) from the repository on its PYTHONPATH.
"""

from __future__ import annotations

import logging
from typing import Any

from cinder.tests.fake_driver import FakeLoggingVolumeDriver

LOG = logging.getLogger(__name__)


class ImageCopyFreeFakeDriver(FakeLoggingVolumeDriver):  # type: ignore[misc]
    """FakeLoggingVolumeDriver whose image-to-volume copies do nothing (no data plane)."""

    def copy_image_to_volume(
        self, context: Any, volume: Any, image_service: Any, image_id: str, *args: Any, **kw: Any
    ) -> None:
        LOG.info("local cloud: image %s 'copied' to volume %s (no data plane)", image_id, volume.id)

    def copy_image_to_encrypted_volume(
        self, context: Any, volume: Any, image_service: Any, image_id: str, *args: Any, **kw: Any
    ) -> None:
        LOG.info(
            "local cloud: image %s 'copied' to encrypted volume %s (no data plane)",
            image_id,
            volume.id,
        )
