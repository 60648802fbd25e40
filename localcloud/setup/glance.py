"""Glance: its config, folders and schema, and the Debian 12 image an OVH region offers."""

from __future__ import annotations

import struct
from collections.abc import Callable

from localcloud.layout import Layout, render
from localcloud.rest import Session
from localcloud.setup.common import run

DATABASES = ("glance",)
IMAGE = ("glance", "image", "http://127.0.0.1:9292")
IMAGE_NAME = "Debian 12"


def configure(layout: Layout, values: dict[str, str]) -> None:
    render("glance-api.conf", layout.etc / "glance" / "glance-api.conf", values)
    for folder in (
        "glance/images",
        "glance/staging",
        "glance/tasks",
        "glance/cache",
        "lock/glance",
    ):
        (layout.state / folder).mkdir(parents=True, exist_ok=True)


def schema_steps(layout: Layout, secret: dict[str, str]) -> dict[str, Callable[[], None]]:
    etc = layout.etc
    return {
        "schema-glance": lambda: run(
            layout,
            ["glance-manage", "--config-file", str(etc / "glance" / "glance-api.conf"), "db_sync"],
            "glance",
        ),
    }


def tiny_qcow2(virtual_size: int = 1 << 30) -> bytes:
    """A valid, empty qcow2 (version 3) image: header, refcount table and block, L1 table.

    Glance inspects uploaded images against their declared format, so the bytes must really be
    qcow2; four 64 KiB clusters are enough and need no qemu-img.
    """
    cluster_bits = 16
    cluster = 1 << cluster_bits
    l1_entries = -(-virtual_size // (cluster * (cluster // 8)))
    header = struct.pack(
        ">4sIQIIQIIQQIIQQQQII",
        b"QFI\xfb",
        3,
        0,
        0,
        cluster_bits,
        virtual_size,
        0,
        l1_entries,
        3 * cluster,  # L1 table offset
        1 * cluster,  # refcount table offset
        1,
        0,
        0,  # refcount table clusters, snapshots, snapshots offset
        0,
        0,
        0,  # incompatible, compatible, autoclear features
        4,
        104,  # refcount order (16-bit refcounts), header length
    )
    header += b"\0" * 8  # end of header extensions
    refcount_table = struct.pack(">Q", 2 * cluster)
    refcount_block = struct.pack(">4H", 1, 1, 1, 1)
    image = bytearray(4 * cluster)
    image[0 : len(header)] = header
    image[cluster : cluster + 8] = refcount_table
    image[2 * cluster : 2 * cluster + 8] = refcount_block
    return bytes(image)


def seed(admin: Session, layout: Layout) -> None:
    """The public Debian 12 image (a stale, never-uploaded one is replaced)."""
    glance = admin.endpoint("image")
    images = admin.get(f"{glance}/v2/images?name={IMAGE_NAME.replace(' ', '%20')}")["images"]
    if not [i for i in images if i["status"] == "active"]:
        for stale in images:
            admin.call("DELETE", f"{glance}/v2/images/{stale['id']}")
        image = admin.post(
            f"{glance}/v2/images",
            {
                "name": IMAGE_NAME,
                "disk_format": "qcow2",
                "container_format": "bare",
                "visibility": "public",
                "os_distro": "debian",
                "os_version": "12",
                "min_disk": 1,
                "min_ram": 256,
            },
        )
        admin.put(
            f"{glance}/v2/images/{image['id']}/file",
            tiny_qcow2(),
            headers={"Content-Type": "application/octet-stream"},
        )
