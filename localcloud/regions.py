"""The local cloud's regions: LOCAL2's own endpoints, and a network without one region.

LOCAL2 runs no second set of OpenStack services (twice the memory and the start time on a
2-core machine). Instead a gateway process gives it endpoints of its own: it listens on
LOCAL2's ports (each service's port + 10000) and forwards every connection, byte for byte, to
the service behind it. The catalogue's LOCAL2 endpoints name those ports, so a client of LOCAL2
never uses LOCAL1's, and LOCAL1's can be refused while LOCAL2 keeps answering. Identity is
global (one Keystone for both regions, as OVH's auth.cloud.ovh.net serves every region).

`isolate REGION [--at-loss] -- CMD` runs CMD in a network namespace of its own where Keystone
and every other region's endpoints are forwarded (through unix sockets, from the host's
loopback) and REGION's are not: connecting to them is refused, which is what a region loss
looks like to a client. With `--at-loss`, REGION stays reachable until CMD asks for the loss:
CMD writes the region's name to the file `$HUB_REGION_LOSS` names, the fence then closes
REGION's listeners, cuts the connections open to them and answers in `$HUB_REGION_LOSS.done`.
A DR drill reads the primary (read-only) before the loss, then recovers with it refused.

Nothing here binds anything but 127.0.0.1; the namespace has only its loopback.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from localcloud.layout import DR_REGION, REGION, REPO_ROOT

# LOCAL2's port for each service port of LOCAL1 (Keystone, 5000, is global and not here).
GATEWAY_OFFSET = 10000
SERVICE_PORTS = (8774, 9696, 8778, 9292, 8776, 8080, 9311)
DR_PORTS: dict[int, int] = {port: port + GATEWAY_OFFSET for port in SERVICE_PORTS}
LOSS_VAR = "HUB_REGION_LOSS"
CHUNK = 1 << 16


def endpoint_url(region: str, url: str) -> str:
    """A catalogue URL as `region` serves it: LOCAL2's through the gateway's ports."""
    parts = urlsplit(url)
    if region != DR_REGION or parts.port not in DR_PORTS:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{DR_PORTS[parts.port]}"))


# ---------------------------------------------------------------------------- forwarding


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError, RuntimeError):
            writer.close()


async def _splice(
    client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
) -> None:
    try:
        await asyncio.gather(_pipe(client[0], upstream[1]), _pipe(upstream[0], client[1]))
    finally:
        for writer in (client[1], upstream[1]):
            writer.close()


def tcp_to_tcp(target: int) -> object:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.close()
            return
        await _splice((reader, writer), upstream)

    return handle


async def serve_gateway(ports: dict[int, int]) -> None:
    servers = [
        await asyncio.start_server(tcp_to_tcp(target), "127.0.0.1", listen)  # type: ignore[arg-type]
        for target, listen in ports.items()
    ]
    await asyncio.gather(*(server.serve_forever() for server in servers))


def gateway_argv() -> list[str]:
    return ["/usr/bin/python3", "-m", "localcloud.regions", "gateway"]


# ---------------------------------------------------------------------------- the fence


class FenceError(RuntimeError):
    pass


def region_ports(endpoints: Iterable[dict[str, object]]) -> tuple[dict[str, set[int]], set[int]]:
    """Ports per region from Keystone's endpoints, and the identity service's (global) ports."""
    by_region: dict[str, set[int]] = {}
    identity: set[int] = set()
    for endpoint in endpoints:
        port = urlsplit(str(endpoint.get("url", ""))).port
        if port is None:
            continue
        if endpoint.get("service_type") == "identity":
            identity.add(port)
            continue
        by_region.setdefault(str(endpoint.get("region_id")), set()).add(port)
    return by_region, identity


def fence_plan(
    region: str, by_region: dict[str, set[int]], identity: set[int]
) -> tuple[set[int], set[int]]:
    """(ports forwarded for good, ports of `region` refused once lost)."""
    if region not in by_region:
        raise FenceError(f"no region {region!r} in the catalogue: {', '.join(sorted(by_region))}")
    others = set().union(*(p for r, p in by_region.items() if r != region)) | identity
    shared = sorted(by_region[region] & others)
    if shared:
        raise FenceError(
            f"{region} shares the ports {', '.join(map(str, shared))} with another region: "
            "refusing it would refuse them too. Restart the cloud with this code "
            "(scripts/local-cloud stop; scripts/local-cloud start) to give LOCAL2 endpoints "
            "of its own"
        )
    return others, by_region[region]


async def _unix_to_tcp(path: str, port: int) -> asyncio.AbstractServer:
    """Outside: a unix socket whose connections reach the host's 127.0.0.1:port."""
    return await asyncio.start_unix_server(tcp_to_tcp(port), path)  # type: ignore[arg-type]


