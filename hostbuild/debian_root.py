"""The hosts' Debian base root: what a stock Debian bookworm cloud image brings, from debootstrap.

The *base* root is what a stock Debian bookworm cloud image brings that matters here: a minbase
system with systemd, OpenSSH, sudo and cloud-init. It is built once with debootstrap and cached
(HOST_ROOT_CACHE, default .cache/host-root). The host suite's roots (tests/host/roots.py) are
copies of it after a first boot; the local cloud's image (hostbuild/image.py) is a copy of it
with a kernel and every package the hardening installs.

Nothing here is booted, so the chroot is fenced off from the machine that builds it: what runs
in it (apt and the packages it installs, cloud-init) runs in private mount, UTS and IPC
namespaces, behind a /dev that holds no disk, with /proc/sys and /sys read-only and systemctl
told it is offline. What would touch the running kernel (sysctl, nft, auditctl, starting
daemons) is refused or never reached; the host suite checks the configuration that produces
those effects at boot instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hubcore import procfs
from hubcore.paths import REPO_ROOT

SUITE = "bookworm"
# What the Debian generic cloud image brings that the hardening builds on or replaces; the root
# stays otherwise minimal so CI builds it in a couple of minutes.
BASE_PACKAGES: tuple[str, ...] = ("systemd-sysv", "openssh-server", "cloud-init", "sudo")
# Bump when the way the base is built changes, so cached bases are rebuilt.
BASE_RECIPE_VERSION = "1"

DEFAULT_CACHE = REPO_ROOT / ".cache" / "host-root"
CACHE_ENV = "HOST_ROOT_CACHE"

POLICY_RC_D = Path("usr/sbin/policy-rc.d")
# A transient mirror error must not fail a CI run; present only while this module builds a root.
APT_RETRIES = Path("etc/apt/apt.conf.d/99hostroot-retries")
APT_RETRIES_TEXT = 'Acquire::Retries "5";\n'
DEV_NODES = ("null", "zero", "full", "random", "urandom", "tty")
STAMP = ".hostroot-key"


class HostRootError(RuntimeError):
    """A root could not be built or configured."""


@dataclass(frozen=True)
class AptSources:
    """The Debian archive and security mirrors this machine's apt already uses."""

    archive: str
    security: str


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV, str(DEFAULT_CACHE)))


def _deb822_stanzas(text: str) -> Iterable[dict[str, str]]:
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if fields:
            yield fields


def _source_entries(apt_dir: Path) -> Iterable[tuple[str, list[str]]]:
    """(URI, suites) of every enabled binary source, as apt itself would read them."""
    one_line = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in one_line:
        if not path.is_file():
            continue
        for raw in path.read_text().splitlines():
            words = re.sub(r"\[[^]]*\]", "", raw.split("#", 1)[0]).split()
            if len(words) >= 3 and words[0] == "deb":
                yield words[1], [words[2]]
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for stanza in _deb822_stanzas(path.read_text()):
            if stanza.get("enabled", "yes").lower() == "no":
                continue
            if "deb" not in stanza.get("types", "").split():
                continue
            for uri in stanza.get("uris", "").split():
                yield uri, stanza.get("suites", "").split()


def host_apt_sources(apt_dir: Path = Path("/etc/apt")) -> AptSources:
    """Read the mirrors from the machine's apt configuration rather than naming one here."""
    archive = security = None
    for uri, suites in _source_entries(apt_dir):
        if archive is None and SUITE in suites:
            archive = uri
        if security is None and f"{SUITE}-security" in suites:
            security = uri
    if archive is None:
        raise HostRootError(f"no apt source for Debian {SUITE} in {apt_dir}")
    if security is None:
        raise HostRootError(f"no apt source for {SUITE}-security in {apt_dir}")
    return AptSources(archive=archive.rstrip("/"), security=security.rstrip("/"))


def root_sources_text(sources: AptSources) -> str:
    """The root's deb822 sources: archive, updates and security suites, as on an image."""
    keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
    return (
        f"Types: deb\nURIs: {sources.archive}\nSuites: {SUITE} {SUITE}-updates\n"
        f"Components: main\nSigned-By: {keyring}\n\n"
        f"Types: deb\nURIs: {sources.security}\nSuites: {SUITE}-security\n"
        f"Components: main\nSigned-By: {keyring}\n"
    )


def log(message: str) -> None:
    print(f"[host-root] {message}", file=sys.stderr, flush=True)


