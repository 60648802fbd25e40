"""Where the local cloud keeps things, its generated secrets, and the rendering of its configs.

Everything lives under `.local-cloud/` at the repository root (git-ignored): generated configs in
etc/, data in per-service folders, logs in log/, pid files in run/. Deleting that folder resets
the cloud to a cold start.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

from localcloud.netns import VTEP_IP

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
PYDIST = Path(__file__).resolve().parent / "pydist"

# The one service user every OpenStack service authenticates as (project `service`).
SERVICE_USER = "localcloud-services"
REGION = "LOCAL1"
DR_REGION = "LOCAL2"
HUB_PROJECT = "hub-local"
DR_PROJECT = "hub-dr"
HUB_USER = "hub-admin"
ADMIN_USER = "admin"
ADMIN_PROJECT = "admin"
KEYSTONE_URL = "http://127.0.0.1:5000/v3"
# `scripts/local-cloud start` with LOCAL_CLOUD_DATA_PLANE=1 makes a cloud whose hosts boot
# (localcloud.netns); the choice is recorded at the first start and kept by the state folder.
DATA_PLANE_ENV = "LOCAL_CLOUD_DATA_PLANE"
MODES = ("api-only", "data-plane")
# The one compute host of a data-plane cloud: a real libvirt hypervisor.
DATA_PLANE_HOST = "local-compute-1"
# Where `scripts/image build` keeps the image and its package repository (outside the clone).
IMAGE_CACHE_ENV = "HUB_IMAGE_CACHE"
DEFAULT_IMAGE_CACHE = "/var/cache/sovereign-hub/image"


def image_cache() -> Path:
    return Path(os.environ.get(IMAGE_CACHE_ENV, DEFAULT_IMAGE_CACHE))


@dataclass(frozen=True)
class Layout:
    """Paths of one local cloud instance."""

    state: Path

    @property
    def etc(self) -> Path:
        return self.state / "etc"

    @property
    def log(self) -> Path:
        return self.state / "log"

    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def marks(self) -> Path:
        """One empty file per one-time setup step already done (database synced, ...)."""
        return self.state / "done"

    @property
    def secrets_file(self) -> Path:
        return self.state / "secrets.json"

    @property
    def clouds_yaml(self) -> Path:
        return self.state / "clouds.yaml"

    @property
    def mode_file(self) -> Path:
        return self.state / "mode"

    @property
    def data_plane(self) -> bool:
        """True when this cloud's hosts boot for real (recorded at its first start)."""
        return self.recorded_mode() == "data-plane"

    def recorded_mode(self) -> str | None:
        """The mode of this cloud's first start, None before it (a cloud seeded before modes
        existed is an API-only one)."""
        if self.mode_file.exists():
            return self.mode_file.read_text().strip()
        return "api-only" if self.done("seed") else None

    def choose_mode(self) -> str:
        """Record the mode the environment asks for at the first start; refuse a change later
        (the databases, hosts and seed of one mode are not the other's)."""
        wanted = (
            "data-plane" if os.environ.get(DATA_PLANE_ENV, "") in ("1", "yes", "true") else None
        )
        mode = self.recorded_mode() or wanted or "api-only"
        if not self.mode_file.exists():
            self.mode_file.write_text(mode + "\n")
        if wanted is not None and mode != wanted:
            raise ValueError(
                f"{self.state} holds an {mode} cloud; {DATA_PLANE_ENV}=1 needs a data-plane one: "
                "stop it and start from an empty LOCAL_CLOUD_DIR (see localcloud/README.md)"
            )
        return mode

    def make_dirs(self) -> None:
        for path in (self.etc, self.log, self.run, self.marks, self.state / "lock"):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o700)

    def done(self, step: str) -> bool:
        return (self.marks / step).exists()

    def mark(self, step: str) -> None:
        (self.marks / step).touch()


# Where a started cloud records its folder. The cloud's ports are fixed, so a network namespace
# holds one cloud, whichever checkout started it: a second clone on the same machine (a CI job's,
# the README tier's) uses the running cloud instead of starting another on the same ports.
RUN_DIR_VARIABLE = "LOCAL_CLOUD_RUN_DIR"
DEFAULT_RUN_DIR = Path("/run/sovereign-hub")


