"""What the jobs of a workspace's life share: the site and its facts (the pack's bounds on a
workspace among them), today's date, and the folder of the closings' evidence records."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from hubcore.paths import REPO_ROOT, relative
from hubcore.stackfiles import load_layered_config
from hubcore.stacks import Layer, StackName
from hubcore.values import ConfigError
from hubctl.workspaces.manifest import (
    KeyRules,
    Manifest,
    ManifestError,
    SiteFacts,
    load_manifest,
    manifest_path,
    manifests_of,
    site_facts_for,
)
from infra.config import HubConfig, validate_config
from policies.config import load_pack_config
from policies.registry import REGISTRY
from policies.rules import all_rules

REPORTS_ENV = "HUB_REPORTS_DIR"


def reports_dir() -> Path:
    return Path(os.environ.get(REPORTS_ENV) or REPO_ROOT / "reports" / "workspaces")


def today() -> date:
    return datetime.now(UTC).date()


def pack_settings() -> tuple[int, KeyRules]:
    """The longest workspace and the SSH key rules, as the pack's config sets them."""
    from policies.rules.crypto.key_strength import KeyStrengthSettings
    from policies.rules.workspace.expiry_valid import ExpirySettings

    all_rules()
    config = load_pack_config()
    expiry = config.settings(REGISTRY["workspace-expiry-valid"], ExpirySettings)
    crypto = config.settings(REGISTRY["crypto-key-strength"], KeyStrengthSettings)
    keys = KeyRules(
        min_rsa_bits=crypto.min_rsa_bits,
        curves=tuple(c.upper() for c in crypto.allowed_curves),
        allow_ed25519=crypto.allow_ed25519,
    )
    return expiry.max_duration_days, keys


@dataclass(frozen=True)
class Site:
    name: str
    config: HubConfig
    facts: SiteFacts

    @classmethod
    def load(cls, site: str) -> Site:
        network = str(StackName(site, Layer.NETWORK))
        config = validate_config(network, load_layered_config(network))
        if config.workspace_pool is None:
            raise ConfigError(
                f"site {site!r} has no hub:workspacePool in stacks/sites.yaml: research "
                "workspaces need a pool of ranges outside the site's network",
                key="hub:workspacePool",
            )
        max_days, keys = pack_settings()
        return cls(site, config, site_facts_for(config, max_days, keys))

    def manifest(self, project: str) -> Manifest:
        path = manifest_path(self.name, project)
        if not path.exists():
            known = [p.stem for p in manifests_of(self.name)]
            raise ManifestError(
                path,
                [
                    f"{relative(path)}: no manifest for project {project!r} of site "
                    f"{self.name!r}; manifests: {', '.join(known) or 'none'}"
                ],
            )
        return load_manifest(path, self.facts)
