"""auditd and its rules (BP-028 R33, R73), loaded by augenrules when auditd starts."""

from __future__ import annotations

from infra.hardening.model import (
    HardeningSettings,
    Measure,
    UserDataPart,
    config_file,
    enable_and_restart,
    header,
)
from infra.tiers import HostRole

RULES_DIR = "/etc/audit/rules.d"

IDENTITY = Measure(
    id="audit-identity",
    recommendation="R73",
    summary="changes to accounts, groups and password files are audited",
)
PRIVILEGED = Measure(
    id="audit-privileged",
    recommendation="R33",
    summary="use of sudo and changes to its rules are audited, so administration is accountable",
)
MODULES = Measure(
    id="audit-modules",
    recommendation="R73",
    summary="kernel module loading and unloading is audited",
)
LOCKED = Measure(
    id="audit-immutable",
    recommendation="R73",
    summary="audit rules are locked until reboot, so an intruder cannot silence them",
)

MEASURES: tuple[Measure, ...] = (IDENTITY, PRIVILEGED, MODULES, LOCKED)

# Filenames sort so augenrules reads them in this order; it moves any -e to the very end.
RULES: dict[Measure, tuple[str, list[str]]] = {
    IDENTITY: (
        "50-hub-identity.rules",
        [
            f"-w {path} -p wa -k identity"
            for path in (
                "/etc/passwd",
                "/etc/group",
                "/etc/shadow",
                "/etc/gshadow",
                "/etc/security/opasswd",
            )
        ],
    ),
    PRIVILEGED: (
        "50-hub-privileged.rules",
        [
            "-w /etc/sudoers -p wa -k scope",
            "-w /etc/sudoers.d -p wa -k scope",
            "-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=unset"
            " -k privileged",
        ],
    ),
    MODULES: (
        "50-hub-modules.rules",
        [
            "-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -k modules",
            "-a always,exit -F arch=b32 -S init_module,finit_module,delete_module -k modules",
            "-a always,exit -F path=/usr/bin/kmod -F perm=x -F auid>=1000 -F auid!=unset"
            " -k modules",
        ],
    ),
    LOCKED: ("99-hub-immutable.rules", ["-e 2"]),
}


def render_rules(measure: Measure) -> str:
    _, lines = RULES[measure]
    return header(measure) + "".join(line + "\n" for line in lines)


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    return UserDataPart(
        write_files=[
            config_file(f"{RULES_DIR}/{name}", render_rules(measure), mode="0640")
            for measure, (name, _) in RULES.items()
        ],
        packages=["auditd"],
        runcmd=enable_and_restart("auditd.service"),
    )
