"""The local cloud's region fence: a command sees one region's endpoints refused, the others
and identity forwarded, at once or from the moment it asks (localcloud/regions.py).

Two small TCP servers on this namespace's 127.0.0.1 stand for the two regions' endpoints and a
third for Keystone; the command runs inside the fence's own network namespace and reports what
it could reach, before and after asking for the loss. Needs root (unshare --net), as CI has.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from localcloud.regions import FenceError, fence_plan, isolate, region_ports

pytestmark = pytest.mark.integration

PROBE = r"""
import json, os, socket, sys, time
def reach(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            s.sendall(b"ping"); return s.recv(16).decode()
    except OSError as error:
        return type(error).__name__
ports = json.loads(sys.argv[1])
result = {"before": {p: reach(p) for p in ports}}
trigger = os.environ.get("HUB_REGION_LOSS")
if trigger:
    open(trigger, "w").write(sys.argv[2])
    while not os.path.exists(trigger + ".done"):
        time.sleep(0.05)
    result["answer"] = open(trigger + ".done").read().strip()
    result["after"] = {p: reach(p) for p in ports}
print(json.dumps(result))
"""


class Echo:
    """A TCP server on 127.0.0.1 that answers each connection with its own name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            with conn:
                conn.recv(16)
                conn.sendall(self.name.encode())


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Echo]]:
    made = {name: Echo(name) for name in ("local1", "local2", "keystone")}
    yield made
    for server in made.values():
        server.socket.close()


def endpoints(servers: dict[str, Echo]) -> list[dict[str, object]]:
    return [
        {"region_id": "LOCAL1", "service_type": "compute",
         "url": f"http://127.0.0.1:{servers['local1'].port}/v2.1"},
        {"region_id": "LOCAL2", "service_type": "compute",
         "url": f"http://127.0.0.1:{servers['local2'].port}/v2.1"},
        {"region_id": "LOCAL1", "service_type": "identity",
         "url": f"http://127.0.0.1:{servers['keystone'].port}/v3"},
    ]  # fmt: skip


def run_fenced(servers: dict[str, Echo], at_loss: bool, capfd: pytest.CaptureFixture[str]) -> dict:
    ports = [servers[n].port for n in ("local1", "local2", "keystone")]
    code = isolate(
        "LOCAL1",
        [sys.executable, "-c", PROBE, json.dumps(ports), "LOCAL1"],
        endpoints(servers),
        at_loss=at_loss,
        say=lambda line: None,
    )
    assert code == 0
    return json.loads(capfd.readouterr().out.strip().splitlines()[-1])


def test_the_isolated_regions_endpoints_are_refused(servers, capfd) -> None:
    result = run_fenced(servers, at_loss=False, capfd=capfd)
    before = {int(k): v for k, v in result["before"].items()}
    assert before[servers["local1"].port] == "ConnectionRefusedError"
    assert before[servers["local2"].port] == "local2"
    assert before[servers["keystone"].port] == "keystone"


def test_with_at_loss_the_region_answers_until_the_command_asks(servers, capfd) -> None:
    result = run_fenced(servers, at_loss=True, capfd=capfd)
    before = {int(k): v for k, v in result["before"].items()}
    after = {int(k): v for k, v in result["after"].items()}
    assert before[servers["local1"].port] == "local1"
    assert result["answer"] == "lost LOCAL1"
    assert after[servers["local1"].port] == "ConnectionRefusedError"
    assert after[servers["local2"].port] == "local2"


def test_a_region_sharing_ports_with_another_cannot_be_fenced() -> None:
    shared: list[dict[str, object]] = [
        {"region_id": "LOCAL1", "service_type": "compute", "url": "http://127.0.0.1:8774/v2.1"},
        {"region_id": "LOCAL2", "service_type": "compute", "url": "http://127.0.0.1:8774/v2.1"},
    ]
    with pytest.raises(FenceError, match="LOCAL1 shares the ports 8774"):
        fence_plan("LOCAL1", *region_ports(shared))


def test_the_fence_leaves_no_process_behind(servers, capfd) -> None:
    run_fenced(servers, at_loss=False, capfd=capfd)
    left = subprocess.run(
        ["pgrep", "-f", "localcloud.regions inside"], capture_output=True, text=True
    )
    assert left.stdout.strip() == ""