def _run(argv: Sequence[str], **kwargs: object) -> None:
    log("$ " + shlex.join(argv))
    result = subprocess.run(list(argv), check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise HostRootError(f"command failed ({result.returncode}): {shlex.join(argv)}")


def _fence_script(root: Path, archives: Path | None) -> str:
    """Shell that mounts a fenced view of the system under `root`, then execs chroot with "$@"."""
    r = shlex.quote(str(root))
    lines = [
        "set -eu",
        f"R={r}",
        'mount -t proc proc "$R/proc"',
        # The kernel's tunables are the building machine's: readable, never writable from here.
        'mount --bind "$R/proc/sys" "$R/proc/sys"',
        'mount -o remount,bind,ro "$R/proc/sys"',
        'mount -t sysfs -o ro sysfs "$R/sys"',
        # A /dev with no block device in it, so disk and mount modules can never reach a disk.
        'mount -t tmpfs -o mode=0755,nosuid dev "$R/dev"',
        *(f'touch "$R/dev/{n}" && mount --bind /dev/{n} "$R/dev/{n}"' for n in DEV_NODES),
        'mkdir -p "$R/dev/pts" "$R/dev/shm"',
        'mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"',
        'ln -sf pts/ptmx "$R/dev/ptmx"',
        'ln -sf /proc/self/fd "$R/dev/fd"',
        'mount -t tmpfs -o nosuid,nodev shm "$R/dev/shm"',
        'mount -t tmpfs -o mode=0755,nosuid,nodev run "$R/run"',
        # Name resolution for apt, from the building machine, without changing the root's file.
        'if [ -f "$R/etc/resolv.conf" ] && [ ! -L "$R/etc/resolv.conf" ]; then'
        ' mount --bind /etc/resolv.conf "$R/etc/resolv.conf"; '
        'else rm -f "$R/etc/resolv.conf"; cp /etc/resolv.conf "$R/etc/resolv.conf"; fi',
    ]
    if archives is not None:
        a = shlex.quote(str(archives))
        lines.append(f'mount --bind {a} "$R/var/cache/apt/archives"')
    lines.append(
        'exec chroot "$R" /usr/bin/env -i'
        " PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        " HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive SYSTEMD_OFFLINE=1"
        ' "$@"'
    )
    return "\n".join(lines)


def run_in_root(root: Path, argv: Sequence[str], archives: Path | None = None) -> None:
    """Run `argv` inside `root`, fenced in its own mount, UTS and IPC namespaces."""
    fence = [
        "unshare",
        "--mount",
        "--uts",
        "--ipc",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        _fence_script(root, archives),
        "fence",
        *argv,
    ]
    log(f"[{root.name}] $ {shlex.join(argv)}")
    try:
        result = subprocess.run(fence, check=False)
    finally:
        reap_root(root)
    if result.returncode != 0:
        raise HostRootError(f"in {root}: command failed ({result.returncode}): {shlex.join(argv)}")


def reap_root(root: Path, proc: Path = procfs.PROC) -> list[int]:
    """Stop every process whose root directory is `root`; the pids stopped.

    A first boot's units restart daemons (chrony's runcmd does) that would otherwise outlive the
    chroot and the test session: nothing started inside a root may run after its command.
    """
    wanted = root.resolve()
    stopped = []
    for pid in procfs.pids(proc):
        if pid == os.getpid():
            continue
        try:
            if Path(os.readlink(proc / str(pid) / "root")) != wanted:
                continue
            os.kill(pid, signal.SIGKILL)
        except OSError:  # gone already, or not ours to look at
            continue
        stopped.append(pid)
    return stopped


def write_file(root: Path, relative: Path, text: str, mode: int = 0o644) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def apt_archives() -> Path:
    # Shared by every root so a package is downloaded once per cache, not once per role.
    path = cache_dir() / "apt-archives"
    (path / "partial").mkdir(parents=True, exist_ok=True)
    return path


def base_key(sources: AptSources) -> str:
    material = "\n".join([SUITE, BASE_RECIPE_VERSION, *BASE_PACKAGES, sources.archive])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def is_current(path: Path, key: str) -> bool:
    stamp = path / STAMP
    return stamp.is_file() and stamp.read_text().strip() == key


def _require_root_user() -> None:
    if os.geteuid() != 0:
        raise HostRootError("building a host root needs root (debootstrap, chroot, namespaces)")
    missing = [tool for tool in ("debootstrap", "unshare", "chroot") if shutil.which(tool) is None]
    if missing:
        raise HostRootError(f"missing tools: {', '.join(missing)} (apt-get install debootstrap)")


def build_base(sources: AptSources | None = None) -> Path:
    """The cached base root, built with debootstrap on first use or when its recipe changes."""
    _require_root_user()
    sources = sources or host_apt_sources()
    key = base_key(sources)
    base = cache_dir() / "base"
    if is_current(base, key):
        log(f"base root {base} is current ({key})")
        return base
    started = time.monotonic()
    building = cache_dir() / "base.building"
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            _run(["debootstrap", "--variant=minbase", SUITE, str(building), sources.archive])
            break
        except HostRootError:
            # One more go from scratch: a mirror hiccup should not cost a whole CI run.
            if attempt == 2:
                raise
            shutil.rmtree(building, ignore_errors=True)
    (building / "etc/apt/sources.list").unlink(missing_ok=True)
    write_file(building, Path("etc/apt/sources.list.d/debian.sources"), root_sources_text(sources))
    # Package scripts must not start daemons in a root that is not booted.
    write_file(building, POLICY_RC_D, "#!/bin/sh\nexit 101\n", 0o755)
    write_file(building, APT_RETRIES, APT_RETRIES_TEXT)
    try:
        archives = apt_archives()
        run_in_root(building, ["apt-get", "update", "-q"], archives)
        run_in_root(
            building,
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *BASE_PACKAGES],
            archives,
        )
        run_in_root(building, ["apt-get", "clean"], archives)
    finally:
        (building / POLICY_RC_D).unlink(missing_ok=True)
        (building / APT_RETRIES).unlink(missing_ok=True)
    (building / STAMP).write_text(key + "\n")
    shutil.rmtree(base, ignore_errors=True)
    building.rename(base)
    log(f"built base root {base} in {time.monotonic() - started:.0f}s")
    return base


def fresh_copy(base: Path, dest: Path) -> None:
    """`dest` made a copy of the base root, without the base's stamp."""
    shutil.rmtree(dest, ignore_errors=True)
    _run(["cp", "-a", "--reflink=auto", str(base), str(dest)])
    (dest / STAMP).unlink(missing_ok=True)
