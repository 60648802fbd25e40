"""The local cloud's `Debian 12` image, built here from Debian's packages, signed, and cached.

    scripts/image build        # build (or reuse) the image and its package repository
    scripts/image path         # print the folder that holds them

The image is the base root of `debian_root` (what a Debian generic cloud image brings: systemd,
OpenSSH, sudo, cloud-init) plus a cloud kernel and every package the hardening's user data asks
for, so that a host's first boot installs nothing new and runs fast under qemu's TCG. It boots
by direct kernel boot (Glance's kernel_id, ramdisk_id and os_command_line): the root file system
is the whole disk, made with `mke2fs -d`, so no loop device, partition table or boot loader is
needed to build it.

Beside the image, a package repository holds exactly the packages the hardening installs, at the
versions the image has, indexed with dpkg-scanpackages and signed with a key of this cache; the
image trusts that key besides Debian's. The local cloud serves it at the sites' `hub:aptProxy`,
so the unchanged user data runs `apt-get update`, `upgrade` and `install` for real against a
small index instead of the whole of bookworm.

Everything is signed for Glance (img_signature*, RSA-PSS with SHA-256) with a key whose
certificate is issued by this cache's image CA; the local cloud stores both certificates in
Barbican. The cache lives outside the clone (HUB_IMAGE_CACHE, default
/var/cache/sovereign-hub/image) and is rebuilt only when its recipe changes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hostbuild import debian_root
from infra.hardening import HardeningSettings, user_data_document
from infra.tiers import HostRole

CACHE_ENV = "HUB_IMAGE_CACHE"
DEFAULT_CACHE = Path("/var/cache/sovereign-hub/image")
# Bump when the way the image is built changes, so cached images are rebuilt.
RECIPE_VERSION = "1"
IMAGE_NAME = "Debian 12"
KERNEL_PACKAGE = "linux-image-cloud-amd64"
# What direct kernel boot needs besides the base: a kernel, its initramfs.
BOOT_PACKAGES: tuple[str, ...] = (KERNEL_PACKAGE, "initramfs-tools")
# The root file system is the whole first disk; the serial console is what Nova's console log
# reads (cloud-init's result and the SSH host keys are printed there).
COMMAND_LINE = "root=/dev/vda rw console=ttyS0 net.ifnames=0"
ARCHITECTURE = "amd64"
# Suites of the image's apt sources: the repository serves the packages in the first, and
# empty, signed indexes for the others, so `apt-get update` succeeds on every line.
SUITES = (debian_root.SUITE, f"{debian_root.SUITE}-updates", f"{debian_root.SUITE}-security")
REPO_KEYRING = "usr/share/keyrings/sovereign-hub-local.gpg"
REPO_KEY_NAME = "Sovereign Hub local package repository"
IMAGE_CFG = Path("etc/cloud/cloud.cfg.d/90-hub-image.cfg")
IMAGE_CFG_TEXT = """\
# Written by hostbuild/image.py: the local cloud's image. Config drive first (the hub's
# security groups drop the metadata service), and systemd-networkd renders the network.
datasource_list: [ConfigDrive, NoCloud, None]
system_info:
  network:
    renderers: [networkd]
