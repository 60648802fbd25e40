"""Runs the Linux bridge agent's own ARP/MAC protection code against the real ebtables-nft.

Run by Debian's python3 as root inside a network namespace of its own (the test starts it under
`unshare --net`), so the rules land in that namespace's nat table and nowhere else:

    /usr/bin/python3 ebtables_harness.py [ARP_PROTECT_PY]

Without an argument it imports the installed module (patched by scripts/local-cloud install);
with one, it loads that file in its place (the test passes the unpatched original). The only
thing replaced is how a command reaches the kernel: the agent sends `ebtables` through privsep
as root, this harness runs it directly (it is root already). The retry decorator, the locking
and the rule logic are the agent's own.

It installs a port's protection, then installs it again with a second MAC (an allowed address
pair): the second pass deletes the port's old MAC rule, which is where the unpatched agent loops.
Every ebtables call is printed as a JSON line {"argv", "rc"} as it returns; the final line is
{"rules": [...]}, the nat table's rules for the port's MAC chain.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from typing import Any

from neutron_lib import exceptions  # type: ignore[import-not-found]

MODULE = "neutron.plugins.ml2.drivers.linuxbridge.agent.arp_protect"
VIF = "tapharness0"
PORT = {
    "mac_address": "fa:16:3e:01:02:03",
    "fixed_ips": [{"ip_address": "10.40.2.10"}],
    "port_security_enabled": True,
    "device_owner": "compute:nova",
}
PAIR = {"mac_address": "fa:16:3e:0a:0b:0c", "ip_address": "10.40.2.11"}


class _Netns:
    def execute(self, argv: list[str], **_: Any) -> str:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        print(json.dumps({"argv": argv, "rc": done.returncode}), flush=True)
        if done.returncode != 0:
            raise exceptions.ProcessExecutionError(done.stderr, returncode=done.returncode)
        return done.stdout


class _IPWrapper:
    def __init__(self, namespace: str | None = None) -> None:
        self.netns = _Netns()


def load(path: str | None) -> Any:
    if path is None:
        return importlib.import_module(MODULE)
    spec = importlib.util.spec_from_file_location("arp_protect_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    arp_protect = load(sys.argv[1] if len(sys.argv) > 1 else None)
    arp_protect.ip_lib.IPWrapper = _IPWrapper
    arp_protect.setup_arp_spoofing_protection(VIF, PORT)
    arp_protect.setup_arp_spoofing_protection(VIF, {**PORT, "allowed_address_pairs": [PAIR]})
    listing = subprocess.run(
        ["ebtables", "-t", "nat", "-L", f"neutronMAC-{VIF}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print(json.dumps({"rules": [line for line in listing.splitlines() if line.startswith("-")]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
