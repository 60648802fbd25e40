"""Fixtures of every tier on the local cloud: the local OpenStack cloud and the real Pulumi engine.

One plugin (registered by tests/conftest.py), so that the integration, fault, workspace and
review tiers share one session tenant, one engine and one backend, whichever of them run.

Nothing here is mocked: `scripts/local-cloud start` runs real OpenStack services on 127.0.0.1,
`scripts/toolchain` provides the engine built from Go modules, and the site is deployed through
the Automation API exactly as `make up` does, into a DIY backend private to the test session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from hubcore.paths import REPO_ROOT
from tests.integration.tenant import Tenant, create_tenant
from tests.offline import is_ambient

LOCAL_PASSPHRASE = "local-only-not-a-secret"  # as scripts/toolchain env sets it
ASSIGNMENT = re.compile(r"(?:^|[\s;])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=", re.MULTILINE)


def shell_after(command: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """A person's shell after `eval "$(COMMAND)"`: its whole environment, and the variables the
    command exports, with the values the shell gives them (`$PATH` expanded, quotes removed).

    The shell starts from this session's environment without a cloud or backend another tier
    chose (tests.offline.is_ambient), as a person's would."""
    environ = {k: v for k, v in os.environ.items() if not is_ambient(k)}
    output = subprocess.run(
        command, cwd=REPO_ROOT, env=environ, capture_output=True, text=True, check=True,
        timeout=1800,
    ).stdout  # fmt: skip
    # `KEY=value` and `export KEY=value` lines, and exports inside a line (`if ...; then export
    # PULUMI_CONFIG_PASSPHRASE=...; fi`); comments name nothing.
    code = "\n".join(line for line in output.splitlines() if not line.lstrip().startswith("#"))
    names = set(ASSIGNMENT.findall(code))
    dumped = subprocess.run(
        ["bash", "-c", 'eval "$1" && env -0', "bash", output],
        cwd=REPO_ROOT, env=environ, capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    shell = dict(entry.split("=", 1) for entry in dumped.decode().split("\0") if "=" in entry)
    return shell, {name: shell[name] for name in sorted(names) if name in shell}


def exports(command: list[str]) -> dict[str, str]:
    """The variables `eval "$(COMMAND)"` sets, as the shell gives them."""
    return shell_after(command)[1]


@pytest.fixture(scope="session")
def engine_exports() -> dict[str, str]:
    """What `eval "$(scripts/toolchain env)"` sets (PATH with pulumi, PULUMI_HOME...), after
    building the engine; tests/engine has the whole shell as `engine_env`."""
    subprocess.run([str(REPO_ROOT / "scripts/toolchain")], cwd=REPO_ROOT, check=True, timeout=3600)
    return exports([str(REPO_ROOT / "scripts/toolchain"), "env"])


def _local_cloud_env(*args: str) -> dict[str, str]:
    return exports([str(REPO_ROOT / "scripts/local-cloud"), "env", *args])


@pytest.fixture(scope="session")
def local_cloud() -> dict[str, str]:
    """The running local cloud (started if it is not): its administrator's OS_* variables."""
    subprocess.run(
        [str(REPO_ROOT / "scripts/local-cloud"), "start"], cwd=REPO_ROOT, check=True, timeout=1800
    )
    return _local_cloud_env("admin")


@pytest.fixture(scope="session")
def test_tenant(
    local_cloud: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tenant]:
    """Keystone projects and a user of this test session only (see tests/README.md).

    The user's own site (`make up`: user hub-admin, projects hub-local and hub-dr, the state in
    the local cloud's S3) is never reached: the tiers deploy as another user (key pairs belong to
    a user) into other projects, with a backend of their own, so `make up` then `make test`
    leaves the user's site exactly as it was.
    """
    tenant = create_tenant(local_cloud, tmp_path_factory.mktemp("tenant"))
    yield tenant
    tenant.remove()


@pytest.fixture(scope="session")
def cloud_env(test_tenant: Tenant) -> dict[str, str]:
    """OS_* variables of the test session's own `local` project in region LOCAL1."""
    return test_tenant.env


@pytest.fixture(scope="session")
def deploy_env(
    engine_exports: dict[str, str],
    cloud_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """Engine + cloud environment with a fresh DIY backend for this test session.

    Never put in os.environ for the session: tests/conftest.py sets it for each test that uses
    it, and only for that test (a later tier, `make up` in a namespace, the engine's own env,
    would otherwise inherit this backend and project)."""
    backend = tmp_path_factory.mktemp("backend")
    yield {
        **engine_exports,
        **cloud_env,
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "HUB_STATE_BACKEND": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE,
        # `hubctl up` writes a site's SSH access under .state/ssh/<site>/ of the checkout: the
        # user's own site's, after `make up`. The session's sites write theirs here.
        "HUB_SSH_DIR": str(tmp_path_factory.mktemp("ssh")),
    }


@pytest.fixture(scope="session")
def connection(cloud_env: dict[str, str]) -> Any:
    """An openstacksdk connection to the `local` site's project in region LOCAL1."""
    import openstack

    return openstack.connect(
        auth_url=cloud_env["OS_AUTH_URL"],
        project_name=cloud_env["OS_PROJECT_NAME"],
        username=cloud_env["OS_USERNAME"],
        password=cloud_env["OS_PASSWORD"],
        user_domain_name=cloud_env.get("OS_USER_DOMAIN_NAME", "Default"),
        project_domain_name=cloud_env.get("OS_PROJECT_DOMAIN_NAME", "Default"),
        region_name=cloud_env.get("OS_REGION_NAME", "LOCAL1"),
        identity_api_version="3",
    )


@pytest.fixture(scope="session")
def admin_connection(local_cloud: dict[str, str]) -> Any:
    """The local cloud's administrator (what an operator would do: volume types, flavors)."""
    from hubctl.cloud import connect_from_env

    return connect_from_env(local_cloud)


def generated_key_refs(exported: str) -> list[str]:
    """The Barbican secrets the key orders of a `pulumi stack export` generated: what a test
    deletes after destroying its orders (an order's destroy keeps its secret), never a name
    prefix, which the user's own `local` site shares."""
    resources = json.loads(exported)["deployment"].get("resources") or []
    return [
        str(r["outputs"]["secretRef"])
        for r in resources
        if r.get("type") == "openstack:keymanager/orderV1:OrderV1"
        and (r.get("outputs") or {}).get("secretRef")
    ]


@pytest.fixture(scope="session")
def workspace_site(
    deploy_env: dict[str, str], admin_connection: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The local site's network, kms and storage in a project of this session, deployed once
    for every module that opens workspaces (tests/workspaces/site.py)."""
    from tests.workspaces.site import deployed_site

    with deployed_site(deploy_env, admin_connection, tmp_path_factory.mktemp("ws")) as site:
        yield site
