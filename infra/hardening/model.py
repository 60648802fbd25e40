"""The vocabulary of host hardening: BP-028 recommendations, measures, settings, user-data parts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from infra.tiers import HostRole

ALL_ROLES: frozenset[HostRole] = frozenset(HostRole)


class Level(StrEnum):
    """BP-028 v2.0 hardening levels, each including the ones before it."""

    MINIMAL = "minimal"
    INTERMEDIATE = "intermediate"
    ENHANCED = "enhanced"
    HIGH = "high"


class Recommendation(BaseModel):
    """One recommendation of ANSSI's "Recommandations de configuration d'un système GNU/Linux"."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^R\d+$")
    title: str
    level: Level


# The BP-028 v2.0 recommendations this hardening implements, with the level ANSSI gives each.
RECOMMENDATIONS: dict[str, Recommendation] = {
    rec.id: rec
    for rec in (
        Recommendation(id="R8", title="Memory configuration options", level=Level.INTERMEDIATE),
        Recommendation(id="R9", title="Kernel configuration options", level=Level.INTERMEDIATE),
        Recommendation(
            id="R11", title="Yama module sysctl configuration", level=Level.INTERMEDIATE
        ),
        Recommendation(id="R12", title="IPv4 configuration options", level=Level.INTERMEDIATE),
        Recommendation(id="R13", title="Disabling IPv6", level=Level.INTERMEDIATE),
        Recommendation(
            id="R14", title="File system configuration options", level=Level.INTERMEDIATE
        ),
        Recommendation(id="R28", title="Partitioning type", level=Level.INTERMEDIATE),
        Recommendation(id="R30", title="Removal of unused user accounts", level=Level.MINIMAL),
        Recommendation(
            id="R32", title="Configuring a timeout on local user sessions", level=Level.INTERMEDIATE
        ),
        Recommendation(
            id="R33", title="Use of dedicated administration accounts", level=Level.INTERMEDIATE
        ),
        Recommendation(id="R38", title="Group dedicated to the use of sudo", level=Level.ENHANCED),
        Recommendation(id="R39", title="Sudo configuration guidelines", level=Level.INTERMEDIATE),
        Recommendation(
            id="R58",
            title="Installation of packages reduced to the bare necessities",
            level=Level.MINIMAL,
        ),
        Recommendation(id="R61", title="Regular updates", level=Level.MINIMAL),
        Recommendation(id="R62", title="Minimization of installed services", level=Level.MINIMAL),
        Recommendation(
            id="R63", title="Minimization of services configuration", level=Level.INTERMEDIATE
        ),
        Recommendation(id="R71", title="Implement a logging system", level=Level.ENHANCED),
        Recommendation(id="R73", title="Logging activity by auditd", level=Level.ENHANCED),
        Recommendation(
            id="R79", title="Hardening and monitoring of exposed services", level=Level.INTERMEDIATE
        ),
        Recommendation(id="R80", title="Minimization of network services", level=Level.MINIMAL),
    )
}


class Measure(BaseModel):
    """One hardening measure a host of `roles` gets, justified by a BP-028 recommendation."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    recommendation: str
    summary: str
    roles: frozenset[HostRole] = ALL_ROLES

    @field_validator("recommendation")
    @classmethod
    def _known_recommendation(cls, value: str) -> str:
        if value not in RECOMMENDATIONS:
            raise ValueError(f"{value} is not a BP-028 recommendation listed in RECOMMENDATIONS")
        return value

    def applies_to(self, role: HostRole) -> bool:
        return role in self.roles


_OPENSSH_KEY = re.compile(
    r"^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|rsa-sha2-(256|512)|ssh-rsa|"
    r"sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+=*( .*)?$"
)


class AdminUser(BaseModel):
    """An operator who administers hosts over SSH with a key, through the bastion."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    ssh_public_key: str

    @field_validator("ssh_public_key")
    @classmethod
    def _openssh_format(cls, value: str) -> str:
        value = value.strip()
        if not _OPENSSH_KEY.match(value):
            raise ValueError("ssh_public_key must be one public key in OpenSSH format")
        return value


class HardeningSettings(BaseModel):
    """What a site may tune; every field has a default so the compute layer can pass nothing."""

    model_config = ConfigDict(frozen=True)

    # The site's own time sources; names that resolve inside the site, never a public pool.
    ntp_servers: list[str] = Field(
        default_factory=lambda: ["ntp1.hub.internal", "ntp2.hub.internal"], min_length=1
    )
    ssh_allow_group: str = Field(default="hub-admins", pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    admin_users: list[AdminUser] = Field(default_factory=list)
    # A workspace's analysts: they log in with their key and get no sudo (role workspace only).
    analyst_group: str = Field(default="hub-analysts", pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    analyst_users: list[AdminUser] = Field(default_factory=list)
    data_volume_device: str = Field(default="/dev/vdb", pattern=r"^/dev/[A-Za-z0-9/_.-]+$")
    data_mount_point: str = Field(default="/srv/data", pattern=r"^/[A-Za-z0-9/_.-]+$")
    data_filesystem: str = "ext4"
    data_label: str = Field(default="hubdata", max_length=16)
    # Idle interactive sessions are closed after this long (shell TMOUT and SSH channel timeout).
    session_idle_timeout_s: int = Field(default=900, ge=60)
    # Dead SSH peers are detected within interval x count seconds.
    ssh_client_alive_interval_s: int = Field(default=300, ge=10)
    ssh_client_alive_count_max: int = Field(default=2, ge=1)
    # Tiers without internet egress (data) reach the Debian mirror through this proxy, if set.
    apt_proxy: str | None = None


@dataclass
class UserDataPart:
    """What one family of measures adds to a host's #cloud-config document."""

    write_files: list[dict[str, Any]] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    runcmd: list[list[str]] = field(default_factory=list)
    mounts: list[list[str]] = field(default_factory=list)
    # Top-level cloud-config keys owned by exactly one family (users, ntp, fs_setup, ...).
    keys: dict[str, Any] = field(default_factory=dict)


def config_file(
    path: str, content: str, *, mode: str = "0644", defer: bool = False
) -> dict[str, Any]:
    """A write_files entry. `defer` writes it after packages, for paths a package also ships."""
    entry: dict[str, Any] = {
        "path": path,
        "content": content,
        "owner": "root:root",
        "permissions": mode,
    }
    if defer:
        entry["defer"] = True
    return entry


def header(measure: Measure) -> str:
    """The comment that names, in each file it writes, the measure and its recommendation."""
    rec = RECOMMENDATIONS[measure.recommendation]
    return f"# {measure.id}: {measure.summary}\n# ANSSI BP-028 {rec.id} ({rec.title}).\n"


def enable_and_restart(*units: str) -> list[list[str]]:
    """runcmd steps that start `units` at every boot and (re)start them now with their config.

    Two commands rather than `enable --now`: on a booted host they do the same, and on a root
    that is not booted systemctl skips a restart but refuses `--now`, so the same user data
    can be checked in a chroot.
    """
    return [["systemctl", "enable", *units], ["systemctl", "restart", *units]]
