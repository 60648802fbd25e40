"""Debian roots that stand in for the hub's instances, so the host test suite runs on a real system.

Each root is a copy of the base root (hostbuild/debian_root.py: what a stock Debian bookworm
cloud image brings, systemd, OpenSSH, sudo and cloud-init) on which cloud-init itself processes
a user-data document, fed through its NoCloud seed directory and run stage by stage (local,
network, config, final), exactly as on first boot. The *hardened* root of a role gets the
document that `render_user_data` produces for the compute layer; the *plain* root gets the
minimal document an un-hardened deployment would pass (a key for the image's default user), so
the suite can be shown to fail on it.

cloud-init and the packages it installs run in the base root's fence (`run_in_root`): nothing
here is booted, nothing reaches the building machine's kernel, disks or daemons. Cached beside
the base (HOST_ROOT_CACHE); `scripts/host-root` builds them by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hostbuild import debian_root
from hostbuild.debian_root import (
    APT_RETRIES,
    APT_RETRIES_TEXT,
    POLICY_RC_D,
    STAMP,
    HostRootError,
    apt_archives,
    build_base,
    cache_dir,
    fresh_copy,
    is_current,
    log,
    run_in_root,
    write_file,
)
from infra.tiers import HostRole

# The seed cloud-init's NoCloud datasource reads from the root's own disk.
SEED_DIR = Path("var/lib/cloud/seed/nocloud")
# Settings for the first boot inside a chroot only; removed afterwards. They keep cloud-init from
# reaching for what belongs to the building machine (its disks, its network links) and change
# no hardening measure.
HARNESS_CFG = Path("etc/cloud/cloud.cfg.d/99-hostroot-harness.cfg")
HARNESS_CFG_TEXT = """\
# Written by tests/host/roots.py for a chroot first boot; not present on real hosts.
datasource_list: [NoCloud]
network: {config: disabled}
growpart: {mode: "off"}
resize_rootfs: false
grub_dpkg: {enabled: false}
"""
# The boot sequence cloud-init's systemd units run on a real instance, in order.
CLOUD_INIT_STAGES: tuple[tuple[str, ...], ...] = (
    ("init", "--local"),
    ("init",),
    ("modules", "--mode=config"),
    ("modules", "--mode=final"),
)

# A stand-in public key for the plain root's default user; nobody holds its private half.
PLAIN_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHViAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA plain@hub"
)
# An un-hardened deployment's user data: a key for the image's default user. The locale line is
# the hardened document's too (no locale generation at boot), not a hardening measure.
PLAIN_USER_DATA = f"#cloud-config\nlocale: C.UTF-8\nssh_authorized_keys:\n  - {PLAIN_KEY}\n"


def first_boot(root: Path, user_data: str) -> None:
    """Let the root's own cloud-init process `user_data` through all its boot stages."""
    archives = apt_archives()
    write_file(root, SEED_DIR / "user-data", user_data, 0o600)
    write_file(
        root, SEED_DIR / "meta-data", f"instance-id: iid-{root.name}\nlocal-hostname: {root.name}\n"
    )
    write_file(root, HARNESS_CFG, HARNESS_CFG_TEXT)
    write_file(root, POLICY_RC_D, "#!/bin/sh\nexit 101\n", 0o755)
    write_file(root, APT_RETRIES, APT_RETRIES_TEXT)
    try:
        # cloud-init's own schema first: a document it would reject must not reach a host.
        run_in_root(root, ["cloud-init", "schema", "--config-file", f"/{SEED_DIR}/user-data"])
        for stage in CLOUD_INIT_STAGES:
            try:
                run_in_root(root, ["cloud-init", *stage], archives)
            except HostRootError:
                _report_first_boot(root)
                raise
        run_in_root(root, ["cloud-init", "status", "--long"])
        run_in_root(root, ["apt-get", "clean"], archives)
    finally:
        (root / HARNESS_CFG).unlink(missing_ok=True)
        (root / POLICY_RC_D).unlink(missing_ok=True)
        (root / APT_RETRIES).unlink(missing_ok=True)


def _report_first_boot(root: Path) -> None:
    """What cloud-init logged about a failed first boot, for a CI log read from afar."""
    log_file = root / "var/log/cloud-init.log"
    if log_file.is_file():
        for line in log_file.read_text(errors="replace").splitlines():
            if "[WARNING]" in line or "[ERROR]" in line:
                log(f"cloud-init.log: {line}")
    output = root / "var/log/cloud-init-output.log"
    if output.is_file():
        for line in output.read_text(errors="replace").splitlines()[-40:]:
            log(f"cloud-init-output.log: {line}")


def booted_root(name: str, user_data: str) -> Path:
    """A copy of the base that has had its first boot with `user_data`; cached per document."""
    base = build_base()
    key_material = "\n".join([(base / STAMP).read_text(), _recipe_digest(), user_data])
    key = hashlib.sha256(key_material.encode()).hexdigest()[:16]
    dest = cache_dir() / name
    if is_current(dest, key):
        log(f"root {dest} is current ({key})")
        return dest
    started = time.monotonic()
    fresh_copy(base, dest)
    first_boot(dest, user_data)
    (dest / STAMP).write_text(key + "\n")
    log(f"first boot of {dest} took {time.monotonic() - started:.0f}s")
    return dest


def _recipe_digest() -> str:
    """This harness and the base root's module together: a change to either rebuilds the roots."""
    material = b"".join(path.read_bytes() for path in (Path(__file__), Path(debian_root.__file__)))
    return hashlib.sha256(material).hexdigest()[:16]


def hardened_root(role: HostRole, user_data: str) -> Path:
    return booted_root(f"hardened-{role.value}", user_data)


def plain_root() -> Path:
    return booted_root("plain", PLAIN_USER_DATA)


def main(argv: Sequence[str] | None = None) -> int:
    from infra.hardening import HardeningSettings, render_user_data

    parser = argparse.ArgumentParser(prog="host-root", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("base", help="build (or reuse) the cached base root")
    sub.add_parser("plain", help="the base after a first boot without hardening")
    hardened = sub.add_parser(
        "hardened", help="the base after a first boot with a role's user data"
    )
    hardened.add_argument("roles", nargs="*", choices=[r.value for r in HostRole])
    args = parser.parse_args(argv)
    try:
        if args.command == "base":
            print(build_base())
        elif args.command == "plain":
            print(plain_root())
        else:
            settings = HardeningSettings()
            for value in args.roles or [r.value for r in HostRole]:
                role = HostRole(value)
                print(hardened_root(role, render_user_data(role, settings)))
    except HostRootError as error:
        print(f"host-root: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
