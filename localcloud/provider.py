"""What the local cloud's provider offers inside its sites, as a real provider would.

    python3 -m localcloud.provider STATE_DIR REPOSITORY_DIR

Runs in the hypervisor namespace and keeps, for every router of this cloud:

- **Provider services at the sites' provider addresses** (PROVIDER_ADDRESSES: the x.y.0.10 that
  the local sites name in `hub:aptProxy` and `hub:ntpServers`, inside their ranges). Each is put
  on the loopback of every router namespace, so a host reaches it through its own first router,
  whichever tier it is in, as a metadata service is reached. There, TCP 3142 answers as an apt
  proxy from the package repository the image build made (exactly the hardening's packages, its
  own signed indexes), and UDP 123 carries NTP to the chronyd of the hypervisor namespace.
- **The operators' network** of every router with a gateway on Ext-Net: a namespace on Ext-Net
  (`<id>-op-<router>`, localcloud.netns) holding an operators' address (10.255.0.N, inside the
  local sites' `hub:adminCidrs`) and a world address (198.51.100.N, TEST-NET-2), routed to the
  router's internal subnets through its gateway; the outside namespace routes their replies
  back. It plays the operators' VPN of a real site: `ssh -J` and the flow probes start there.

The routers are read from Neutron every few seconds (admin credentials of the cloud's secrets).
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import json
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from localcloud import netns
from localcloud.layout import ADMIN_PROJECT, ADMIN_USER, Layout, load_secrets
from localcloud.rest import ApiError, Session

# The provider addresses of the local sites (stacks/sites.yaml: hub:aptProxy, hub:ntpServers).
PROVIDER_ADDRESSES = ("10.40.0.10", "10.50.0.10")
APT_PORT = 3142
NTP_PORT = 123
OPERATORS_NET = ipaddress.ip_network("10.255.0.0/24")
WORLD_NET = ipaddress.ip_network("198.51.100.0/24")
INTERVAL = 3.0


def say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} provider: {message}", flush=True)


class RepositoryHandler(http.server.BaseHTTPRequestHandler):
    """An apt proxy that serves one local repository for whichever mirror a request names:
    `GET http://<mirror>/<path>/dists/<suite>/...` and `.../pool/...`."""

    repository: Path = Path("/nonexistent")
    protocol_version = "HTTP/1.1"

    def _file(self) -> Path | None:
        path = self.path.split("?", 1)[0]
        if "://" in path:
            path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
        for marker in ("/dists/", "/pool/"):
            if marker in path:
                relative = marker.strip("/") + "/" + path.split(marker, 1)[1]
                candidate = (self.repository / relative).resolve()
                if candidate.is_file() and self.repository.resolve() in candidate.parents:
                    return candidate
        return None

    def _answer(self, body: bool) -> None:
        found = self._file()
        if found is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = found.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Last-Modified", self.date_time_string(int(found.stat().st_mtime)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: Any) -> None:
        say(f"apt {self.client_address[0]} {format % args}")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def serve_repository(listener: socket.socket, repository: Path) -> _Server:
    handler = type("Handler", (RepositoryHandler,), {"repository": repository})
    server = _Server(("127.0.0.1", APT_PORT), handler, bind_and_activate=False)
    server.socket.close()
    server.socket = listener
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def relay_ntp(listener: socket.socket, stop: threading.Event) -> None:
    """Carry each NTP request to the hypervisor namespace's chronyd and its answer back."""
    listener.settimeout(1.0)
    while not stop.is_set():
        try:
            request, client = listener.recvfrom(512)
        except TimeoutError:
            continue
        except OSError:
            return
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
            upstream.settimeout(1.0)
            try:
                upstream.sendto(request, ("127.0.0.1", NTP_PORT))
                answer = upstream.recv(512)
            except OSError:
                continue
        with contextlib.suppress(OSError):
            listener.sendto(answer, client)