def run_outside(sockets: Path, ports: set[int]) -> threading.Thread:
    ready = threading.Event()

    def main() -> None:
        async def serve() -> None:
            servers = [await _unix_to_tcp(str(sockets / f"{p}.sock"), p) for p in sorted(ports)]
            ready.set()
            await asyncio.gather(*(s.serve_forever() for s in servers))

        asyncio.run(serve())

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    if not ready.wait(30):
        raise FenceError("the forwarders outside the namespace did not start")
    return thread


class Inside:
    """The namespace's side: TCP listeners on 127.0.0.1 that reach the unix sockets."""

    def __init__(self, sockets: Path, kept: set[int], lost: set[int]) -> None:
        self.sockets, self.kept, self.lost = sockets, kept, lost
        self.servers: dict[int, asyncio.AbstractServer] = {}
        self.open: dict[int, set[asyncio.StreamWriter]] = {p: set() for p in kept | lost}

    def handler(self, port: int) -> object:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                upstream = await asyncio.open_unix_connection(str(self.sockets / f"{port}.sock"))
            except OSError:
                writer.close()
                return
            self.open[port] |= {writer, upstream[1]}
            try:
                await _splice((reader, writer), upstream)
            finally:
                self.open[port] -= {writer, upstream[1]}

        return handle

    async def start(self, ports: set[int]) -> None:
        for port in sorted(ports):
            self.servers[port] = await asyncio.start_server(
                self.handler(port),  # type: ignore[arg-type]
                "127.0.0.1",
                port,
            )

    async def lose(self) -> None:
        """The region's endpoints refuse from now on; what was open to them is cut."""
        for port in self.lost:
            server = self.servers.pop(port, None)
            if server is not None:
                server.close()
                await server.wait_closed()
            for writer in list(self.open[port]):
                writer.transport.abort()


async def _inside_main(spec: dict[str, object]) -> int:
    sockets = Path(str(spec["sockets"]))
    kept = {int(p) for p in spec["kept"]}  # type: ignore[attr-defined]
    lost = {int(p) for p in spec["lost"]}  # type: ignore[attr-defined]
    trigger = spec.get("trigger")
    region = str(spec["region"])
    inside = Inside(sockets, kept, lost)
    await inside.start(kept | (lost if trigger else set()))
    env = dict(spec["env"])  # type: ignore[call-overload]
    if trigger:
        env[LOSS_VAR] = str(trigger)
    process = await asyncio.create_subprocess_exec(
        *spec["command"],  # type: ignore[misc]
        env=env,
        cwd=str(spec["cwd"]),
    )
    if trigger:
        path = Path(str(trigger))
        while process.returncode is None:
            if path.exists() and not Path(f"{path}.done").exists():
                asked = path.read_text().strip()
                if asked == region:
                    await inside.lose()
                    answer = f"lost {region}"
                else:
                    answer = f"refused: this fence isolates {region}, not {asked or '?'}"
                Path(f"{path}.done").write_text(answer + "\n")
            try:
                await asyncio.wait_for(process.wait(), 0.2)
            except TimeoutError:
                continue
    return await process.wait()


def inside(spec_file: str) -> int:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    spec = json.loads(Path(spec_file).read_text())
    return asyncio.run(_inside_main(spec))


def isolate(
    region: str,
    command: list[str],
    endpoints: list[dict[str, object]],
    *,
    at_loss: bool,
    say: Callable[[str], None] = print,
) -> int:
    """Run `command` with `region`'s endpoints refused (at once, or when it asks)."""
    if os.geteuid() != 0:
        raise FenceError("isolate needs root: it makes a network namespace (unshare --net)")
    if not command:
        raise FenceError("usage: scripts/local-cloud isolate REGION [--at-loss] -- COMMAND...")
    by_region, identity = region_ports(endpoints)
    kept, lost = fence_plan(region, by_region, identity)
    with tempfile.TemporaryDirectory(prefix="localcloud-fence-") as scratch:
        sockets = Path(scratch)
        run_outside(sockets, kept | lost)
        spec = {
            "sockets": str(sockets),
            "kept": sorted(kept),
            "lost": sorted(lost),
            "region": region,
            "trigger": str(sockets / "region-loss") if at_loss else None,
            "command": command,
            "cwd": os.getcwd(),
            "env": dict(os.environ),
        }
        (sockets / "spec.json").write_text(json.dumps(spec))
        say(
            f"{region} ({', '.join(map(str, sorted(lost)))}) "
            + ("refused when the command asks" if at_loss else "refused")
            + f"; forwarded: {', '.join(map(str, sorted(kept)))}"
        )
        done = subprocess.run(
            ["unshare", "--net", "--", sys.executable, "-m", "localcloud.regions", "inside",
             str(sockets / "spec.json")],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )  # fmt: skip
        return done.returncode


def main(argv: list[str]) -> int:
    if argv[:1] == ["gateway"]:
        asyncio.run(serve_gateway(DR_PORTS))
        return 0
    if argv[:1] == ["inside"] and len(argv) == 2:
        return inside(argv[1])
    print("usage: python3 -m localcloud.regions gateway | inside SPEC", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


__all__ = ["DR_PORTS", "DR_REGION", "REGION", "FenceError", "endpoint_url", "isolate"]
