"""The flow agent says how each TCP probe ended: the data-plane tier tells a packet that got to
its target (a handshake, or a reset from the target's kernel) from one that was dropped."""

from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys

import pytest

from hubctl.verify import flows
from hubctl.verify.probe_agent import outcome


def run_agent(probes: list[list[object]]) -> dict[str, list[object]]:
    done = subprocess.run(
        [sys.executable, "-c", flows.AGENT, "probe", json.dumps(probes)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return {str(item[3]): item for item in json.loads(done.stdout)["sent"]}


def test_a_listening_port_is_open_and_a_closed_one_refused_on_loopback():
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("127.0.0.1", 0))
        listening.listen(4)
        closed.bind(("127.0.0.1", 0))  # bound, never listening: the kernel answers with a reset
        sent = run_agent(
            [
                ["127.0.0.1", "tcp", listening.getsockname()[1], "t:open"],
                ["127.0.0.1", "tcp", closed.getsockname()[1], "t:closed"],
            ]
        )
    assert sent["t:open"][4:] == [True, "open"]
    assert sent["t:closed"][4:] == [False, "refused"]


def test_an_unanswered_ntp_query_is_silent_and_a_udp_datagram_only_sent():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as quiet:
        quiet.bind(("127.0.0.1", 0))
        port = quiet.getsockname()[1]
        sent = run_agent([["127.0.0.1", "ntp", port, "n"], ["127.0.0.1", "udp", port, "u"]])
    assert sent["n"][4:] == [False, "silent"]
    assert sent["u"][4:] == [False, "sent"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "refused"),
        (TimeoutError("timed out"), "timeout"),
        (OSError(errno.EHOSTUNREACH, "no route to host"), "unreachable"),
        (OSError(errno.ENETUNREACH, "network is unreachable"), "unreachable"),
        (OSError(errno.EPERM, "operation not permitted"), "error:EPERM"),
        (OSError("no errno"), "error:OSError"),
    ],
)
def test_a_failed_connect_is_named_by_how_it_ended(error: OSError, expected: str):
    assert outcome(error) == expected
