"""Swift: its four servers' configs, its device folder and rings."""

from __future__ import annotations

from pathlib import Path

from localcloud.layout import Layout, render
from localcloud.setup.common import run

OBJECT_STORE = ("swift", "object-store", "http://127.0.0.1:8080/v1/AUTH_%(project_id)s")


def configure(layout: Layout, values: dict[str, str]) -> None:
    for kind in ("account", "container", "object", "proxy"):
        render(f"swift-{kind}.conf", layout.etc / "swift" / f"{kind}-server.conf", values)
    for folder in ("swift/devices/d1", "swift/etc"):
        (layout.state / folder).mkdir(parents=True, exist_ok=True)


def build_swift_rings(layout: Layout) -> None:
    """One replica, one device (a directory) per ring: enough for the API to be real."""
    if layout.done("swift-rings"):
        return
    ring_dir = layout.state / "swift" / "etc"
    for kind, port in (("account", 6202), ("container", 6201), ("object", 6200)):
        builder = str(ring_dir / f"{kind}.builder")
        Path(builder).unlink(missing_ok=True)
        run(layout, ["swift-ring-builder", builder, "create", "6", "1", "1"], "swift")
        run(
            layout,
            ["swift-ring-builder", builder, "add", f"r1z1-127.0.0.1:{port}/d1", "100"],
            "swift",
        )
        run(layout, ["swift-ring-builder", builder, "rebalance"], "swift")
    layout.mark("swift-rings")
