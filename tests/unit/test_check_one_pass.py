"""`hubctl check --stack` goes through a stack once: its files are read and layered once, the
result validated once, its site facts gathered once, then synthesised, judged and reported.

Counted at the source, in an interpreter of its own: every module's reference to the reader is
wrapped wherever it was imported, so a new caller that reads the stack again is counted too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hubcore.paths import REPO_ROOT

STACK = "staging-network"

COUNTING = """
import json, sys
from collections import Counter
import hubcore.stackfiles, infra.config, policies.facts, synth.synthesis, hubctl.checkcache
from hubctl.cli import app

counts = {}

def wrap(label, original):
    calls = counts.setdefault(label, Counter())
    def counted(*args, **kwargs):
        calls[str(args[0]) if args else ""] += 1
        return original(*args, **kwargs)
    for module in list(sys.modules.values()):
        for name, value in list(getattr(module, "__dict__", {}).items()):
            if value is original:
                setattr(module, name, counted)

wrap("layered", hubcore.stackfiles.load_layered_config)
wrap("validated", infra.config.validate_config)
wrap("facts", policies.facts.site_facts)
runs = counts.setdefault("runs", Counter())
run_mocked = synth.synthesis.run_mocked
def counted_run(stack, *args):
    runs[stack] += 1
    return run_mocked(stack, *args)
synth.synthesis.run_mocked = counted_run

for attempt in range(int(sys.argv[2])):
    for counter in counts.values():
        counter.clear()
    try:
        app(["check", "--stack", sys.argv[1], "--format", "json"])
    except SystemExit as done:
        assert done.code in (0, 1), done.code
sys.stderr.write("COUNTS " + json.dumps(counts) + "\\n")
"""


def _counts(tmp_path: Path, checks: int) -> dict[str, dict[str, int]]:
    """What the last of `checks` successive checks of STACK read, validated, gathered and ran."""
    environment = {
        "HUBCTL_CHECK_CACHE": str(tmp_path / "cache"),
        "HUBCTL_CHECK_CACHE_KEY": str(tmp_path / "key"),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", COUNTING, STACK, str(checks)],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("COUNTS ")]
    assert done.returncode == 0 and lines, done.stderr[-2000:]
    counts: dict[str, dict[str, int]] = json.loads(lines[-1].removeprefix("COUNTS "))
    return counts


def test_a_cold_check_reads_layers_and_validates_the_stack_once(tmp_path):
    counts = _counts(tmp_path, checks=1)
    assert counts["layered"].get(STACK) == 1
    assert counts["validated"].get(STACK) == 1
    assert counts["facts"].get(STACK) == 1
    assert counts["runs"].get(STACK) == 1


def test_a_cached_check_reads_the_stack_once_and_synthesises_nothing(tmp_path):
    counts = _counts(tmp_path, checks=2)
    assert counts["layered"].get(STACK) == 1
    assert counts["validated"].get(STACK) == 1
    assert counts["runs"] == {}
