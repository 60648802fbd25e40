"""The host suite's targets: hardened Debian roots built here, or deployed hosts over SSH.

Without options the suite builds (or reuses) a hardened root per role and checks each through
testinfra's chroot backend. `--plain-root` checks the un-hardened root instead (the suite must
fail there). `--hosts=ssh://...` with `--role` checks a deployed host, live state included.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import testinfra
import yaml

from hostbuild import debian_root
from infra.hardening import AdminUser, HardeningSettings, render_user_data
from infra.hardening.userdata import MEASURES
from infra.tiers import HostRole
from tests.host import roots
from tests.host.probe import Target

HERE = Path(__file__).parent
MEASURE_IDS = {m.id: m for m in MEASURES}

# The administrator the hardened roots are built with. Only the public half exists.
SUITE_ADMIN = AdminUser(
    name="suite-admin",
    ssh_public_key=(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAqAV32vjJUIU3wV6YRn33EQDhgWRFx75I8BP0fQDhe5"
        " suite-admin@hub"
    ),
)
# A workspace's analyst: the workspace role's roots are built with one (no sudo, key only).
SUITE_ANALYST = AdminUser(
    name="suite-analyst",
    ssh_public_key=(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPrKom1HXSuZg4tuHDowsprH/SqJPTQR6LzVUE5yiLCZ"
        " suite-analyst@hub"
    ),
)
SUITE_SETTINGS = HardeningSettings(admin_users=[SUITE_ADMIN], analyst_users=[SUITE_ANALYST])


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("host", "hub host hardening suite")
    group.addoption(
        "--role",
        action="append",
        choices=[role.value for role in HostRole],
        help="role of the host under test (repeatable); default: every role",
    )
    group.addoption(
        "--plain-root",
        action="store_true",
        help="check the un-hardened root (a stock first boot) instead of the hardened ones",
    )
    group.addoption(
        "--hardening-settings",
        metavar="FILE",
        help="YAML or JSON HardeningSettings the hosts were deployed with (default: the suite's)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "measure(id): the hardening measure (and so BP-028 recommendation) a test checks"
    )


def _selected_roles(config: pytest.Config) -> list[HostRole]:
    chosen = config.getoption("--role") or [role.value for role in HostRole]
    return [HostRole(value) for value in dict.fromkeys(chosen)]


def _over_ssh(config: pytest.Config) -> bool:
    return config.getoption("hosts", None) is not None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "role" in metafunc.fixturenames:
        roles = _selected_roles(metafunc.config)
        metafunc.parametrize("role", roles, ids=[r.value for r in roles], scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselected: list[pytest.Item] = []
    kept: list[pytest.Item] = []
    for item in items:
        if HERE not in Path(item.fspath).parents:
            kept.append(item)
            continue
        item.add_marker(pytest.mark.host)
        # The bite check builds its own plain root: it belongs to runs on hardened roots only.
        if item.path.name == "test_suite_bites.py" and (
            _over_ssh(config) or config.getoption("--plain-root")
        ):
            deselected.append(item)
            continue
        marker = item.get_closest_marker("measure")
        callspec = getattr(item, "callspec", None)
        role = callspec.params.get("role") if callspec is not None else None
        # A measure that does not apply to a role is not a failure there: not collected at all.
        if marker is not None:
            measure = MEASURE_IDS[marker.args[0]]
            # Carried into JUnit reports, so a run's results can be read per measure.
            item.user_properties.append(("measure", measure.id))
            item.user_properties.append(("bp028", measure.recommendation))
            # `pytest tests/host -k R33` selects the tests of one recommendation.
            item.extra_keyword_matches.add(measure.recommendation)
        if (
            marker is not None
            and role is not None
            and not MEASURE_IDS[marker.args[0]].applies_to(role)
        ):
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> HardeningSettings:
    path = pytestconfig.getoption("--hardening-settings")
    if path is None:
        return SUITE_SETTINGS
    return HardeningSettings.model_validate(yaml.safe_load(Path(path).read_text()))


@pytest.fixture(scope="session")
def target(
    pytestconfig: pytest.Config, role: HostRole, settings: HardeningSettings
) -> Iterator[Target]:
    config = pytestconfig
    if _over_ssh(config):
        hosts = config.getoption("hosts").split(",")
        assert (
            len(hosts) == 1 and config.getoption("--role") and len(config.getoption("--role")) == 1
        ), "over SSH, check one host at a time and name its role with --role"
        host = testinfra.get_host(
            hosts[0],
            ssh_config=config.getoption("ssh_config"),
            ssh_identity_file=config.getoption("ssh_identity_file"),
            ssh_extra_args=config.getoption("ssh_extra_args"),
            sudo=config.getoption("sudo"),
            sudo_user=config.getoption("sudo_user"),
        )
        yield Target(host=host, role=role, booted=True)
        return
    if config.getoption("--plain-root"):
        root = roots.plain_root()
    else:
        root = roots.hardened_root(role, render_user_data(role, settings))
    yield Target(host=testinfra.get_host(str(root), connection="chroot"), role=role, booted=False)


@pytest.fixture
def host(target: Target) -> object:
    """testinfra's host for the target, as testinfra's own fixture would give it."""
    return target.host


def checked_root_kind(config: pytest.Config) -> str:
    if _over_ssh(config):
        return "deployed host"
    return "plain root" if config.getoption("--plain-root") else "hardened root"


def pytest_report_header(config: pytest.Config) -> str:
    roles = ", ".join(r.value for r in _selected_roles(config))
    cache = os.environ.get(debian_root.CACHE_ENV, str(debian_root.DEFAULT_CACHE))
    return f"host suite: {checked_root_kind(config)}; roles: {roles}; root cache: {cache}"
