"""A TCP forwarder on 127.0.0.1 in front of one service of the local cloud, that the test can
make unreachable or silent at a chosen moment: the service stays up, the audit's path to it
goes. Real connections and real answers until then; nothing is rewritten."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Forwarder:
    target: tuple[str, int]
    # After this many connections the forwarder stops: later connections are refused
    # (unreachable) or, with `hang`, accepted and never answered (a timeout).
    allow: int = 1_000_000
    hang: bool = False
    connections: int = 0
    _server: socket.socket = field(init=False)
    _threads: list[threading.Thread] = field(default_factory=list)
    _open: list[socket.socket] = field(default_factory=list)
    _stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._open.append(client)
            if self.connections > self.allow:
                if not self.hang:
                    client.close()
                    self._server.close()
                    return
                continue  # accepted, never answered
            upstream = socket.create_connection(self.target)
            self._open.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=_pipe, args=(a, b), daemon=True)
                thread.start()
                self._threads.append(thread)

    def close(self) -> None:
        self._stopped.set()
        for sock in [self._server, *self._open]:
            with contextlib.suppress(OSError):
                sock.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
