"""The local cloud's configs and helpers, checked without starting anything.

Every template renders with nothing left unresolved, names no address but 127.0.0.1 (the cloud
must never reach out, nor need DNS), and the seed's image really is qcow2.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from localcloud.commands.env import clouds
from localcloud.layout import TEMPLATES, Layout, render_text, template_values
from localcloud.services import CLOUD_PORTS, all_services
from localcloud.setup import glance, infrastructure, steps

SECRETS = {
    "db_password": "dbpw",
    "service_password": "svcpw",
    "admin_password": "adminpw",
    "hub_admin_password": "hubpw",
    "barbican_kek": "a2VrLWtlay1rZWsta2VrLWtlay1rZWsta2VrLWtlay0=",
}
TEMPLATE_FILES = sorted(p for p in TEMPLATES.iterdir() if p.is_file())


@pytest.fixture()
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / ".local-cloud")


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: p.name)
def test_template_renders_and_stays_on_loopback(template: Path, layout: Layout) -> None:
    text = render_text(template.read_text(), template_values(layout, SECRETS))
    assert "${" not in text
    for host in re.findall(r"(?:https?|rabbit|mysql\+pymysql)://(?:[^@/\s]*@)?([^:/\s]+)", text):
        assert host == "127.0.0.1", f"{template.name} names {host}"
    for key, value in re.findall(
        r"^\s*(bind_host|bind_ip|bind-address|\w+_listen)\s*=\s*(\S+)", text, re.M
    ):
        assert value == "127.0.0.1", f"{template.name}: {key} = {value}"


def test_every_service_listens_on_a_cloud_port_only(layout: Layout) -> None:
    for service in all_services(layout):
        port = service.port
        if service.url:
            match = re.match(r"http://127\.0\.0\.1:(\d+)/", service.url)
            assert match, service.url
            port = int(match.group(1))
        if port is not None:
            assert port in CLOUD_PORTS, service.name
        argv = " ".join(service.argv)
        for address in re.findall(r"\b\d+\.\d+\.\d+\.\d+\b", argv):
            assert address == "127.0.0.1", f"{service.name}: {address}"


def test_tiny_qcow2_is_a_valid_qcow2_header() -> None:
    image = glance.tiny_qcow2()
    magic, version = struct.unpack(">4sI", image[:8])
    assert (magic, version) == (b"QFI\xfb", 3)
    cluster_bits, size = struct.unpack(">IQ", image[20:32])
    assert cluster_bits == 16 and size == 1 << 30
    l1_size, l1_offset, refcount_offset = struct.unpack(">IQQ", image[36:56])
    assert l1_size == 2 and l1_offset == 3 << 16 and refcount_offset == 1 << 16
    assert len(image) == 4 << 16


def test_the_bootstrap_walks_every_service_module_in_its_order(layout: Layout) -> None:
    """The order of the one-time steps is a contract (the marks under done/ and what each step
    finds done before it): the walk over localcloud/setup/ keeps the order they had before."""
    walked = {module.__name__.rsplit(".", 1)[-1] for module in (infrastructure, *steps.SERVICES)}
    modules = {path.stem for path in Path(steps.__file__).parent.glob("*.py")}
    assert modules - walked == {"__init__", "common", "steps"}
    assert steps.databases() == [
        "keystone",
        "glance",
        "placement",
        "nova_api",
        "nova",
        "nova_cell0",
        "neutron",
        "cinder",
        "barbican",
    ]
    assert list(steps.schema_steps(layout, SECRETS)) == [
        f"schema-{name}"
        for name in ("keystone", "glance", "placement", "nova", "neutron", "cinder", "barbican")
    ]
    assert [kind for _, kind, _ in steps.CATALOG] == [
        "identity",
        "compute",
        "network",
        "placement",
        "image",
        "volumev3",
        "object-store",
        "key-manager",
    ]


def test_clouds_yaml_names(layout: Layout) -> None:
    entries = clouds(layout, SECRETS)
    assert set(entries) == {"local", "local-dr", "local-admin"}
    assert entries["local"]["region_name"] == "LOCAL1"
    assert entries["local-dr"]["region_name"] == "LOCAL2"
    local_auth = entries["local"]["auth"]
    dr_auth = entries["local-dr"]["auth"]
    assert isinstance(local_auth, dict) and isinstance(dr_auth, dict)
    assert (local_auth["project_name"], dr_auth["project_name"]) == ("hub-local", "hub-dr")
    assert local_auth["auth_url"] == "http://127.0.0.1:5000/v3"


def test_packages_are_pinned() -> None:
    lines = [
        line
        for line in (TEMPLATES.parent / "packages.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines and all(re.fullmatch(r"[a-z0-9.+-]+=\S+", line) for line in lines)
    names = {line.split("=")[0] for line in lines}
    # cinder-volume pulls LVM and iSCSI, which this kernel cannot use: its code runs from
    # python3-cinder with the cloud's own drivers. The data plane's hypervisor is Debian's.
    assert "cinder-volume" not in names
    assert {"nova-compute-qemu", "libvirt-daemon-system", "qemu-system-x86"} <= names


def test_a_folder_never_started_has_no_mode_yet(layout: Layout) -> None:
    assert layout.recorded_mode() is None


def test_a_cloud_seeded_before_modes_existed_is_api_only(layout: Layout) -> None:
    layout.marks.mkdir(parents=True)
    layout.mark("seed")
    assert layout.recorded_mode() == "api-only"


@pytest.mark.parametrize("mode", ["api-only", "data-plane"])
def test_the_mode_of_the_first_start_is_the_recorded_one(
    layout: Layout, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout.state.mkdir(parents=True)
    monkeypatch.setenv("LOCAL_CLOUD_DATA_PLANE", "1" if mode == "data-plane" else "0")
    assert layout.choose_mode() == mode
    monkeypatch.delenv("LOCAL_CLOUD_DATA_PLANE")
    assert layout.recorded_mode() == mode
