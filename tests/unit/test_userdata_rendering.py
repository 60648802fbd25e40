"""User data renders through libyaml's emitter to exactly the bytes of the pure-Python one."""

from __future__ import annotations

import pytest
import yaml

from infra.hardening import AdminUser, HardeningSettings, render_user_data, user_data_document
from infra.hardening.userdata import _Dumper, dump_document
from infra.tiers import HostRole

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAqAV32vjJUIU3wV6YRn33EQDhgWRFx75I8BP0fQDhe5 a@hub"
SETTINGS = [
    HardeningSettings(admin_users=[AdminUser(name="alice", ssh_public_key=KEY)]),
    HardeningSettings(
        admin_users=[
            AdminUser(name="alice", ssh_public_key=KEY),
            AdminUser(name="bob_2", ssh_public_key="ecdsa-sha2-nistp256 AAAAsynth hub-synth"),
        ],
        ntp_servers=["ntp.example.internal"],
        apt_proxy="http://10.0.0.9:3142",
        data_volume_device="/dev/disk/by-id/virtio-hub-prod-data-12-da",
        session_idle_timeout_s=61,
    ),
]


def test_libyaml_is_installed():
    assert yaml.__with_libyaml__, "PyYAML without libyaml: user data renders 30 times slower"


@pytest.mark.parametrize("role", list(HostRole))
@pytest.mark.parametrize("settings", SETTINGS, ids=["defaults", "tuned"])
def test_libyaml_renders_the_pure_python_bytes(role, settings):
    document = user_data_document(role, settings)
    assert render_user_data(role, settings) == dump_document(document, _Dumper)


@pytest.mark.parametrize("role", list(HostRole))
def test_a_changed_setting_renders_anew(role):
    first, second = SETTINGS
    assert render_user_data(role, first) != render_user_data(role, second)
    assert render_user_data(role, second) == dump_document(
        user_data_document(role, second), _Dumper
    )
