"""The contract every generated input is held to, and the hang guard that bounds each example.

`hubctl check` on any stack file, sites.yaml, `-c` value or state export exits 0, 1 or 2 and
nothing else, never prints a traceback, and never hangs. The guard is a generous per-example
limit (10 s, the issue's figure), there to turn a hang into a failure, not a speed target.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from hypothesis import HealthCheck, settings
from typer.testing import CliRunner, Result

from hubctl.cli import app

HANG_SECONDS = 10.0
# A fixed seed and a fixed budget: the same examples on every run, CI included.
settings.register_profile(
    "hub",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("hub")

runner = CliRunner()


class Hang(AssertionError):
    pass


@contextmanager
def hang_guard(seconds: float = HANG_SECONDS) -> Iterator[None]:
    def expired(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no answer within {seconds:.0f} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def hubctl(args: Sequence[str], env: dict[str, str] | None = None) -> Result:
    """`hubctl ARGS` in process, under the hang guard, held to the contract."""
    with hang_guard():
        result = runner.invoke(app, list(args), env=env)
    assert_contract(result.exit_code, result.stderr, result.exception)
    return result


def assert_contract(code: int, stderr: str, exception: BaseException | None = None) -> None:
    assert code in (0, 1, 2), f"exit {code}: {stderr[-2000:]} {exception!r}"
    assert exception is None or isinstance(exception, SystemExit), repr(exception)
    assert "Traceback" not in stderr, stderr[-2000:]
    if code == 2:  # a refusal is one clear message, not an empty exit
        assert stderr.strip(), "exit 2 without a message"


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}
