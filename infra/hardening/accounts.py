"""Who may administer a host, and how sudo behaves for them (BP-028 R30, R32, R33, R38, R39)."""

from __future__ import annotations

from typing import Any

from infra.hardening.model import HardeningSettings, Measure, UserDataPart, config_file, header
from infra.tiers import HostRole

SUDOERS_FILE = "/etc/sudoers.d/hub-admins"
TMOUT_FILE = "/etc/profile.d/hub-tmout.sh"

ADMIN_ACCOUNTS = Measure(
    id="admin-accounts",
    recommendation="R33",
    summary="named administrator accounts with a key and no password, in the administrators' group",
)
NO_DEFAULT_USER = Measure(
    id="no-default-user",
    recommendation="R30",
    summary="the cloud image's shared default user is not created",
)
SUDO_GROUP = Measure(
    id="sudo-admin-group",
    recommendation="R38",
    summary="sudo is granted to the administrators' group and to nobody else",
)
SUDO_DEFAULTS = Measure(
    id="sudo-defaults",
    recommendation="R39",
    summary="sudo runs commands in a pty, with a reset environment, no '.' in PATH and umask 027",
)
SHELL_TIMEOUT = Measure(
    id="shell-idle-timeout",
    recommendation="R32",
    summary="idle interactive shells are closed (read-only TMOUT)",
)

ANALYST_ACCOUNTS = Measure(
    id="analyst-accounts",
    recommendation="R33",
    summary="a workspace's members get named accounts with a key, no password and no sudo",
    roles=frozenset({HostRole.WORKSPACE}),
)

MEASURES: tuple[Measure, ...] = (
    ADMIN_ACCOUNTS,
    ANALYST_ACCOUNTS,
    NO_DEFAULT_USER,
    SUDO_GROUP,
    SUDO_DEFAULTS,
    SHELL_TIMEOUT,
)

# The image's default user: cloud-init creates it unless `users` leaves out "default".
DEFAULT_IMAGE_USER = "debian"


def render_sudoers(settings: HardeningSettings) -> str:
    # Administrators have no password (keys only), so sudo cannot ask for one.
    return (
        header(SUDO_GROUP)
        + f"%{settings.ssh_allow_group} ALL=(ALL:ALL) NOPASSWD: ALL\n\n"
        + header(SUDO_DEFAULTS)
        + "Defaults use_pty\nDefaults env_reset\nDefaults ignore_dot\nDefaults umask=0027\n"
    )


def render_tmout(settings: HardeningSettings) -> str:
    return (
        header(SHELL_TIMEOUT)
        + f"TMOUT={settings.session_idle_timeout_s}\nreadonly TMOUT\nexport TMOUT\n"
    )


def _users(role: HostRole, settings: HardeningSettings) -> list[dict[str, Any]]:
    # No "default" entry: that is what keeps the image's default user away (no-default-user).
    analysts = settings.analyst_users if ANALYST_ACCOUNTS.applies_to(role) else []
    return [
        {
            "name": admin.name,
            "gecos": f"hub administrator {admin.name}",
            "groups": [settings.ssh_allow_group],
            "shell": "/bin/bash",
            "lock_passwd": True,
            "ssh_authorized_keys": [admin.ssh_public_key],
        }
        for admin in settings.admin_users
    ] + [
        {
            "name": analyst.name,
            "gecos": f"workspace analyst {analyst.name}",
            "groups": [settings.analyst_group],
            "shell": "/bin/bash",
            "lock_passwd": True,
            "ssh_authorized_keys": [analyst.ssh_public_key],
        }
        for analyst in analysts
    ]


def login_groups(role: HostRole, settings: HardeningSettings) -> list[str]:
    """The groups whose members may log in over SSH on a host of `role`."""
    if ANALYST_ACCOUNTS.applies_to(role):
        return [settings.ssh_allow_group, settings.analyst_group]
    return [settings.ssh_allow_group]


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    return UserDataPart(
        write_files=[
            config_file(SUDOERS_FILE, render_sudoers(settings), mode="0440"),
            config_file(TMOUT_FILE, render_tmout(settings)),
        ],
        runcmd=[["visudo", "-c"]],
        keys={"groups": login_groups(role, settings), "users": _users(role, settings)},
    )