# The host name resolves from /etc/hosts (sudo looks it up on every call; the site has no
# resolver, and a lookup that waits on one costs every sudo twenty seconds).
manage_etc_hosts: true
# Host keys of the types the hardened sshd prefers; an RSA key costs minutes to generate under
# qemu's TCG, and the hardening's first choices are Ed25519 and ECDSA.
ssh_genkeytypes: [ed25519, ecdsa]
"""
FSTAB_TEXT = (
    "# Written by hostbuild/image.py: the root is the whole first disk.\n"
    "LABEL=root / ext4 defaults,errors=remount-ro 0 1\n"
)
STAMP = "manifest.json"


class ImageError(RuntimeError):
    """The image or its repository could not be built."""


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV, str(DEFAULT_CACHE)))


def _log(message: str) -> None:
    print(f"[image] {message}", file=sys.stderr, flush=True)


def _run(argv: Sequence[str], **kwargs: object) -> str:
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise ImageError(f"command failed ({done.returncode}): {' '.join(argv)}\n{done.stderr}")
    return str(done.stdout)


def hardening_packages() -> list[str]:
    """Every package a host's first boot installs, whatever its role: the user data's `packages`
    and the NTP client its `ntp` module installs."""
    found: list[str] = []
    for role in HostRole:
        document = user_data_document(role, HardeningSettings())
        wanted = list(document["packages"])
        client = document.get("ntp", {}).get("ntp_client")
        if client:
            wanted.append(str(client))
        found.extend(p for p in wanted if p not in found)
    return found


def image_packages() -> list[str]:
    return list(dict.fromkeys([*debian_root.BASE_PACKAGES, *BOOT_PACKAGES, *hardening_packages()]))


def recipe_key(base: Path) -> str:
    material = "\n".join(
        [
            RECIPE_VERSION,
            (base / debian_root.STAMP).read_text(),
            *image_packages(),
            hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def current() -> dict[str, object] | None:
    """The manifest of the cached image, or None when there is none."""
    path = cache_dir() / STAMP
    if not path.is_file():
        return None
    manifest: dict[str, object] = json.loads(path.read_text())
    return manifest


# ------------------------------------------------------------------------------------ keys


def _gpg(home: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--quiet", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ImageError(f"gpg {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def repository_key(cache: Path) -> Path:
    """The GnuPG home that signs the repository (generated once per cache, never in the clone)."""
    home = cache / "keys" / "repository"
    if not (home / "pubring.kbx").exists() or not _gpg(home, "--list-secret-keys"):
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        _gpg(
            home,
            "--passphrase",
            "",
            "--quick-generate-key",
            f"{REPO_KEY_NAME} <repository@hub.internal>",
            "rsa3072",
            "sign",
            "never",
        )
    return home


def signing_material(cache: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, signing certificate, signing key): the image CA (the certificate Nova
    trusts) and the key that signs images, its certificate issued by that CA."""
    folder = cache / "keys" / "signing"
    ca_key, ca_cert = folder / "ca.key", folder / "ca.pem"
    key, cert = folder / "signing.key", folder / "signing.pem"
    if all(p.exists() for p in (ca_key, ca_cert, key, cert)):
        return ca_cert, cert, key
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _run(
        ["openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout", str(ca_key),
         "-out", str(ca_cert), "-days", "3650", "-subj", "/CN=Sovereign Hub local image CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
         "keyUsage=critical,keyCertSign,cRLSign"]
    )  # fmt: skip
    request = folder / "signing.csr"
    _run(
        ["openssl", "req", "-new", "-newkey", "rsa:3072", "-nodes", "-keyout", str(key),
         "-out", str(request), "-subj", "/CN=Sovereign Hub local image signing"]
    )  # fmt: skip
    extensions = folder / "signing.ext"
    extensions.write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    )
    _run(
        ["openssl", "x509", "-req", "-in", str(request), "-CA", str(ca_cert), "-CAkey",
         str(ca_key), "-CAcreateserial", "-out", str(cert), "-days", "1825", "-extfile",
         str(extensions)]
    )  # fmt: skip
    for private in (ca_key, key):
        private.chmod(0o600)
    return ca_cert, cert, key


def sign(path: Path, key: Path) -> str:
    """Glance's img_signature for a file: RSA-PSS (maximum salt) over its SHA-256, base64."""
    signature = _run(
        ["sh", "-c",
         'openssl dgst -sha256 -sign "$1" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:max'
         ' "$2" | base64 -w0', "sign", str(key), str(path)]
    )  # fmt: skip
    return signature.strip()


# ------------------------------------------------------------------------------------ root


HOSTS_TEXT = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"


