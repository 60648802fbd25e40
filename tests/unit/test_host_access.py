"""The SSH access hubctl writes for a site, and its wait for the hosts' first boot."""

from __future__ import annotations

import stat
from types import SimpleNamespace

from keystoneauth1.exceptions import ConnectTimeout
from openstack.exceptions import ForbiddenException, HttpException, NotFoundException

from hubctl.cloud import Hosts, hosts_of, project_of
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


LOST = "ACTIVE without its guest"


class FakeCompute:
    """Nova as `boot.wait` sees it through openstacksdk: servers by name, each with its status
    over time (the last one stays), and the console each has printed so far. As Nova does, a
    server that does not run has no console (a 404 when Nova still says ACTIVE), and a start is
    refused unless the server is stopped."""

    def __init__(
        self, consoles: dict[str, list[str]], status: str | dict[str, list[str]] = "ACTIVE"
    ) -> None:
        self.consoles = consoles
        self.statuses = (
            status if isinstance(status, dict) else {name: [status] for name in consoles}
        )
        self.started: list[str] = []
        # What each console request meets before its console, in turn (a cloud restarted under
        # its hosts: Nova's API answers, its compute service not yet).
        self.console_faults: dict[str, list[Exception]] = {}
        # Each server's status as last reported: what a start or a console request meets.
        self.current: dict[str, str] = {}

    def _status(self, name: str) -> str:
        states = self.statuses[name]
        return states.pop(0) if len(states) > 1 else states[0]

    def servers(self, name: str) -> list[SimpleNamespace]:
        bare = name.strip("^$")
        if bare not in self.consoles:
            return []
        status = self.current[bare] = self._status(bare)
        # LOST: Nova still says ACTIVE, but its hypervisor lost the guest (no console).
        return [
            SimpleNamespace(
                id=f"id-{bare}",
                name=bare,
                status="ACTIVE" if status == LOST else status,
                fault=None,
            )
        ]

    def _name(self, server_id: str) -> str:
        return server_id.removeprefix("id-")

    def start_server(self, server_id: str) -> None:
        name = self._name(server_id)
        if self.current[name] != "SHUTOFF":
            raise AssertionError(f"Nova refuses to start a server in {self.current[name]}")
        self.started.append(name)

    def get_server_console_output(self, server_id: str) -> dict[str, str]:
        name = self._name(server_id)
        if faults := self.console_faults.get(name):
            raise faults.pop(0)
        if self.current[name] == LOST:
            raise NotFoundException("Guest does not have a console available")
        if self.current[name] != "ACTIVE":
            raise AssertionError("Guest does not have a console available")
        pages = self.consoles[name]
        return {"output": pages.pop(0) if len(pages) > 1 else pages[0]}


def hosts(compute: FakeCompute) -> Hosts:
    """The seam's OpenStack implementation over the stand-in Nova."""
    return hosts_of(SimpleNamespace(compute=compute))


def run_wait(
    consoles: dict[str, list[str]],
    timeout_s: float = 100.0,
    status: str | dict[str, list[str]] = "ACTIVE",
) -> tuple[list[boot.HostBoot], list[str]]:
    boots, lines, _ = run_wait_on(FakeCompute(consoles, status), timeout_s)
    return boots, lines


def run_wait_on(
    compute: FakeCompute, timeout_s: float = 100.0
) -> tuple[list[boot.HostBoot], list[str], FakeCompute]:
    now = [0.0]
    lines: list[str] = []
    boots = boot.wait(
        hosts(compute),
        {
            "bastion": [n for n in compute.consoles if "bastion" in n],
            "app": [n for n in compute.consoles if "app" in n],
        },
        timeout_s=timeout_s,
        poll_s=10,
        say=lines.append,
        clock=lambda: now[0],
        sleep=lambda s: now.__setitem__(0, now[0] + s),
    )
    return boots, lines, compute


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


