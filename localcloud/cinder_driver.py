"""Cinder volume drivers of the local cloud: the API-only cloud's fake driver, minus the image
copy, and the data plane's file volumes.

Cinder's FakeLoggingVolumeDriver creates volumes as database records only, but a volume made
from an image still goes through the base driver's copy, which attaches the volume through
os-brick (an NVMe/iSCSI connector, dmidecode...) and fails: there is no data plane here. Boot
volumes are what the hub's compute layer asks for, as on OVH, so the copy becomes a logged
no-op: the volume reaches `available` with the image's metadata, and nothing pretends a byte
was written. Loaded by cinder-volume (Debian's python3) from the repository on its PYTHONPATH.
"""

from __future__ import annotations

import binascii
import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from castellan import key_manager  # type: ignore[import-not-found]
from cinder.image import image_utils
from cinder.tests.fake_driver import FakeLoggingVolumeDriver
from cinder.volume import driver, volume_utils
from oslo_concurrency import processutils  # type: ignore[import-not-found]
from oslo_config import cfg  # type: ignore[import-not-found]
from oslo_utils import units  # type: ignore[import-not-found]

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
FILE_OPTS = [
    cfg.StrOpt("local_volumes_dir", help="folder of the data plane's volume files"),
]


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


class FileVolumeDriver(driver.VolumeDriver):  # type: ignore[misc]
    """Volumes as files in a folder of the cloud, attached by qemu as file-backed disks.

    The data plane's volume backend. This machine's kernel has no device-mapper, iSCSI target,
    NBD or NFS, so a volume is a file that Nova hands to libvirt as a `file` disk (connection type
    `gpfs`, Nova's driver for volumes that are files already in place, with no mount). An
    encrypted volume is a LUKS container made with qemu-img from the volume type's cipher and
    the volume's key in Barbican (the passphrase is the key in hex, as os-brick and Nova derive
    it), and Nova opens it with qemu's native LUKS support, keyed from Barbican: the bytes on
    this machine are ciphertext. An image copied into a volume is verified first by Cinder
    (img_signature*, `verify_glance_signatures`).
    """

    VERSION = "1.0.0"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(FILE_OPTS)
        self.backend_name = self.configuration.safe_get("volume_backend_name") or "localfiles"
        self.folder = Path(self.configuration.safe_get("local_volumes_dir") or "/nonexistent")

    def do_setup(self, context: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def check_for_setup_error(self) -> None:
        if shutil.which("qemu-img") is None:
            raise RuntimeError("qemu-img is missing (qemu-utils)")

    def local_path(self, volume: Any) -> str:
        return str(self.folder / f"volume-{volume.id}")

    def _qemu_img(self, *args: str) -> None:
        """qemu-img, again when it fails to time the LUKS key derivation: it measures its own
        CPU time to choose the PBKDF2 iterations, and on a busy 2-core machine that measure
        sometimes comes back empty ("Unable to get accurate CPU usage")."""
        for attempt in range(1, 6):
            try:
                self._execute("qemu-img", *args)
                return
            except processutils.ProcessExecutionError as error:
                if "accurate CPU usage" not in str(error.stderr) or attempt == 5:
                    raise
                LOG.warning("qemu-img could not time the key derivation; attempt %d", attempt)
                time.sleep(attempt)

    # -------------------------------------------------------------------------- encryption

    @contextlib.contextmanager
    def _key_secret(self, context: Any, volume: Any) -> Iterator[list[str]]:
        """qemu-img arguments that load the volume's passphrase from a file only root reads."""
        encryption = volume_utils.check_encryption_provider(volume, context)
        key = key_manager.API(CONF).get(context, encryption["encryption_key_id"])
        passphrase = binascii.hexlify(key.get_encoded()).decode("utf-8")
        cipher = image_utils.decode_cipher(encryption["cipher"], encryption["key_size"])
        with tempfile.NamedTemporaryFile("w", dir=self.folder, prefix=".key-") as secret:
            os.chmod(secret.name, 0o600)
            secret.write(passphrase)
            secret.flush()
            yield [
                "--object",
                f"secret,id=sec0,format=raw,file={secret.name}",
                "-o",
                "key-secret=sec0,cipher-alg={cipher_alg},cipher-mode={cipher_mode},"
                "ivgen-alg={ivgen_alg}".format(**cipher),
            ]

    def _luks_resize(self, context: Any, volume: Any, size_gb: int) -> None:
        with self._key_secret(context, volume) as args:
            obj = args[:2]
            self._qemu_img(
                "resize", *obj, "--image-opts",
                f"driver=luks,key-secret=sec0,file.filename={self.local_path(volume)}",
                f"{size_gb}G",
            )  # fmt: skip

    # -------------------------------------------------------------------------- volumes

    def create_volume(self, volume: Any) -> None:
        path = self.local_path(volume)
        if volume.encryption_key_id:
            with self._key_secret(volume.obj_context, volume) as args:
                self._qemu_img("create", "-f", "luks", *args, path, f"{volume.size}G")
        else:
            with open(path, "wb") as handle:
                handle.truncate(volume.size * units.Gi)

    def delete_volume(self, volume: Any) -> None:
        Path(self.local_path(volume)).unlink(missing_ok=True)

    def copy_image_to_volume(
        self, context: Any, volume: Any, image_service: Any, image_id: str, **kw: Any
    ) -> None:
        path = self.local_path(volume)
        image_utils.fetch_to_raw(
            context,
            image_service,
            image_id,
            path,
            self.configuration.volume_dd_blocksize,
            size=volume.size,
            run_as_root=False,
        )
        with open(path, "r+b") as handle:
            handle.truncate(volume.size * units.Gi)

    def copy_image_to_encrypted_volume(
        self, context: Any, volume: Any, image_service: Any, image_id: str, **kw: Any
    ) -> None:
        """The image straight into the LUKS container, in one pass: Cinder's flow has already
        downloaded it and verified its signature (its temporary copy is reused), and qemu-img
        reads it in its own format, so no plain copy of the host's disk is ever written."""
        path = self.local_path(volume)
        fetched = f"{path}.image"
        source = image_utils.TemporaryImages.for_image_service(image_service).get(context, image_id)
        try:
            if source is None:
                image_utils.fetch_verify_image(context, image_service, image_id, fetched)
                source = fetched
            info = image_utils.qemu_img_info(source, run_as_root=False)
            # What fetch_verify_image refuses: an image that reads another file.
            if info.backing_file is not None:
                raise ValueError(f"image {image_id} has a backing file: refused")
            if info.file_format == "qcow2":
                image_utils.check_qcow2_image(image_id, info)
            with self._key_secret(context, volume) as args:
                self._qemu_img("convert", "-f", info.file_format, "-O", "luks", *args, source, path)
        finally:
            Path(fetched).unlink(missing_ok=True)
        self._luks_resize(context, volume, volume.size)

    def extend_volume(self, volume: Any, new_size: int) -> None:
        if volume.encryption_key_id:
            self._luks_resize(volume.obj_context, volume, new_size)
        else:
            with open(self.local_path(volume), "r+b") as handle:
                handle.truncate(new_size * units.Gi)

    # -------------------------------------------------------------------------- attachments

    def initialize_connection(self, volume: Any, connector: Any) -> dict[str, Any]:
        return {
            "driver_volume_type": "gpfs",
            "data": {
                "device_path": self.local_path(volume),
                "name": volume.name,
                "volume_id": volume.id,
                "access_mode": "rw",
                "format": "raw",
                "encrypted": bool(volume.encryption_key_id),
            },
        }

    def terminate_connection(self, volume: Any, connector: Any, **kwargs: Any) -> None:
        """Nothing to undo: the file stays where it is."""

    def create_export(self, context: Any, volume: Any, connector: Any) -> None:
        """No export: the hypervisor reads the file in place."""

    def ensure_export(self, context: Any, volume: Any) -> None:
        """No export: the hypervisor reads the file in place."""

    def remove_export(self, context: Any, volume: Any) -> None:
        """No export: the hypervisor reads the file in place."""

    def _update_volume_stats(self) -> None:
        usage = os.statvfs(self.folder)
        total = usage.f_blocks * usage.f_frsize / units.Gi
        free = usage.f_bavail * usage.f_frsize / units.Gi
        self._stats = {
            "volume_backend_name": self.backend_name,
            "vendor_name": "Sovereign Hub local cloud",
            "driver_version": self.VERSION,
            "storage_protocol": "file",
            "pools": [
                {
                    "pool_name": self.backend_name,
                    "total_capacity_gb": round(total, 1),
                    "free_capacity_gb": round(free, 1),
                    "reserved_percentage": 0,
                    "thin_provisioning_support": True,
                    "max_over_subscription_ratio": 20.0,
                    "QoS_support": False,
                }
            ],
        }

    def get_volume_stats(self, refresh: bool = False) -> dict[str, Any]:
        if refresh or not self._stats:
            self._update_volume_stats()
        stats: dict[str, Any] = self._stats
        return stats
