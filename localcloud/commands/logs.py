"""`scripts/local-cloud logs`: where each service logs, tails, and the distinct errors."""

from __future__ import annotations

from pathlib import Path

from localcloud import logscan
from localcloud.layout import Layout
from localcloud.services import all_services


def cmd_logs(
    layout: Layout,
    service: str | None = None,
    lines: str | None = None,
    tail: str | None = None,
    errors: bool = False,
    since: str | None = None,
    limit: str | None = None,
) -> int:
    """Where each service logs, or tails of logs.

    logs                     every log file, by service
    logs SERVICE [N]         the last N (60) lines of one service's log
    logs all [N]             the last N lines of every log (what CI prints on failure)
    logs --tail N [SERVICE]  same as `logs all N` (or `logs SERVICE N`)
    logs --errors [--since 'YYYY-MM-DD HH:MM:SS'] [--limit N]
                             one line per distinct error the services logged (the first N)
    """
    logs = sorted(layout.log.glob("*.log")) if layout.log.exists() else []
    if errors:
        return _print_errors(logs, since, limit)
    if service is None and tail is None:
        for each in all_services(layout):
            print(f"{each.name:<18} {each.log_file(layout)}")
        for log in logs:
            if log.stem.startswith(("setup-", "apt-")):
                print(f"{log.stem:<18} {log}")
        return 0
    if tail is not None:
        service, lines = service or "all", tail
    count = int(lines) if lines is not None and lines.isdigit() else 60
    chosen = logs if service == "all" else [layout.log / f"{service}.log"]
    for log in chosen:
        print(f"===== {log} (last {count} lines)")
        if log.exists():
            with open(log, errors="replace") as handle:
                print("".join(handle.readlines()[-count:]), end="")
        else:
            print("(no such log)")
    return 0


def _print_errors(logs: list[Path], since: str | None, limit: str | None) -> int:
    found = logscan.errors(logs, since=since or "")
    shown = found[: int(limit or "0") or len(found)]
    after = f" since {since}" if since is not None else ""
    print(f"local cloud: {len(found)} distinct error(s) logged{after}", end="")
    print(f", the first {len(shown)}:" if len(shown) < len(found) else (":" if found else ""))
    for error in shown:
        print(f"  {error.line(200)}")
    return 0