def _configure(root: Path, repository_keyring: bytes, sources: debian_root.AptSources) -> None:
    (root / IMAGE_CFG).write_text(IMAGE_CFG_TEXT)
    # Nothing of the building machine's network stays in the image: the fence copied its
    # resolver in for apt. A host's resolvers come from its network config at boot.
    (root / "etc/resolv.conf").unlink(missing_ok=True)
    (root / "etc/resolv.conf").write_text("")
    (root / "etc/hosts").write_text(HOSTS_TEXT)
    (root / "etc/fstab").write_text(FSTAB_TEXT)
    (root / REPO_KEYRING).write_bytes(repository_keyring)
    # Debian's archive key and the local repository's: the same sources verify against either.
    keyrings = f"/usr/share/keyrings/debian-archive-keyring.gpg /{REPO_KEYRING}"
    text = debian_root.root_sources_text(sources).replace(
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg", f"Signed-By: {keyrings}"
    )
    (root / "etc/apt/sources.list.d/debian.sources").write_text(text)
    # Each instance gets its own identity at first boot.
    (root / "etc/machine-id").write_text("")
    (root / "etc/hostname").unlink(missing_ok=True)
    for host_key in (root / "etc/ssh").glob("ssh_host_*"):
        host_key.unlink()
    # systemd runs these services from their own units; their SysV scripts only make every
    # `systemctl enable` start update-rc.d (Perl), which takes half a minute under TCG. The
    # packages' maintainer scripts call update-rc.d only when the script exists.
    for script in sorted((root / "etc/init.d").glob("*")):
        if (root / "lib/systemd/system" / f"{script.name}.service").exists():
            script.unlink()
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    link = wants / "systemd-networkd.service"
    if not link.exists():
        link.symlink_to("/lib/systemd/system/systemd-networkd.service")


def _installed_versions(root: Path, packages: Sequence[str]) -> dict[str, str]:
    out = _run(
        ["chroot", str(root), "dpkg-query", "-W", "-f", "${Package} ${Version}\n", *packages]
    )
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def _deb_file(archives: Path, package: str, version: str) -> Path:
    name = f"{package}_{version.replace(':', '%3a')}_"
    for candidate in sorted(archives.glob(f"{name}*.deb")):
        return candidate
    raise ImageError(f"no .deb of {package} {version} in {archives}")


def _release(folder: Path, suite: str) -> str:
    lines = [
        "Origin: Sovereign Hub local",
        "Label: Sovereign Hub local",
        f"Suite: {suite}",
        f"Codename: {suite}",
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S UTC', time.gmtime())}",
        f"Architectures: {ARCHITECTURE}",
        "Components: main",
        "SHA256:",
    ]
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in ("Release", "InRelease"):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f" {digest} {path.stat().st_size} {path.relative_to(folder)}")
    return "\n".join(lines) + "\n"


def build_repository(root: Path, archives: Path, out: Path, gpg_home: Path) -> dict[str, str]:
    """The hardening's packages at the image's versions, in a signed apt repository."""
    versions = _installed_versions(root, hardening_packages())
    pool = out / "pool" / "main"
    pool.mkdir(parents=True)
    for package, version in versions.items():
        shutil.copy(_deb_file(archives, package, version), pool)
    for suite in SUITES:
        binary = out / "dists" / suite / "main" / f"binary-{ARCHITECTURE}"
        binary.mkdir(parents=True)
        index = (
            _run(["dpkg-scanpackages", "--multiversion", "pool/main", "/dev/null"], cwd=out)
            if suite == debian_root.SUITE
            else ""
        )
        (binary / "Packages").write_text(index)
        (binary / "Packages.gz").write_bytes(gzip.compress(index.encode(), mtime=0))
        suite_dir = out / "dists" / suite
        release = _release(suite_dir, suite)
        (suite_dir / "Release").write_text(release)
        (suite_dir / "InRelease").write_text(_gpg(gpg_home, "--clearsign", stdin=release))
    return versions