class RouterServices:
    """The provider services bound inside one router namespace."""

    def __init__(self, namespace: netns.Namespace, repository: Path) -> None:
        self.namespace = namespace
        for address in PROVIDER_ADDRESSES:
            netns.ip("addr", "replace", f"{address}/32", "dev", "lo", netns=namespace)
        with netns.entered(namespace):
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind(("0.0.0.0", APT_PORT))
            tcp.listen(32)
            # One UDP socket per address: an answer must leave from the address the request
            # went to, or the host's firewalls take it for a stranger's packet.
            self.udp = []
            for address in PROVIDER_ADDRESSES:
                udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                udp.bind((address, NTP_PORT))
                self.udp.append(udp)
        self.http = serve_repository(tcp, repository)
        self.stop = threading.Event()
        for udp in self.udp:
            threading.Thread(target=relay_ntp, args=(udp, self.stop), daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.http.shutdown()
        self.http.server_close()
        for udp in self.udp:
            udp.close()


class Provider:
    def __init__(self, layout: Layout, repository: Path) -> None:
        self.layout = layout
        self.repository = repository
        self.services: dict[str, RouterServices] = {}
        self.allocations_file = layout.state / "provider" / "operators.json"
        self.allocations_file.parent.mkdir(parents=True, exist_ok=True)
        self.allocations: dict[str, int] = (
            json.loads(self.allocations_file.read_text()) if self.allocations_file.exists() else {}
        )
        secret = load_secrets(layout)
        self.session = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)

    def _save(self) -> None:
        self.allocations_file.write_text(json.dumps(self.allocations, indent=2))

    def _index(self, router_id: str) -> int:
        if router_id not in self.allocations:
            taken = set(self.allocations.values())
            self.allocations[router_id] = next(n for n in range(2, 255) if n not in taken)
            self._save()
        return self.allocations[router_id]

    def routers(self) -> list[dict[str, Any]]:
        neutron = self.session.endpoint("network")
        found: list[dict[str, Any]] = self.session.get(f"{neutron}/v2.0/routers")["routers"]
        return found

    def internal_cidrs(self, router_id: str) -> list[str]:
        neutron = self.session.endpoint("network")
        ports = self.session.get(
            f"{neutron}/v2.0/ports?device_id={router_id}&device_owner=network:router_interface"
        )["ports"]
        cidrs = []
        for port in ports:
            for fixed in port["fixed_ips"]:
                subnet = self.session.get(f"{neutron}/v2.0/subnets/{fixed['subnet_id']}")
                cidrs.append(subnet["subnet"]["cidr"])
        return sorted(set(cidrs))

    def reconcile(self) -> None:
        routers = {r["id"]: r for r in self.routers()}
        for router_id in list(self.services):
            if router_id not in routers or not netns.exists(self.router_namespace(router_id)):
                self.services.pop(router_id).close()
                say(f"router {router_id}: provider services closed")
        for router_id, router in routers.items():
            namespace = self.router_namespace(router_id)
            if router_id not in self.services and netns.exists(namespace):
                try:
                    self.services[router_id] = RouterServices(namespace, self.repository)
                    say(f"router {router_id}: apt and NTP at {', '.join(PROVIDER_ADDRESSES)}")
                except (OSError, RuntimeError) as error:
                    say(f"router {router_id}: not yet ({error})")
            gateway = router.get("external_gateway_info") or {}
            addresses = [ip["ip_address"] for ip in gateway.get("external_fixed_ips") or []]
            if addresses:
                self.operators_namespace(router_id, addresses[0])
        for router_id in list(self.allocations):
            if router_id not in routers or not (
                routers[router_id].get("external_gateway_info") or {}
            ):
                self.drop_operators(router_id)

    def router_namespace(self, router_id: str) -> Path:
        """The L3 agent's namespace of the router, in the cloud's agents' folder."""
        return netns.agents_folder(self.layout.state) / f"qrouter-{router_id}"

    def operators_namespace(self, router_id: str, gateway_ip: str) -> None:
        n = self._index(router_id)
        name = netns.operators(self.layout.state, router_id)
        dp, ext = netns.dataplane(self.layout.state), netns.outside(self.layout.state)
        operator, world = str(OPERATORS_NET[n]), str(WORLD_NET[n])
        veth = f"o-{router_id[:8]}"
        if not netns.exists(name):
            netns.add(name)
        if not netns.link_exists(veth, dp):
            netns.ip("link", "add", veth, "netns", dp, "type", "veth", "peer", "name", "eth0",
                     "netns", name)  # fmt: skip
            netns.ip("link", "set", veth, "master", netns.EXT_BRIDGE, netns=dp)
            netns.ip("link", "set", veth, "up", netns=dp)
            netns.ip("addr", "add", f"{operator}/32", "dev", "eth0", netns=name)
            netns.ip("addr", "add", f"{world}/32", "dev", "eth0", netns=name)
            netns.ip("link", "set", "eth0", "up", netns=name)
            netns.ip("route", "add", netns.EXT_CIDR, "dev", "eth0", "src", operator, netns=name)
            # The outside reaches both addresses on Ext-Net through its ARP cache, which may
            # still hold the Ethernet address of the namespace that had them before (a router
            # destroyed since, whose index this one reuses): Linux keeps such an entry, STALE
            # without end on so small a table, sends to the dead address, and asks again only
            # after 5 s of DELAY and 3 unanswered probes. Nothing here announces the new owner
            # (Neutron's agents send gratuitous ARP for theirs), so the first packets from the
            # hosts to the world were lost: the outside is told where the addresses now live.
            lladdr = netns.mac("eth0", name)
            for address in (operator, world):
                netns.ip("neigh", "replace", address, "lladdr", lladdr, "dev", netns.EXT_UPLINK,
                         "nud", "permanent", netns=ext)  # fmt: skip
            say(f"router {router_id}: operators' namespace {name} ({operator}, {world})")
        for cidr in self.internal_cidrs(router_id):
            netns.ip("route", "replace", cidr, "via", gateway_ip, "src", operator, netns=name)
        for address in (operator, world):
            netns.ip("route", "replace", f"{address}/32", "dev", netns.EXT_UPLINK, netns=ext)

    def drop_operators(self, router_id: str) -> None:
        n = self.allocations.pop(router_id)
        self._save()
        ext = netns.outside(self.layout.state)
        for address in (OPERATORS_NET[n], WORLD_NET[n]):
            netns.ip("route", "del", f"{address}/32", netns=ext, check=False)
            netns.ip("neigh", "del", str(address), "dev", netns.EXT_UPLINK, netns=ext, check=False)
        netns.delete(netns.operators(self.layout.state, router_id))
        say(f"router {router_id}: operators' namespace removed")

    def run(self) -> None:
        say(f"serving {self.repository} at {', '.join(PROVIDER_ADDRESSES)}")
        while True:
            try:
                self.reconcile()
            except (ApiError, OSError, RuntimeError) as error:
                say(f"reconcile: {type(error).__name__}: {error}")
            time.sleep(INTERVAL)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 -m localcloud.provider STATE_DIR REPOSITORY_DIR", file=sys.stderr)
        return 2
    Provider(Layout(Path(argv[0]).resolve()), Path(argv[1]).resolve()).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
