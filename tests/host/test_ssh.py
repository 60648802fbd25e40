"""The SSH daemon as sshd itself reads its configuration (sshd -T), and running on a live host."""

from __future__ import annotations

import re

import pytest

from infra.hardening import HardeningSettings
from infra.tiers import HostRole
from tests.host.probe import Target, sshd_effective

# What "modern only" means here, independently of the list the hardening writes.
WEAK_CIPHER = re.compile(r"cbc|3des|arcfour|blowfish|cast128|rijndael")
STRONG_MAC = re.compile(r"^hmac-sha2-(256|512)-etm@openssh\.com$")
WEAK_KEX = re.compile(r"sha1$|group1-|group14-sha1|group-exchange-sha1")
WEAK_HOST_KEY = re.compile(r"^(ssh-rsa|ssh-dss)(-cert-v01@openssh\.com)?$")


def effective(target: Target) -> dict[str, str]:
    config = sshd_effective(target)
    if target.booted:
        assert target.host.service("ssh").is_running, "sshd is not running"
    return config


@pytest.mark.measure("ssh-no-root-login")
def test_root_cannot_log_in_over_ssh(target: Target) -> None:
    assert effective(target)["permitrootlogin"] == "no"


@pytest.mark.measure("ssh-keys-only")
def test_only_public_keys_authenticate_with_few_tries(target: Target) -> None:
    config = effective(target)
    assert config["pubkeyauthentication"] == "yes"
    assert config["authenticationmethods"] == "publickey"
    assert config["passwordauthentication"] == "no"
    assert config["kbdinteractiveauthentication"] == "no"
    assert config["hostbasedauthentication"] == "no"
    assert config["permitemptypasswords"] == "no"
    assert int(config["maxauthtries"]) <= 3
    assert 0 < int(config["logingracetime"]) <= 60


@pytest.mark.measure("ssh-modern-crypto")
def test_only_modern_ciphers_macs_and_key_exchanges_are_offered(target: Target) -> None:
    config = effective(target)
    ciphers = config["ciphers"].split(",")
    macs = config["macs"].split(",")
    kex = config["kexalgorithms"].split(",")
    host_keys = config["hostkeyalgorithms"].split(",")
    assert [c for c in ciphers if WEAK_CIPHER.search(c)] == []
    assert [m for m in macs if not STRONG_MAC.match(m)] == []
    assert [k for k in kex if WEAK_KEX.search(k) or k.startswith("ecdh-sha2-nistp")] == []
    assert [h for h in host_keys if WEAK_HOST_KEY.match(h)] == []


@pytest.mark.measure("ssh-allow-group")
def test_only_the_administrators_group_may_log_in(
    target: Target, settings: HardeningSettings
) -> None:
    config = effective(target)
    assert config.get("allowgroups") == settings.ssh_allow_group
    assert "allowusers" not in config
    # Key fingerprints in the log make every session attributable.
    assert config["loglevel"] == "VERBOSE"


@pytest.mark.measure("ssh-no-forwarding")
def test_nothing_is_forwarded_except_through_the_bastion(target: Target) -> None:
    config = effective(target)
    expected_tcp = "local" if target.role == HostRole.BASTION else "no"
    assert config["allowtcpforwarding"] == expected_tcp
    assert config["gatewayports"] == "no"
    assert config["x11forwarding"] == "no"
    assert config["allowagentforwarding"] == "no"
    assert config["allowstreamlocalforwarding"] == "no"
    assert config["permittunnel"] == "no"
    assert config["permituserenvironment"] == "no"


@pytest.mark.measure("ssh-idle-timeout")
def test_idle_sessions_and_dead_peers_are_disconnected(
    target: Target, settings: HardeningSettings
) -> None:
    config = effective(target)
    assert 0 < int(config["clientaliveinterval"]) <= 300
    assert 0 < int(config["clientalivecountmax"]) <= 3
    session_timeout = re.search(r"session=(\d+)", config.get("channeltimeout", ""))
    assert session_timeout, f"no session channel timeout: {config.get('channeltimeout')}"
    assert 0 < int(session_timeout.group(1)) <= settings.session_idle_timeout_s
