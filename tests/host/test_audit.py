"""auditd and its rules: what augenrules loads at boot, or what the live kernel holds."""

from __future__ import annotations

import pytest

from tests.host.probe import Target, audit_rules, run, unit_state

IDENTITY_FILES = (
    "/etc/passwd",
    "/etc/group",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/security/opasswd",
)


def assert_auditd_runs_at_boot(target: Target) -> None:
    assert target.host.package("auditd").is_installed, "auditd is not installed"
    assert unit_state(target.host, "auditd.service") == "enabled"
    if target.booted:
        assert target.host.service("auditd").is_running


def has_watch(rules: list[str], path: str, permissions: str) -> bool:
    return any(rule.startswith(f"-w {path} ") and f"-p {permissions}" in rule for rule in rules)


def has_syscall_rule(rules: list[str], arch: str, syscalls: set[str]) -> bool:
    for rule in rules:
        words = rule.split()
        if (
            "-S" in words
            and f"arch={arch}" in rule
            and "always,exit" in rule
            and syscalls <= set(words[words.index("-S") + 1].split(","))
        ):
            return True
    return False


def has_exec_rule(rules: list[str], path: str) -> bool:
    return any(f"path={path}" in rule and "perm=x" in rule for rule in rules)


@pytest.mark.measure("audit-identity")
def test_changes_to_account_files_are_audited(target: Target) -> None:
    assert_auditd_runs_at_boot(target)
    rules = audit_rules(target)
    missing = [path for path in IDENTITY_FILES if not has_watch(rules, path, "wa")]
    assert missing == [], f"identity files not watched for writes: {missing}"


@pytest.mark.measure("audit-privileged")
def test_sudo_use_and_sudoers_changes_are_audited(target: Target) -> None:
    assert_auditd_runs_at_boot(target)
    rules = audit_rules(target)
    assert has_watch(rules, "/etc/sudoers", "wa")
    assert has_watch(rules, "/etc/sudoers.d", "wa")
    assert has_exec_rule(rules, "/usr/bin/sudo")


@pytest.mark.measure("audit-modules")
def test_kernel_module_loading_is_audited(target: Target) -> None:
    assert_auditd_runs_at_boot(target)
    rules = audit_rules(target)
    module_calls = {"init_module", "finit_module", "delete_module"}
    assert has_syscall_rule(rules, "b64", module_calls)
    assert has_syscall_rule(rules, "b32", module_calls)
    assert has_exec_rule(rules, "/usr/bin/kmod")


@pytest.mark.measure("audit-immutable")
def test_audit_rules_are_locked_until_reboot(target: Target) -> None:
    assert_auditd_runs_at_boot(target)
    if target.booted:
        status = run(target.host, "auditctl -s")
        assert "enabled 2" in status
    else:
        # augenrules moves the last -e to the end of what it loads.
        controls = [r for r in audit_rules(target) if r.startswith("-e ")]
        assert controls and controls[-1] == "-e 2", f"audit lock: {controls}"