def build(force: bool = False) -> Path:
    """Build (or reuse) the image and its repository in the cache; return the cache folder."""
    cache = cache_dir()
    base = debian_root.build_base()
    key = recipe_key(base)
    manifest = current()
    if manifest is not None and manifest.get("recipe") == key and not force:
        _log(f"image in {cache} is current ({key})")
        return cache
    started = time.monotonic()
    for tool in ("mke2fs", "qemu-img", "dpkg-scanpackages", "gpg", "openssl"):
        if shutil.which(tool) is None:
            raise ImageError(f"missing tool {tool} (scripts/local-cloud install provides it)")
    sources = debian_root.host_apt_sources()
    gpg_home = repository_key(cache)
    keyring = subprocess.run(
        ["gpg", "--homedir", str(gpg_home), "--batch", "--export"],
        capture_output=True,
        check=True,
    ).stdout
    building = cache / "building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    root = building / "root"
    _run(["cp", "-a", "--reflink=auto", str(base), str(root)])
    (root / debian_root.STAMP).unlink(missing_ok=True)
    archives = cache / "apt-archives"
    (archives / "partial").mkdir(parents=True, exist_ok=True)
    (root / debian_root.POLICY_RC_D).write_text("#!/bin/sh\nexit 101\n")
    (root / debian_root.POLICY_RC_D).chmod(0o755)
    try:
        debian_root.run_in_root(root, ["apt-get", "update", "-q"], archives)
        debian_root.run_in_root(
            root,
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *image_packages()],
            archives,
        )
        versions = build_repository(root, archives, building / "repository", gpg_home)
        debian_root.run_in_root(root, ["apt-get", "clean"], archives)
    finally:
        (root / debian_root.POLICY_RC_D).unlink(missing_ok=True)
    image_versions = _installed_versions(root, image_packages())
    _configure(root, keyring, sources)
    shutil.rmtree(root / "var/lib/apt/lists", ignore_errors=True)
    (root / "var/lib/apt/lists/partial").mkdir(parents=True)
    kernel = max((root / "boot").glob("vmlinuz-*"))
    initrd = max((root / "boot").glob("initrd.img-*"))
    shutil.copy(kernel, building / "vmlinuz")
    shutil.copy(initrd, building / "initrd.img")
    used = int(_run(["du", "-sb", str(root)]).split()[0])
    size_mib = max(2048, (used * 3 // 2) // (1 << 20) // 256 * 256 + 256)
    raw = building / "root.raw"
    _run(["mke2fs", "-q", "-t", "ext4", "-L", "root", "-d", str(root), str(raw), f"{size_mib}M"])
    _run(
        ["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(building / "root.qcow2")]
    )
    raw.unlink()
    shutil.rmtree(root)
    ca_cert, cert, signing_key = signing_material(cache)
    files = {}
    for name in ("root.qcow2", "vmlinuz", "initrd.img"):
        path = building / name
        files[name] = {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "size": path.stat().st_size,
            "signature": sign(path, signing_key),
        }
    seconds = round(time.monotonic() - started)
    record = {
        "recipe": key,
        "name": IMAGE_NAME,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": seconds,
        "command_line": COMMAND_LINE,
        "files": files,
        "signature": {"hash_method": "SHA-256", "key_type": "RSA-PSS"},
        "certificates": {"ca": str(ca_cert), "signing": str(cert)},
        "repository": {"suites": list(SUITES), "packages": versions},
        "packages": image_versions,
    }
    for name in ("root.qcow2", "vmlinuz", "initrd.img", "repository"):
        target = cache / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        (building / name).rename(target)
    (cache / STAMP).write_text(json.dumps(record, indent=2) + "\n")
    shutil.rmtree(building)
    # gpg started an agent for the repository key: nothing the build started may outlive it.
    subprocess.run(["gpgconf", "--homedir", str(gpg_home), "--kill", "all"], check=False)
    _log(f"built the image in {seconds} s: {cache}")
    return cache


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/image", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    built = sub.add_parser("build", help="build (or reuse) the image and its repository")
    built.add_argument("--force", action="store_true", help="rebuild even when current")
    sub.add_parser("path", help="print the cache folder")
    args = parser.parse_args(argv)
    if args.command == "path":
        print(cache_dir())
        return 0
    try:
        print(build(force=args.force))
    except (ImageError, debian_root.HostRootError) as error:
        print(f"image: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