def machine_record() -> Path:
    """The record of this network namespace's cloud (/run is emptied at boot, as the cloud's
    processes are; a namespace of its own has a cloud of its own)."""
    namespace = os.stat("/proc/self/ns/net").st_ino
    run_dir = Path(os.environ.get(RUN_DIR_VARIABLE) or DEFAULT_RUN_DIR)
    return run_dir / f"local-cloud.net-{namespace}"


def record_machine_cloud(layout: Layout) -> None:
    record = machine_record()
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(f"{layout.state}\n", encoding="utf-8")


def recorded_cloud() -> Path | None:
    """The folder of the cloud started in this network namespace, if one was. A stop keeps the
    record: the cloud's data is still there, and a later start from any checkout without a
    cloud of its own restarts that cloud rather than a new, empty one."""
    try:
        folder = Path(machine_record().read_text(encoding="utf-8").strip())
    except OSError:
        return None
    return folder if (folder / "secrets.json").is_file() else None


def default_layout() -> Layout:
    """LOCAL_CLOUD_DIR when set; else this checkout's own cloud once it has been set up; else
    the cloud another checkout started in this network namespace; else a new one here."""
    override = os.environ.get("LOCAL_CLOUD_DIR")
    if override:
        return Layout(Path(override).resolve())
    own = Layout(REPO_ROOT / ".local-cloud")
    if own.secrets_file.is_file():
        return own
    running = recorded_cloud()
    return Layout(running) if running is not None else own


def is_another_checkouts(layout: Layout) -> bool:
    """True when `layout` is the cloud another checkout started, found through the machine's
    record: neither chosen with LOCAL_CLOUD_DIR nor this checkout's own."""
    return not os.environ.get("LOCAL_CLOUD_DIR") and layout.state != REPO_ROOT / ".local-cloud"


def load_secrets(layout: Layout, *, add_missing: bool = True) -> dict[str, str]:
    """Passwords and keys of this cloud, generated at first start and kept under .local-cloud/."""

    def password() -> str:
        # Letters and digits only: these end up in URLs (database, AMQP) and INI files.
        return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))

    if layout.secrets_file.exists():
        loaded: dict[str, str] = json.loads(layout.secrets_file.read_text())
        added = [
            k for k in ("officer_password", "officer2_password") if k not in loaded and add_missing
        ]
        for key in added:
            # Added with research workspaces and the airlock: a cloud set up before gets them.
            loaded[key] = password()
        if added:
            layout.secrets_file.write_text(json.dumps(loaded, indent=2))
        return loaded

    values = {
        "db_password": password(),
        "service_password": password(),
        "admin_password": password(),
        "hub_admin_password": password(),
        "officer_password": password(),
        "officer2_password": password(),
        "barbican_kek": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    layout.state.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(values, out, indent=2)
    return values


def template_values(layout: Layout, secret: dict[str, str]) -> dict[str, str]:
    values = {
        "state": str(layout.state),
        "db_url": f"mysql+pymysql://openstack:{secret['db_password']}@127.0.0.1:3306",
        "transport_url": "rabbit://guest:guest@127.0.0.1:5672/",
        "service_user": SERVICE_USER,
        "service_password": secret["service_password"],
        "barbican_kek": secret["barbican_kek"],
        "nova_host": "local-control",
        "compute_host": DATA_PLANE_HOST,
        "vtep_ip": VTEP_IP,
        # As localcloud.setup.cinder.volume_backend says.
        "volume_backend": "localfiles" if layout.data_plane else "fake",
    }
    values["authtoken"] = render_text((TEMPLATES / "authtoken.part").read_text(), values)
    values["service_auth"] = render_text((TEMPLATES / "service-auth.part").read_text(), values)
    return values


def render_text(text: str, values: dict[str, str]) -> str:
    return string.Template(text).substitute(values)


def render(template: str, target: Path, values: dict[str, str]) -> Path:
    """Render one template to `target`, rewriting it only when its content changes."""
    text = render_text((TEMPLATES / template).read_text(), values)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
        os.chmod(target, 0o600)
    return target
