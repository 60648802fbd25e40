"""Cinder: its config, folders and schema, the volume types (plain and LUKS) and Cinder's
quotas."""

from __future__ import annotations

from collections.abc import Callable

from localcloud.layout import Layout, render
from localcloud.rest import Session
from localcloud.setup.common import run

DATABASES = ("cinder",)
VOLUME = ("cinderv3", "volumev3", "http://127.0.0.1:8776/v3/%(project_id)s")

VOLUME_TYPES = ("classic", "high-speed")
LUKS_SPEC = {
    "provider": "luks",
    "cipher": "aes-xts-plain64",
    "key_size": 256,
    "control_location": "front-end",
}
CINDER_QUOTA = {
    "volumes": 40,
    "snapshots": 40,
    "gigabytes": 4000,
    "backups": 20,
    "backup_gigabytes": 4000,
}


def configure(layout: Layout, values: dict[str, str]) -> None:
    render("cinder.conf", layout.etc / "cinder" / "cinder.conf", values)
    for folder in ("cinder/volumes", "lock/cinder"):
        (layout.state / folder).mkdir(parents=True, exist_ok=True)


def schema_steps(layout: Layout, secret: dict[str, str]) -> dict[str, Callable[[], None]]:
    etc = layout.etc
    return {
        "schema-cinder": lambda: run(
            layout,
            ["cinder-manage", "--config-file", str(etc / "cinder" / "cinder.conf"), "db", "sync"],
            "cinder",
        ),
    }


def volume_backend(layout: Layout) -> str:
    """The Cinder backend the volume types are bound to (cinder.conf's enabled backend)."""
    return "localfiles" if layout.data_plane else "fake"


def seed(admin: Session, layout: Layout) -> None:
    """The volume types an OVH region has, each also LUKS-encrypted."""
    cinder = admin.endpoint("volumev3")
    types = {t["name"]: t["id"] for t in admin.get(f"{cinder}/types")["volume_types"]}
    for base in VOLUME_TYPES:
        for name, encrypted in ((base, False), (f"{base}-luks", True)):
            what = f"LUKS-encrypted {base}" if encrypted else base
            if name not in types:
                types[name] = admin.post(
                    f"{cinder}/types",
                    {
                        "volume_type": {
                            "name": name,
                            "os-volume-type-access:is_public": True,
                            "description": f"{what} volumes",
                            "extra_specs": {"volume_backend_name": volume_backend(layout)},
                        }
                    },
                )["volume_type"]["id"]
            if encrypted:
                existing = admin.get(f"{cinder}/types/{types[name]}/encryption")
                if not existing or not existing.get("provider"):
                    admin.post(
                        f"{cinder}/types/{types[name]}/encryption", {"encryption": LUKS_SPEC}
                    )


def quota(admin: Session, project_id: str) -> None:
    admin.put(
        f"{admin.endpoint('volumev3')}/os-quota-sets/{project_id}", {"quota_set": CINDER_QUOTA}
    )
