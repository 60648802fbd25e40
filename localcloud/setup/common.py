"""What every service's setup shares: running a setup command, and the error it raises."""

from __future__ import annotations

import subprocess

from localcloud.layout import Layout
from localcloud.services import base_env


class SetupError(RuntimeError):
    pass


def run(
    layout: Layout,
    argv: list[str],
    log_name: str,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> None:
    """Run one setup command, output appended to log/setup-<log_name>.log; raise on failure."""
    full_env = base_env(layout)
    full_env.update(env or {})
    log = layout.log / f"setup-{log_name}.log"
    with open(log, "ab") as out:
        out.write(f"\n==== {' '.join(argv)}\n".encode())
        out.flush()
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=layout.state,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        raise SetupError(f"{argv[0]} failed ({result.returncode}), see {log}:\n" + "\n".join(tail))
