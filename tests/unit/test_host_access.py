"""The SSH access hubctl writes for a site, and its wait for the hosts' first boot."""

from __future__ import annotations

import stat
from types import SimpleNamespace

from hubctl.hosts import access, boot

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
HOSTS = {"10.40.4.10": "hub-local-bastion-0", "10.40.2.10": "hub-local-app-0"}
KEYS = {"10.40.4.10": ["ssh-ed25519 AAAAbastion"], "10.40.2.10": ["ssh-ed25519 AAAAapp"]}


def test_the_key_is_readable_by_its_owner_only(tmp_path):
    site = access.write("local", "10.40.4.10", HOSTS, KEY, KEYS, None, root=tmp_path)
    mode = (site.folder / "admin.key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert (site.folder / "admin.key").read_text() == KEY + "\n"


def test_known_hosts_hold_each_hosts_console_keys_and_nothing_is_accepted_blindly(tmp_path):
    site = access.write("local", "10.40.4.10", HOSTS, KEY, KEYS, None, root=tmp_path)
    assert (site.folder / "known_hosts").read_text().splitlines() == [
        "10.40.4.10 ssh-ed25519 AAAAbastion",
        "10.40.2.10 ssh-ed25519 AAAAapp",
    ]
    assert "StrictHostKeyChecking yes" in site.config.read_text()


def test_every_host_but_the_bastion_is_reached_through_it(tmp_path):
    site = access.write("local", "10.40.4.10", HOSTS, KEY, KEYS, None, root=tmp_path)
    blocks = site.config.read_text().split("Host ")[1:]
    bastion = next(b for b in blocks if b.startswith("10.40.4.10"))
    app = next(b for b in blocks if b.startswith("10.40.2.10"))
    assert "ProxyJump" not in bastion
    assert "ProxyJump hubadmin@10.40.4.10" in app


def test_the_operators_namespace_carries_only_the_bastion_connection(tmp_path):
    site = access.write(
        "local", "10.40.4.10", HOSTS, KEY, KEYS, "lcab12-op-1234abcd", root=tmp_path
    )
    blocks = site.config.read_text().split("Host ")[1:]
    assert "ProxyCommand ip netns exec lcab12-op-1234abcd nc %h %p" in blocks[0]
    assert "ProxyCommand" not in blocks[1]


def test_without_an_operators_namespace_ssh_goes_direct_as_over_a_vpn(tmp_path):
    site = access.write("staging", "10.20.4.10", {"10.20.4.10": "b"}, KEY, {}, None, root=tmp_path)
    assert "ProxyCommand" not in site.config.read_text()


def test_the_printed_line_is_ssh_with_the_config_and_the_bastion_as_jump(tmp_path):
    site = access.write("local", "10.40.4.10", HOSTS, KEY, KEYS, None, root=tmp_path)
    assert site.hint("10.40.2.10") == (
        f"ssh -F {site.config} -J hubadmin@10.40.4.10 hubadmin@10.40.2.10"
    )
    assert site.ssh("10.40.4.10", "true") == [
        "ssh",
        "-F",
        str(site.config),
        "hubadmin@10.40.4.10",
        "true",
    ]


def test_the_operators_namespace_is_found_by_its_routers_id(tmp_path):
    (tmp_path / "lcab12-op-1234abcd").touch()
    (tmp_path / "lcab12-op-99999999").touch()
    assert access.operators_namespace("1234abcd-5678", tmp_path) == "lcab12-op-1234abcd"
    assert access.operators_namespace("deadbeef-5678", tmp_path) is None
    assert access.operators_namespace(None, tmp_path) is None


FINISHED = "Cloud-init v. 22.4.2 finished at Sun, 06 Dec 2026. Datasource X.  Up 401.25 seconds\n"
FAILED = "hardening step failed: systemctl restart nftables.service\n" + FINISHED


class FakeCompute:
    """Nova as `boot.wait` sees it: servers by name, and the console each has printed so far."""

    def __init__(self, consoles: dict[str, list[str]], status: str = "ACTIVE") -> None:
        self.consoles = consoles
        self.status = status

    def servers(self, name: str) -> list[SimpleNamespace]:
        bare = name.strip("^$")
        if bare not in self.consoles:
            return []
        return [SimpleNamespace(id=f"id-{bare}", name=bare, status=self.status, fault=None)]

    def get_server_console_output(self, server: SimpleNamespace) -> dict[str, str]:
        pages = self.consoles[server.name]
        return {"output": pages.pop(0) if len(pages) > 1 else pages[0]}


def run_wait(
    consoles: dict[str, list[str]], timeout_s: float = 100.0, status: str = "ACTIVE"
) -> tuple[list[boot.HostBoot], list[str]]:
    now = [0.0]
    conn = SimpleNamespace(compute=FakeCompute(consoles, status))
    lines: list[str] = []
    boots = boot.wait(
        conn,
        {
            "bastion": [n for n in consoles if "bastion" in n],
            "app": [n for n in consoles if "app" in n],
        },
        timeout_s=timeout_s,
        poll_s=10,
        say=lines.append,
        clock=lambda: now[0],
        sleep=lambda s: now.__setitem__(0, now[0] + s),
    )
    return boots, lines


def test_wait_returns_when_every_host_has_finished():
    boots, _ = run_wait({"hub-bastion-0": ["booting", FINISHED], "hub-app-0": [FINISHED]})
    assert [b.ok for b in boots] == [True, True]
    assert boots[0].seconds == 10.0


def test_a_hosts_own_error_is_its_result():
    boots, lines = run_wait({"hub-bastion-0": [FINISHED], "hub-app-0": ["booting", FAILED]})
    failed = [b for b in boots if not b.ok]
    assert [b.name for b in failed] == ["hub-app-0"]
    assert failed[0].errors == ["hardening step failed: systemctl restart nftables.service"]
    assert "hub-app-0 (app): failed: hardening step failed" in lines[-1]


def test_a_host_with_no_result_in_time_times_out_with_its_consoles_tail():
    boots, _ = run_wait({"hub-bastion-0": ["still booting"]}, timeout_s=30)
    assert boots[0].state == "timed out"
    assert boots[0].errors == ["no cloud-init result after 30 s", "still booting"]


def test_a_server_in_error_fails_at_once():
    boots, _ = run_wait({"hub-bastion-0": ["x"]}, status="ERROR")
    assert boots[0].state == "failed"
    assert boots[0].seconds == 0.0


class _Routers:
    """Neutron as an administrator sees it: every project's routers, filtered as asked."""

    def __init__(self, routers: list[SimpleNamespace]) -> None:
        self._routers = routers

    def routers(self, name: str, project_id: str) -> list[SimpleNamespace]:
        return [r for r in self._routers if r.name == name and r.project_id == project_id]


def _admin_sees(*routers: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(current_project_id="own", network=_Routers(list(routers)))


def test_the_edge_router_is_the_one_of_the_connections_own_project():
    conn = _admin_sees(
        SimpleNamespace(id="theirs-1", name="hub-local-edge", project_id="test-tenant"),
        SimpleNamespace(id="ours-2", name="hub-local-edge", project_id="own"),
    )
    assert access.edge_router_id(conn, "local") == "ours-2"


def test_no_edge_router_in_the_own_project_is_none_even_when_another_project_has_one():
    conn = _admin_sees(SimpleNamespace(id="x", name="hub-local-edge", project_id="test-tenant"))
    assert access.edge_router_id(conn, "local") is None
