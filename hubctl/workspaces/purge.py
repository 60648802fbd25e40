"""The purge of a closed workspace's key: Barbican deletes softly, so the key's row stays in
its database until purged: on the local cloud now, elsewhere the record says who must."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping

from hubcore.catalogue import is_loopback_url
from hubcore.paths import REPO_ROOT
from hubctl.cloud.api import reference_id
from hubctl.workspaces import closing_record
from infra.config import HubConfig

LOCAL_CLOUD = REPO_ROOT / "scripts" / "local-cloud"


def purge_key(
    record: closing_record.Record, config: HubConfig, key_ref: str, env: Mapping[str, str]
) -> None:
    """Barbican deletes softly: on the local cloud purge now; elsewhere say who must."""
    key = reference_id(key_ref)
    if config.identity_endpoint and is_loopback_url(config.identity_endpoint):
        result = subprocess.run(
            [str(LOCAL_CLOUD), "purge-secrets", key],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            env=dict(env),
            timeout=300,
            check=False,
        )
        record.purge = {
            "how": "scripts/local-cloud purge-secrets (barbican-manage db clean --min-days 0)",
            "exit": result.returncode,
            "output": (result.stdout + result.stderr).strip().splitlines()[-5:],
        }
        record.check(
            "the soft-deleted key is purged from Barbican's database",
            "barbican-manage db clean; SELECT FROM barbican.secrets",
            result.returncode == 0,
            result.returncode,
        )
        return
    record.purge = {
        "how": "operator: barbican-manage db clean --min-days 0 on the provider's Barbican "
        "(or the provider's purge of deleted secrets); the key is unreadable through the API now",
        "exit": None,
        "output": [],
    }
