"""The user data the compute layer passes to instances: stable, complete, per role."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from infra.hardening import (
    MEASURES,
    AdminUser,
    HardeningSettings,
    measures_for,
    render_user_data,
    user_data_document,
)
from infra.hardening.firewall import render_ruleset
from infra.hardening.ssh import SSHD_DROP_IN
from infra.hardening.sysctl import SYSCTL_FILE
from infra.hardening.userdata import STEP_FUNCTION, runcmd_script
from infra.tiers import HostRole, role_ports

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAqAV32vjJUIU3wV6YRn33EQDhgWRFx75I8BP0fQDhe5 a@hub"
SETTINGS = HardeningSettings(admin_users=[AdminUser(name="alice", ssh_public_key=KEY)])
# Nova refuses user data over 65535 bytes once base64-encoded.
NOVA_USER_DATA_LIMIT = 65535


def files(role: HostRole, settings: HardeningSettings = SETTINGS) -> dict[str, str]:
    return {f["path"]: f["content"] for f in user_data_document(role, settings)["write_files"]}


@pytest.mark.parametrize("role", list(HostRole))
def test_user_data_is_a_cloud_config_document(role: HostRole) -> None:
    text = render_user_data(role, SETTINGS)
    assert text.startswith("#cloud-config\n")
    assert yaml.safe_load(text) == user_data_document(role, SETTINGS)


@pytest.mark.parametrize("role", list(HostRole))
def test_same_inputs_render_the_same_bytes(role: HostRole) -> None:
    equal_settings = HardeningSettings.model_validate(SETTINGS.model_dump())
    assert render_user_data(role, SETTINGS) == render_user_data(role, equal_settings)


@pytest.mark.parametrize("role", list(HostRole))
def test_user_data_fits_nova_limit(role: HostRole) -> None:
    encoded = base64.b64encode(render_user_data(role, SETTINGS).encode())
    assert len(encoded) <= NOVA_USER_DATA_LIMIT


@pytest.mark.parametrize("role", list(HostRole))
def test_host_firewall_opens_exactly_the_role_ports(role: HostRole) -> None:
    ruleset = files(role)["/etc/nftables.conf"]
    assert ruleset == render_ruleset(role)
    opened = ruleset.split("tcp dport {")[1].split("}")[0]
    assert sorted(int(p) for p in opened.split(",")) == role_ports(role)


def test_only_roles_with_a_data_volume_format_and_mount_it() -> None:
    for role in HostRole:
        document = user_data_document(role, SETTINGS)
        mount_points = [entry[1] for entry in document["mounts"]]
        is_data = role in (HostRole.DATA, HostRole.WORKSPACE)
        assert ("fs_setup" in document) == is_data
        assert (SETTINGS.data_mount_point in mount_points) == is_data


def test_tcp_forwarding_is_open_on_the_bastion_only() -> None:
    assert "AllowTcpForwarding local" in files(HostRole.BASTION)[SSHD_DROP_IN]
    assert "AllowTcpForwarding no" in files(HostRole.APP)[SSHD_DROP_IN]
    assert "AllowTcpForwarding no" in files(HostRole.DATA)[SSHD_DROP_IN]


# Measures carried by cloud-config keys (users, mounts, ntp) or runcmd steps, not by a file.
NOT_IN_FILES = {
    "admin-accounts",
    "no-default-user",
    "mount-tmp",
    "mount-var-tmp",
    "mount-dev-shm",
    "data-volume-mount",
    "time-sync",
    "no-legacy-services",
    "systemd-risky-units-masked",
}


def test_every_file_written_names_its_measures_and_bp028_recommendations() -> None:
    text = "\n".join(files(HostRole.DATA).values())
    for measure in measures_for(HostRole.DATA):
        named = f"# {measure.id}: " in text and f"BP-028 {measure.recommendation} " in text
        assert named == (measure.id not in NOT_IN_FILES), measure.id


def test_sysctl_file_sorts_after_every_file_debian_ships() -> None:
    # systemd-sysctl lets the last file name win; Debian ships 99-protect-links.conf.
    assert SYSCTL_FILE.rsplit("/", 1)[1] > "99-sysctl.conf" > "99-protect-links.conf"


def test_administrators_get_accounts_and_the_image_default_user_does_not() -> None:
    document = user_data_document(HostRole.APP, SETTINGS)
    assert [user["name"] for user in document["users"]] == ["alice"]
    assert "default" not in document["users"]
    assert document["users"][0]["ssh_authorized_keys"] == [KEY]
    assert document["users"][0]["lock_passwd"] is True


def test_ntp_servers_come_from_the_settings_and_no_pool_is_used() -> None:
    settings = SETTINGS.model_copy(update={"ntp_servers": ["10.0.0.5"]})
    ntp = user_data_document(HostRole.APP, settings)["ntp"]
    assert ntp["servers"] == ["10.0.0.5"]
    assert ntp["pools"] == []


def test_apt_proxy_is_configured_only_when_given() -> None:
    assert "apt" not in user_data_document(HostRole.DATA, SETTINGS)
    proxied = SETTINGS.model_copy(update={"apt_proxy": "http://10.0.0.9:3142"})
    assert user_data_document(HostRole.DATA, proxied)["apt"] == {"proxy": "http://10.0.0.9:3142"}


def test_first_boot_runs_every_hardening_step_and_fails_if_one_failed() -> None:
    runcmd = user_data_document(HostRole.APP, SETTINGS)["runcmd"]
    assert runcmd[:2] == ["failed=0", STEP_FUNCTION]
    assert runcmd[-1] == 'exit "$failed"'
    assert all(line.startswith("step ") for line in runcmd[2:-1])


def test_a_failing_step_does_not_stop_later_steps_but_fails_the_script(tmp_path: Path) -> None:
    marker = tmp_path / "later-step-ran"
    script = "\n".join(runcmd_script([["false"], ["touch", str(marker)]]))
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)
    assert marker.exists()
    assert result.returncode == 1
    assert "hardening step failed: false" in result.stderr


def test_settings_reject_a_key_that_is_not_an_openssh_public_key() -> None:
    with pytest.raises(ValidationError):
        AdminUser(name="alice", ssh_public_key="-----BEGIN OPENSSH PRIVATE KEY-----")


def test_settings_have_defaults_for_everything() -> None:
    settings = HardeningSettings()
    assert settings.ssh_allow_group == "hub-admins"
    assert settings.data_volume_device == "/dev/vdb"
    assert settings.data_mount_point == "/srv/data"
    assert settings.ntp_servers


def test_measures_for_a_role_are_those_that_apply_to_it() -> None:
    assert "data-volume-mount" in {m.id for m in measures_for(HostRole.DATA)}
    assert "data-volume-mount" not in {m.id for m in measures_for(HostRole.APP)}
    # The app role gets every measure but the data volume's and the workspace analysts'.
    assert len(measures_for(HostRole.APP)) == len(MEASURES) - 2


def test_workspace_analysts_log_in_without_sudo() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFuYWx5c3Q analyst"
    settings = HardeningSettings(analyst_users=[AdminUser(name="ana", ssh_public_key=key)])
    document = user_data_document(HostRole.WORKSPACE, settings)
    ana = next(u for u in document["users"] if u["name"] == "ana")
    assert ana["groups"] == ["hub-analysts"] and ana["ssh_authorized_keys"] == [key]
    sshd = files(HostRole.WORKSPACE, settings)[SSHD_DROP_IN]
    assert "AllowGroups hub-admins hub-analysts" in sshd
    assert "%hub-analysts" not in files(HostRole.WORKSPACE, settings)["/etc/sudoers.d/hub-admins"]


def test_analysts_get_no_account_outside_workspaces() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFuYWx5c3Q analyst"
    settings = HardeningSettings(analyst_users=[AdminUser(name="ana", ssh_public_key=key)])
    names = {u["name"] for u in user_data_document(HostRole.DATA, settings)["users"]}
    assert "ana" not in names
    assert "AllowGroups hub-admins\n" in files(HostRole.DATA, settings)[SSHD_DROP_IN]
