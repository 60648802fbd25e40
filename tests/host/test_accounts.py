"""Administrator accounts, sudo and idle shells."""

from __future__ import annotations

from typing import Any

import pytest

from infra.hardening import AdminUser, HardeningSettings
from infra.hardening.accounts import DEFAULT_IMAGE_USER
from infra.tiers import HostRole
from tests.host.probe import Target, run, sudo_rights


def interactive_users(target: Target) -> list[str]:
    """Accounts with a login shell, the way an attacker would look for them."""
    users = []
    for line in run(target.host, "getent passwd").splitlines():
        name, _, uid, _, _, _, shell = line.split(":")
        if int(uid) >= 1000 and not shell.endswith(("nologin", "false", "sync")):
            users.append(name)
    return users


def assert_key_only_account(target: Target, person: AdminUser, group: str) -> Any:
    """`person` has an account in `group`, no usable password and only their own key file."""
    user = target.host.user(person.name)
    assert user.exists, f"{person.name} has no account"
    assert group in user.groups
    shadow = run(target.host, f"getent shadow {person.name}").split(":")[1]
    assert shadow.startswith(("!", "*")), f"{person.name} has a usable password"
    keys = target.host.file(f"{user.home}/.ssh/authorized_keys")
    assert keys.exists and keys.user == person.name and keys.mode & 0o077 == 0
    assert person.ssh_public_key in keys.content_string
    return user


@pytest.mark.measure("admin-accounts")
def test_each_administrator_has_a_named_key_only_account(
    target: Target, settings: HardeningSettings
) -> None:
    assert settings.admin_users, "the hosts were built without administrators"
    for admin in settings.admin_users:
        assert_key_only_account(target, admin, settings.ssh_allow_group)


@pytest.mark.measure("analyst-accounts")
def test_each_analyst_has_a_named_key_only_account_without_sudo(
    target: Target, settings: HardeningSettings
) -> None:
    assert settings.analyst_users, "the workspace hosts were built without analysts"
    for analyst in settings.analyst_users:
        user = assert_key_only_account(target, analyst, settings.analyst_group)
        assert settings.ssh_allow_group not in user.groups, f"{analyst.name} is an administrator"
        rights = sudo_rights(target.host, analyst.name)
        assert "may run the following commands" not in rights, f"{analyst.name} may sudo"


@pytest.mark.measure("no-default-user")
def test_the_image_default_user_does_not_exist(target: Target, settings: HardeningSettings) -> None:
    assert not target.host.user(DEFAULT_IMAGE_USER).exists
    named = {admin.name for admin in settings.admin_users}
    if target.role is HostRole.WORKSPACE:
        named |= {analyst.name for analyst in settings.analyst_users}
    assert set(interactive_users(target)) <= named


@pytest.mark.measure("sudo-admin-group")
def test_sudo_is_granted_to_administrators_only(
    target: Target, settings: HardeningSettings
) -> None:
    run(target.host, "visudo -c -q")
    for name in interactive_users(target):
        rights = sudo_rights(target.host, name)
        in_group = settings.ssh_allow_group in target.host.user(name).groups
        may_sudo = "may run the following commands" in rights
        assert may_sudo == in_group, f"{name}: sudo rights {may_sudo}, admin group {in_group}"
    assert any(a.name in interactive_users(target) for a in settings.admin_users)


@pytest.mark.measure("sudo-defaults")
def test_sudo_uses_a_pty_a_clean_environment_and_a_tight_umask(target: Target) -> None:
    # Global defaults apply to every invoking user; root always exists to ask about.
    rights = sudo_rights(target.host, "root")
    defaults = rights.split("may run the following commands")[0]
    for option in ("use_pty", "env_reset", "ignore_dot", "umask=0027"):
        assert option in defaults, f"sudo default {option} is not in force: {defaults}"


@pytest.mark.measure("shell-idle-timeout")
def test_idle_login_shells_time_out_and_cannot_undo_it(
    target: Target, settings: HardeningSettings
) -> None:
    timeout = run(target.host, "bash -l -c 'echo \"$TMOUT\"' </dev/null").strip()
    assert timeout.isdigit() and 0 < int(timeout) <= settings.session_idle_timeout_s
    attempt = target.host.run("bash -l -c 'TMOUT=0' </dev/null")
    assert attempt.rc != 0 and "readonly" in attempt.stderr
