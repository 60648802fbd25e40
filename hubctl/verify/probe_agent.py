"""The flow probes' agent: sent as source to a host (or run in the operators' network) and run
by that system's own python3, with nothing installed.

    python3 -c "$SOURCE" listen TCP_PORTS UDP_PORTS SECONDS ADDRESS STOP_FILE
    python3 -c "$SOURCE" probe PROBES_JSON [SOURCE_ADDRESS]

`listen` binds every port it can (a port a service already holds is reported as `busy`), prints
one `ready` JSON line, records every connection or datagram that carries a probe token, and
prints one `received` JSON line when STOP_FILE appears (it is then removed), stdin closes, or
SECONDS pass. `probe` sends each probe
([address, "tcp"|"udp"|"ntp", port, token]) and prints one `sent` JSON line: each probe followed
by whether the handshake completed (TCP: a service that holds a port answers it) or a valid
answer came back (NTP), then how it ended: for TCP `open`, `refused` (the target's kernel
answered with a reset: the packet got there), `timeout` (nothing came back: dropped on the way
or at the target), `unreachable` (a router or the host said so) or `error:<errno name>` (EPERM:
the source's own firewall refused to send); `answered` or `silent` for NTP, `sent` for UDP.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import socket
import sys
import threading
import time

TOKEN = b"hubflow:"


def _read_token(conn: socket.socket) -> bytes:
    conn.settimeout(3)
    data = b""
    try:
        while b"\n" not in data and len(data) < 256:
            chunk = conn.recv(256)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def listen(tcp: list[int], udp: list[int], seconds: float, address: str, stop: str) -> None:
    received: list[list[object]] = []
    lock = threading.Lock()
    bound: dict[str, list[int]] = {"tcp": [], "udp": []}
    busy: dict[str, list[int]] = {"tcp": [], "udp": []}
    sockets: list[tuple[str, int, socket.socket]] = []
    for kind, ports, family in (("tcp", tcp, socket.SOCK_STREAM), ("udp", udp, socket.SOCK_DGRAM)):
        for port in ports:
            sock = socket.socket(socket.AF_INET, family)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError:
                busy[kind].append(port)
                sock.close()
                continue
            if kind == "tcp":
                sock.listen(64)
            bound[kind].append(port)
            sockets.append((kind, port, sock))

    def record(kind: str, port: int, peer: str, data: bytes) -> None:
        if data.startswith(TOKEN):
            with lock:
                received.append([kind, port, peer, data.strip().decode(errors="replace")])

    def take(conn: socket.socket, port: int, peer: str) -> None:
        with conn:
            record("tcp", port, peer, _read_token(conn))

    def serve(kind: str, port: int, sock: socket.socket) -> None:
        while True:
            try:
                if kind == "tcp":
                    conn, peer = sock.accept()
                    threading.Thread(target=take, args=(conn, port, peer[0]), daemon=True).start()
                else:
                    data, peer = sock.recvfrom(512)
                    record(kind, port, peer[0], data)
            except OSError:
                return

    for kind, port, sock in sockets:
        threading.Thread(target=serve, args=(kind, port, sock), daemon=True).start()
    print(json.dumps({"ready": bound, "busy": busy}), flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not os.path.exists(stop):
        ready, _, _ = select.select([sys.stdin], [], [], 1.0)
        if ready and not sys.stdin.readline():
            break
    with contextlib.suppress(OSError):
        os.unlink(stop)
    time.sleep(1.0)  # a probe's last bytes still in flight
    with lock:
        print(json.dumps({"received": received}), flush=True)


def _ntp(address: str, port: int, source: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(3)
        if source:
            sock.bind((source, 0))
        try:
            sock.sendto(b"\x23" + 47 * b"\0", (address, port))
            answer = sock.recv(512)
        except OSError:
            return False
    return len(answer) >= 48 and 0 < answer[1] < 16


def outcome(error: OSError) -> str:
    """How a TCP connect that failed ended."""
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, TimeoutError):
        return "timeout"
    if error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "unreachable"
    if error.errno:
        return f"error:{errno.errorcode.get(error.errno, str(error.errno))}"
    return f"error:{type(error).__name__}"


def _probe(probe: list[object], source: str) -> list[object]:
    address, kind, port, token = str(probe[0]), str(probe[1]), int(str(probe[2])), str(probe[3])
    payload = token.encode() + b"\n"
    if kind == "ntp":
        answered = _ntp(address, port, source)
        return [*probe, answered, "answered" if answered else "silent"]
    if kind == "udp":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            if source:
                sock.bind((source, 0))
            for _ in range(3):
                with contextlib.suppress(OSError):
                    sock.sendto(payload, (address, port))
                time.sleep(0.05)
        return [*probe, False, "sent"]
    try:
        with socket.create_connection(
            (address, port), timeout=3, source_address=(source, 0) if source else None
        ) as conn:
            conn.sendall(payload)
            time.sleep(0.2)
        return [*probe, True, "open"]
    except OSError as error:
        return [*probe, False, outcome(error)]


def probe(probes: list[list[object]], source: str) -> None:
    results: list[list[object]] = [[] for _ in probes]
    slots = threading.Semaphore(24)

    def one(index: int, item: list[object]) -> None:
        with slots:
            results[index] = _probe(item, source)

    threads = [threading.Thread(target=one, args=(i, p)) for i, p in enumerate(probes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"sent": results}), flush=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["listen"] and len(argv) == 6:
        ports = [[int(p) for p in arg.split(",") if p] for arg in argv[1:3]]
        listen(ports[0], ports[1], float(argv[3]), argv[4], argv[5])
        return 0
    if argv[:1] == ["probe"] and len(argv) in (2, 3):
        probe(json.loads(argv[1]), argv[2] if len(argv) == 3 else "")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