def test_a_stopped_host_is_started_once_and_its_new_boot_is_read():
    compute = FakeCompute(
        {"hub-bastion-0": [FINISHED], "hub-app-0": [FINISHED]},
        {"hub-bastion-0": ["ACTIVE"], "hub-app-0": ["SHUTOFF", "SHUTOFF", "SHUTOFF", "ACTIVE"]},
    )
    boots, lines, compute = run_wait_on(compute)
    assert compute.started == ["hub-app-0"]
    assert [b.ok for b in boots] == [True, True]
    assert boots[1].started and not boots[0].started
    assert boots[1].seconds == 30.0
    assert "hub-app-0 (app): was SHUTOFF, started it" in lines


def test_a_host_nova_still_calls_active_without_its_guest_is_started_once_nova_says_shutoff():
    compute = FakeCompute(
        {"hub-app-0": [FINISHED]}, {"hub-app-0": [LOST, LOST, "SHUTOFF", "SHUTOFF", "ACTIVE"]}
    )
    boots, _, compute = run_wait_on(compute)
    assert compute.started == ["hub-app-0"]
    assert boots[0].ok
    assert boots[0].seconds == 40.0


def test_a_host_without_a_console_until_the_timeout_says_nova_has_none():
    boots, _ = run_wait({"hub-app-0": [FINISHED]}, timeout_s=30, status=LOST)
    assert boots[0].state == "timed out"
    assert boots[0].errors == [
        "no cloud-init result after 30 s",
        "Nova has no console for it: its guest does not run, yet Nova reports it ACTIVE",
    ]


def nova_error(status: int) -> HttpException:
    # What openstacksdk raises for Nova's answer when its compute service does not answer RPC.
    return HttpException("Unexpected API Error. MessagingTimeout", http_status=status)


def test_a_console_nova_cannot_give_yet_is_read_again_until_the_boot_shows():
    compute = FakeCompute({"hub-app-0": [FINISHED]})
    compute.console_faults["hub-app-0"] = [nova_error(500), nova_error(500), ConnectTimeout()]
    boots, _, _ = run_wait_on(compute)
    assert boots[0].ok
    assert boots[0].seconds == 30.0


def test_a_console_nova_never_gives_times_out_and_says_what_nova_answered():
    compute = FakeCompute({"hub-app-0": [FINISHED]})
    compute.console_faults["hub-app-0"] = [nova_error(500) for _ in range(10)]
    boots, _, _ = run_wait_on(compute, timeout_s=30)
    assert boots[0].state == "timed out"
    assert boots[0].errors == [
        "no cloud-init result after 30 s",
        "Nova did not give its console: HTTP 500",
    ]


def test_a_console_the_cloud_refuses_fails_at_once_and_says_so():
    compute = FakeCompute({"hub-app-0": [FINISHED]})
    compute.console_faults["hub-app-0"] = [ForbiddenException("Policy doesn't allow it")]
    boots, _, _ = run_wait_on(compute)
    assert (boots[0].state, boots[0].seconds) == ("failed", 0.0)
    assert boots[0].errors == [
        "Nova did not give its console: HTTP 403: the auditing identity may not read it"
    ]


def test_reading_once_a_console_nova_cannot_give_says_what_it_answered():
    compute = FakeCompute({"hub-app-0": [FINISHED]})
    compute.console_faults["hub-app-0"] = [nova_error(503)]
    [read] = boot.read_once(hosts(compute), {"app": ["hub-app-0"]})
    assert (read.state, read.errors) == ("failed", ["Nova did not give its console: HTTP 503"])


def test_reading_once_a_host_without_a_console_says_nova_has_none():
    compute = FakeCompute({"hub-app-0": [FINISHED]}, LOST)
    [read] = boot.read_once(hosts(compute), {"app": ["hub-app-0"]})
    assert (read.state, read.errors) == (
        "failed",
        ["Nova has no console for it: its guest does not run, yet Nova reports it ACTIVE"],
    )


