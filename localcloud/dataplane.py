"""The data plane's setup and teardown: namespaces, libvirt, the signed image, and a stop that
leaves nothing behind.

The image and its package repository are built by `scripts/image build` (hostbuild/image.py)
into a cache outside the clone; here they are read from its manifest and uploaded: the kernel,
the initramfs and the root file system as three Glance images, each signed (img_signature*),
with the image CA's and the signing key's certificates stored in Barbican and readable by the
hub's user through the secrets' ACLs (a booting user's token fetches the certificate).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from pathlib import Path
from typing import Any

from localcloud import netns
from localcloud.layout import HUB_USER, KEYSTONE_URL, Layout, image_cache
from localcloud.processes import processes_in_namespaces
from localcloud.rest import Session
from localcloud.services import libvirt_dir

IMAGE_NAME = "Debian 12"
IMAGE_RECORD = "image.json"


class DataPlaneError(RuntimeError):
    pass


def manifest() -> dict[str, Any]:
    path = image_cache() / "manifest.json"
    if not path.is_file():
        raise DataPlaneError(
            f"no image in {image_cache()}: run scripts/image build (scripts/local-cloud start "
            "does it when the data plane is on)"
        )
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def wait_libvirt(layout: Layout, timeout: float = 90) -> None:
    socket_path = libvirt_dir(layout) / "run" / "libvirt-sock"
    deadline = time.monotonic() + timeout
    while not socket_path.exists():
        if time.monotonic() > deadline:
            raise DataPlaneError(f"libvirtd did not open {socket_path} in {timeout:.0f} s")
        time.sleep(0.5)


# ------------------------------------------------------------------------------- seed


def _store_certificate(admin: Session, name: str, pem_file: Path, readers: list[str]) -> str:
    """A certificate secret as Castellan reads it (PEM bytes), readable by `readers`; an
    earlier one of the same name is deleted."""
    barbican = admin.endpoint("key-manager")
    for old in admin.get(f"{barbican}/v1/secrets?name={urllib.parse.quote(name)}")["secrets"]:
        admin.call("DELETE", str(old["secret_ref"]))
    created = admin.post(
        f"{barbican}/v1/secrets",
        {
            "name": name,
            "secret_type": "certificate",
            "payload": base64.b64encode(pem_file.read_bytes()).decode(),
            "payload_content_type": "application/octet-stream",
            "payload_content_encoding": "base64",
        },
    )
    secret_id = str(created["secret_ref"]).rstrip("/").rsplit("/", 1)[1]
    grant_certificate(admin, secret_id, readers)
    return secret_id


def grant_certificate(admin: Session, secret_id: str, users: list[str]) -> None:
    """Let `users` read a certificate secret, whatever project their token is scoped to."""
    barbican = admin.endpoint("key-manager")
    current = admin.get(f"{barbican}/v1/secrets/{secret_id}/acl")
    have = set((current or {}).get("read", {}).get("users", []))
    admin.put(
        f"{barbican}/v1/secrets/{secret_id}/acl",
        {"read": {"users": sorted(have | set(users)), "project-access": True}},
    )


def _upload(admin: Session, name: str, path: Path, body: dict[str, Any]) -> str:
    glance = admin.endpoint("image")
    image = admin.post(f"{glance}/v2/images", {"name": name, "visibility": "public", **body})
    admin.put(
        f"{glance}/v2/images/{image['id']}/file",
        path.read_bytes(),
        headers={"Content-Type": "application/octet-stream"},
    )
    return str(image["id"])


def _user_id(admin: Session, name: str) -> str:
    users = admin.get(f"{KEYSTONE_URL}/users?name={urllib.parse.quote(name)}")["users"]
    return str(users[0]["id"])


def image_seeded(layout: Layout) -> bool:
    """True when Glance holds the image of the current build."""
    record_file = layout.state / IMAGE_RECORD
    if not record_file.exists():
        return False
    return bool(json.loads(record_file.read_text()).get("recipe") == manifest()["recipe"])


def seed_image(admin: Session, layout: Layout) -> dict[str, Any]:
    """Upload the built image, signed, once per build (recorded in the state folder)."""
    built = manifest()
    record_file = layout.state / IMAGE_RECORD
    if record_file.exists():
        record: dict[str, Any] = json.loads(record_file.read_text())
        if record.get("recipe") == built["recipe"]:
            return record
    glance = admin.endpoint("image")
    for name in (IMAGE_NAME, f"{IMAGE_NAME} kernel", f"{IMAGE_NAME} initramfs"):
        for stale in admin.get(f"{glance}/v2/images?name={urllib.parse.quote(name)}")["images"]:
            admin.call("DELETE", f"{glance}/v2/images/{stale['id']}")
    readers = [_user_id(admin, HUB_USER)]
    certificates = built["certificates"]
    ca_id = _store_certificate(admin, "hub-image-ca", Path(certificates["ca"]), readers)
    signing_id = _store_certificate(
        admin, "hub-image-signing", Path(certificates["signing"]), readers
    )
    cache = image_cache()
    files = built["files"]

    def signed(name: str) -> dict[str, str]:
        return {
            "img_signature": files[name]["signature"],
            "img_signature_hash_method": built["signature"]["hash_method"],
            "img_signature_key_type": built["signature"]["key_type"],
            "img_signature_certificate_uuid": signing_id,
        }

    kernel = _upload(
        admin,
        f"{IMAGE_NAME} kernel",
        cache / "vmlinuz",
        {"disk_format": "aki", "container_format": "aki", **signed("vmlinuz")},
    )
    ramdisk = _upload(
        admin,
        f"{IMAGE_NAME} initramfs",
        cache / "initrd.img",
        {"disk_format": "ari", "container_format": "ari", **signed("initrd.img")},
    )
    root = _upload(
        admin,
        IMAGE_NAME,
        cache / "root.qcow2",
        {
            "disk_format": "qcow2",
            "container_format": "bare",
            "os_distro": "debian",
            "os_version": "12",
            "min_disk": 3,
            "min_ram": 256,
            "kernel_id": kernel,
            "ramdisk_id": ramdisk,
            "os_command_line": built["command_line"],
            "hw_disk_bus": "virtio",
            "hw_vif_model": "virtio",
            **signed("root.qcow2"),
        },
    )
    record = {
        "recipe": built["recipe"],
        "image": root,
        "kernel": kernel,
        "ramdisk": ramdisk,
        "ca_certificate": ca_id,
        "signing_certificate": signing_id,
    }
    record_file.write_text(json.dumps(record, indent=2) + "\n")
    return record


# ------------------------------------------------------------------------------- stop


def neutron_namespaces(layout: Layout) -> list[Path]:
    """The qrouter-* and qdhcp-* namespaces of this cloud's routers and networks: every one in
    its agents' folder, which holds no other cloud's (localcloud.netns)."""
    folder = netns.agents_folder(layout.state)
    return [folder / name for name in netns.names(folder)]


def namespaces(layout: Layout, agents: list[Path]) -> list[netns.Namespace]:
    """Every namespace of this cloud: its own (hypervisor, outside, operators') and the
    agents'."""
    prefix = netns.cloud_id(layout.state) + "-"
    return [*(n for n in netns.names() if n.startswith(prefix)), *sorted(set(agents))]


def teardown(layout: Layout, agents: list[Path]) -> list[str]:
    """End every process left in the cloud's namespaces (qemu guests, dnsmasq, privsep helpers),
    then remove the namespaces and unmount the agents' folder; return what could not be
    removed."""
    names = namespaces(layout, agents)
    processes_in_namespaces(names)
    for name in names:
        netns.delete(name)
    netns.release_agents_folder(layout.state)
    return [str(n) for n in names if netns.exists(n)]
