"""Write the Pulumi type tokens of the installed pulumi-openstack Python SDK to tokens.txt.

The bridged OpenStack provider (cmd/pulumi-resource-openstack) must answer to exactly the
tokens this SDK sends. Upstream keeps a hand-written Terraform-name -> token table in its
provider module, which the module proxy does not serve; the provider instead matches each
Terraform name against this list. Rerun after changing the pulumi-openstack pin:

    .venv/bin/python tools/providers/gen_openstack_tokens.py
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pulumi_openstack

TOKEN = re.compile(r"'(openstack:[A-Za-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+)'")


def sdk_tokens(package_dir: Path) -> list[str]:
    found: set[str] = set()
    for source in package_dir.rglob("*.py"):
        found.update(TOKEN.findall(source.read_text(encoding="utf-8")))
    return sorted(found)


def main() -> None:
    package_dir = Path(pulumi_openstack.__file__).parent
    version = importlib.metadata.version("pulumi-openstack")
    out = Path(__file__).parent / "openstack" / "tokens.txt"
    lines = [f"# pulumi-openstack {version}: resource and function tokens, one a line."]
    lines += sdk_tokens(package_dir)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 1} tokens from pulumi-openstack {version} -> {out}")


if __name__ == "__main__":
    main()