def test_a_started_host_that_stays_stopped_fails_after_the_timeout_and_says_so():
    boots, _ = run_wait({"hub-app-0": [FINISHED]}, timeout_s=30, status="SHUTOFF")
    assert boots[0].state == "failed"
    assert boots[0].errors == ["started it, and Nova still reports it SHUTOFF after 30 s"]
    assert boots[0].seconds == 40.0


def test_a_suspended_or_shelved_host_fails_at_once_with_the_command_that_brings_it_back():
    for status, command in [
        ("SUSPENDED", "openstack server resume hub-app-0"),
        ("PAUSED", "openstack server unpause hub-app-0"),
        ("SHELVED", "openstack server unshelve hub-app-0"),
        ("SHELVED_OFFLOADED", "openstack server unshelve hub-app-0"),
        ("SOFT_DELETED", "openstack server restore hub-app-0"),
    ]:
        boots, _, compute = run_wait_on(FakeCompute({"hub-app-0": [FINISHED]}, status))
        assert compute.started == []
        assert boots[0].state == "failed"
        assert boots[0].seconds == 0.0
        assert boots[0].errors == [
            f"Nova reports it {status}: it is not running; `{command}` brings it back"
        ]


def test_reading_once_reports_a_stopped_host_without_starting_it():
    compute = FakeCompute(
        {"hub-bastion-0": [FINISHED], "hub-app-0": [FINISHED]},
        {"hub-bastion-0": ["ACTIVE"], "hub-app-0": ["SHUTOFF"]},
    )
    boots = boot.read_once(hosts(compute), {"bastion": ["hub-bastion-0"], "app": ["hub-app-0"]})
    assert compute.started == []
    assert [b.state for b in boots] == ["finished", "failed"]
    assert boots[1].errors == ["Nova reports it SHUTOFF: it is not running; `hubctl up` starts it"]


def test_a_host_whose_console_shows_no_keys_keeps_the_keys_learned_at_its_first_boot(tmp_path):
    access.write("local", "10.40.4.10", HOSTS, KEY, KEYS, None, root=tmp_path)
    # Restarted since: its console shows a boot, not the first one, and no keys.
    site = access.write(
        "local",
        "10.40.4.10",
        HOSTS,
        KEY,
        {"10.40.4.10": [], "10.40.2.10": []},
        None,
        root=tmp_path,
    )
    assert sorted((site.folder / "known_hosts").read_text().splitlines()) == [
        "10.40.2.10 ssh-ed25519 AAAAapp",
        "10.40.4.10 ssh-ed25519 AAAAbastion",
    ]


def test_a_host_with_no_key_from_its_console_or_from_before_is_named(tmp_path):
    site = access.write(
        "local",
        "10.40.4.10",
        HOSTS,
        KEY,
        {"10.40.4.10": KEYS["10.40.4.10"]},
        None,
        root=tmp_path,
    )
    assert site.without_keys == ("10.40.2.10",)
    again = access.write("local", "10.40.4.10", HOSTS, KEY, KEYS, None, root=tmp_path)
    assert again.without_keys == ()


def test_keys_a_console_shows_replace_the_old_ones_and_hosts_gone_are_forgotten(tmp_path):
    access.write("local", "10.40.4.10", HOSTS, KEY, KEYS, None, root=tmp_path)
    bastion_only = {"10.40.4.10": "hub-local-bastion-0"}
    site = access.write(
        "local",
        "10.40.4.10",
        bastion_only,
        KEY,
        {"10.40.4.10": ["ssh-ed25519 AAAAnew"]},
        None,
        root=tmp_path,
    )
    assert (site.folder / "known_hosts").read_text().splitlines() == [
        "10.40.4.10 ssh-ed25519 AAAAnew"
    ]


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
    assert project_of(conn).edge_router_id("local") == "ours-2"


def test_no_edge_router_in_the_own_project_is_none_even_when_another_project_has_one():
    conn = _admin_sees(SimpleNamespace(id="x", name="hub-local-edge", project_id="test-tenant"))
    assert project_of(conn).edge_router_id("local") is None
