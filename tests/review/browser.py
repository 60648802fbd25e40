"""Headless Chromium from Debian's packages, driven through chromedriver's W3C WebDriver API on
127.0.0.1 (plain HTTP, no client library): open a page, run a script in it, take a screenshot."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Chromium as root in a container: no sandbox, no GPU, nothing that phones home.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1800",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Browser:
    def __init__(self, base: str, session: str) -> None:
        self.base, self.session = base, session

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base}/session/{self.session}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def script(self, source: str) -> Any:
        return self._call("POST", "/execute/sync", {"script": source, "args": []})

    def screenshot(self) -> bytes:
        return base64.b64decode(self._call("GET", "/screenshot"))


@contextmanager
def browser() -> Iterator[Browser]:
    driver = shutil.which("chromedriver")
    assert driver, "chromedriver (Debian's chromium-driver) is installed by scripts/setup"
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    process = subprocess.Popen(
        [driver, f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/status", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        options = {
            "binary": "/usr/bin/chromium",
            "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"],
        }
        request = urllib.request.Request(
            f"{base}/session",
            data=json.dumps(
                {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            session = json.loads(response.read())["value"]["sessionId"]
        page = Browser(base, session)
        try:
            yield page
        finally:
            urllib.request.urlopen(
                urllib.request.Request(f"{base}/session/{session}", method="DELETE"), timeout=30
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
