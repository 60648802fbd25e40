"""The control plane's loopback ports, inside the hypervisor namespace.

    python3 -m localcloud.relay NETNS PORT [PORT...]

The APIs, RabbitMQ and Keystone listen on 127.0.0.1 of the namespace the cloud was started in;
the hypervisor's processes (nova-compute, Neutron's agents, libvirt's clients) live in NETNS,
whose 127.0.0.1 is its own. This process opens a listening socket on 127.0.0.1:PORT inside NETNS
for each PORT and carries every connection to 127.0.0.1:PORT of its own namespace, byte for byte,
so both sides keep configs that name only 127.0.0.1 and no other address is ever used.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading

from localcloud import netns

BUFFER = 1 << 16


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(BUFFER):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _carry(client: socket.socket, port: int) -> None:
    try:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def _serve(listener: socket.socket, port: int) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_carry, args=(client, port), daemon=True).start()


def listen_in(namespace: str, port: int) -> socket.socket:
    with netns.entered(namespace):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
    return listener


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not all(a.isdigit() for a in argv[1:]):
        print("usage: python3 -m localcloud.relay NETNS PORT [PORT...]", file=sys.stderr)
        return 2
    namespace, ports = argv[0], [int(a) for a in argv[1:]]
    threads = []
    for port in ports:
        listener = listen_in(namespace, port)
        thread = threading.Thread(target=_serve, args=(listener, port), daemon=True)
        thread.start()
        threads.append(thread)
    print(f"relay: 127.0.0.1:{ports} of {namespace} -> 127.0.0.1 here", flush=True)
    for thread in threads:
        thread.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
