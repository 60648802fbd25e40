"""The SSH daemon, the hosts' only administration path (BP-028 R32, R33, R79)."""

from __future__ import annotations

from infra.hardening.accounts import login_groups
from infra.hardening.model import HardeningSettings, Measure, UserDataPart, config_file, header
from infra.tiers import HostRole

# sshd keeps the first value it reads for an option and Debian's sshd_config includes
# sshd_config.d/*.conf before its own settings: a 00- file wins over the image and cloud-init.
SSHD_DROP_IN = "/etc/ssh/sshd_config.d/00-hub-hardening.conf"

ROOT_LOGIN = Measure(
    id="ssh-no-root-login",
    recommendation="R33",
    summary="root cannot log in over SSH: administrators log in by name, then use sudo",
)
KEYS_ONLY = Measure(
    id="ssh-keys-only",
    recommendation="R79",
    summary="public-key authentication only, few tries, short grace time",
)
CRYPTO = Measure(
    id="ssh-modern-crypto",
    recommendation="R79",
    summary="AEAD or CTR ciphers, encrypt-then-MAC SHA-2 MACs, no SHA-1 key exchange or host keys",
)
ALLOW_GROUP = Measure(
    id="ssh-allow-group",
    recommendation="R79",
    summary="only members of the administrators' group may open an SSH session",
)
FORWARDING = Measure(
    id="ssh-no-forwarding",
    recommendation="R79",
    summary="no X11, agent, socket or tunnel forwarding; outbound TCP forwarding on bastions only",
)
IDLE_TIMEOUT = Measure(
    id="ssh-idle-timeout",
    recommendation="R32",
    summary="idle SSH sessions and dead peers are disconnected",
)

CIPHERS = (
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
)
MACS = ("hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com")
KEX = (
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group16-sha512",
)
HOST_KEY_ALGORITHMS = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
)

MEASURES: tuple[Measure, ...] = (
    ROOT_LOGIN,
    KEYS_ONLY,
    CRYPTO,
    ALLOW_GROUP,
    FORWARDING,
    IDLE_TIMEOUT,
)


def tcp_forwarding(role: HostRole) -> str:
    # ProxyJump through the bastion opens direct-tcpip channels, which is "local" forwarding.
    return "local" if role == HostRole.BASTION else "no"


def _options(role: HostRole, settings: HardeningSettings) -> dict[Measure, list[tuple[str, str]]]:
    return {
        ROOT_LOGIN: [("PermitRootLogin", "no")],
        KEYS_ONLY: [
            ("PubkeyAuthentication", "yes"),
            ("AuthenticationMethods", "publickey"),
            ("PasswordAuthentication", "no"),
            ("KbdInteractiveAuthentication", "no"),
            ("HostbasedAuthentication", "no"),
            ("PermitEmptyPasswords", "no"),
            ("MaxAuthTries", "3"),
            ("LoginGraceTime", "30"),
        ],
        CRYPTO: [
            ("Ciphers", ",".join(CIPHERS)),
            ("MACs", ",".join(MACS)),
            ("KexAlgorithms", ",".join(KEX)),
            ("HostKeyAlgorithms", ",".join(HOST_KEY_ALGORITHMS)),
        ],
        ALLOW_GROUP: [
            ("AllowGroups", " ".join(login_groups(role, settings))),
            ("LogLevel", "VERBOSE"),
        ],
        FORWARDING: [
            ("AllowTcpForwarding", tcp_forwarding(role)),
            ("GatewayPorts", "no"),
            ("X11Forwarding", "no"),
            ("AllowAgentForwarding", "no"),
            ("AllowStreamLocalForwarding", "no"),
            ("PermitTunnel", "no"),
            ("PermitUserEnvironment", "no"),
            # IPv6 is off on the hosts (sysctl-ipv6-disabled); do not try to listen on it.
            ("AddressFamily", "inet"),
        ],
        IDLE_TIMEOUT: [
            ("ClientAliveInterval", str(settings.ssh_client_alive_interval_s)),
            ("ClientAliveCountMax", str(settings.ssh_client_alive_count_max)),
            ("ChannelTimeout", f"session={settings.session_idle_timeout_s}s"),
            ("UnusedConnectionTimeout", "60s"),
        ],
    }


def render_sshd_drop_in(role: HostRole, settings: HardeningSettings) -> str:
    sections = []
    for measure, options in _options(role, settings).items():
        sections.append(header(measure) + "".join(f"{key} {value}\n" for key, value in options))
    return "\n".join(sections)


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    return UserDataPart(
        write_files=[config_file(SSHD_DROP_IN, render_sshd_drop_in(role, settings), mode="0600")],
        # ssh.service checks the configuration (sshd -t) before it restarts.
        runcmd=[["systemctl", "restart", "ssh.service"]],
        keys={"ssh_pwauth": False, "disable_root": True},
    )
