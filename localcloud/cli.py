"""scripts/local-cloud start|stop|status|env|logs...: the command line, run by Debian's python3.

The command line is read by argparse (`parser`) and each command runs from its module of
localcloud/commands/; a line it refuses prints the usage of the
command it was meant for, prefixed `local-cloud:`, and exits 2, as every usage error of the
local cloud does.
"""

from __future__ import annotations

import argparse
import fcntl
import signal
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from localcloud import dataplane
from localcloud.commands.common import say
from localcloud.commands.env import cmd_env
from localcloud.commands.isolate import cmd_isolate
from localcloud.commands.logs import cmd_logs
from localcloud.commands.mode import cmd_mode
from localcloud.commands.patch import cmd_patch
from localcloud.commands.purge_secrets import cmd_purge_secrets
from localcloud.commands.start import cmd_start
from localcloud.commands.status import cmd_status
from localcloud.commands.stop import cmd_stop
from localcloud.layout import default_layout
from localcloud.processes import StartError
from localcloud.setup.common import SetupError

USAGE = (
    "usage: scripts/local-cloud start|stop|status|env [dr|admin|officer [1|2]]"
    "|purge-secrets [SECRET_ID...]|isolate REGION [--at-loss] -- COMMAND...|patch|mode"
    "|logs [SERVICE [N] | all [N] | --tail N | --errors [--since T] [--limit N]]"
)
TAIL_USAGE = "usage: scripts/local-cloud logs --tail N [SERVICE]"
ERRORS_USAGE = (
    "usage: scripts/local-cloud logs --errors [--since 'YYYY-MM-DD HH:MM:SS'] [--limit N]"
)
ISOLATE_USAGE = "usage: scripts/local-cloud isolate REGION [--at-loss] -- COMMAND..."


class UsageError(Exception):
    """A command line the local cloud refuses; the message is what to print (exit 2)."""


class Parser(argparse.ArgumentParser):
    """An argparse parser whose refusals are the local cloud's usage lines, not argparse's."""

    def __init__(self, *args: Any, refusal: str = USAGE, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.refusal = refusal

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.refusal)


def parser(logs_refusal: str = USAGE) -> Parser:
    """The commands and their arguments (scripts/local-cloud itself adds `install`)."""
    top = Parser(prog="scripts/local-cloud", description="The local OpenStack cloud.")
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    commands.add_parser("start", help="start every service (bootstrap on first run)")
    commands.add_parser("stop", help="stop every service and process of the cloud")
    commands.add_parser("status", help="each service's state; exit 1 if one is not healthy")
    env = commands.add_parser("env", help="OS_* exports for the hub user, dr, admin, an officer")
    env.add_argument("who", nargs="?", default="", help="dr, admin or officer (else the hub)")
    env.add_argument("officer", nargs="?", default="1", help="officer's number (1..)")
    logs = commands.add_parser(
        "logs", refusal=logs_refusal, help="where each service logs, tails, distinct errors"
    )
    logs.add_argument("service", nargs="?", help="a service's log, or `all`")
    logs.add_argument("lines", nargs="?", help="how many last lines (60)")
    logs.add_argument("--tail", metavar="N", help="the last N lines (of SERVICE, else all)")
    logs.add_argument("--errors", action="store_true", help="one line per distinct error")
    logs.add_argument("--since", help="errors logged since 'YYYY-MM-DD HH:MM:SS' only")
    logs.add_argument("--limit", help="the first N errors only")
    purge = commands.add_parser("purge-secrets", help="remove soft-deleted Barbican secrets")
    purge.add_argument("secret_ids", nargs="*", metavar="SECRET_ID", help="rows to count after")
    isolate = commands.add_parser(
        "isolate", refusal=ISOLATE_USAGE, help="run a command with a region refused"
    )
    isolate.add_argument("region")
    isolate.add_argument("--at-loss", action="store_true", help="fence at the loss event only")
    commands.add_parser("patch", help="apply localcloud/patches/ to the installed packages")
    commands.add_parser("mode", help="data-plane or api-only (unset before the first start)")
    return top


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The arguments of `argv`, and the command after `--` (isolate's); UsageError if refused."""
    logs_refusal = USAGE
    if argv[:1] == ["logs"] and {"--errors", "--since", "--limit"} & set(argv):
        logs_refusal = ERRORS_USAGE
    elif argv[:1] == ["logs"] and "--tail" in argv:
        logs_refusal = TAIL_USAGE
    top = parser(logs_refusal)
    before, after = argv, []
    if argv[:1] == ["isolate"]:
        # Everything after `--` is the command to run, options included: argparse never sees it.
        if "--" not in argv or len(argv) < 2 or argv[1].startswith("-"):
            raise UsageError(ISOLATE_USAGE)
        split = argv.index("--")
        before, after = argv[:split], argv[split + 1 :]
        options = before[2:]
        if set(options) - {"--at-loss"}:
            raise UsageError(f"isolate: unknown option(s) {' '.join(options)}; allowed: --at-loss")
    args, extra = top.parse_known_args(before)
    if extra:  # refused with the usage of the command they were given to
        raise UsageError(logs_refusal if args.command == "logs" else USAGE)
    if args.command == "logs":
        _check_logs(args)
    return args, after


def _check_logs(args: argparse.Namespace) -> None:
    if args.errors or args.since is not None or args.limit is not None:
        if (
            not args.errors
            or args.service is not None
            or args.tail is not None
            or not (args.limit or "0").isdigit()
        ):
            raise UsageError(ERRORS_USAGE)
    elif args.tail is not None and not args.tail.isdigit():
        raise UsageError(TAIL_USAGE)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] not in ("start", "stop"):
        # Piped into head or less: end quietly when the reader goes away. Not for start and
        # stop, whose own connections must fail with an error rather than end the process.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    layout = default_layout()
    try:
        args, command = parse(argv)
    except UsageError as refused:
        say(str(refused))
        return 2
    commands: dict[str, Callable[[], int]] = {
        "start": lambda: cmd_start(layout),
        "stop": lambda: cmd_stop(layout),
        "status": lambda: cmd_status(layout),
        "env": lambda: cmd_env(layout, args.who, args.officer),
        "logs": lambda: cmd_logs(
            layout, args.service, args.lines, args.tail, args.errors, args.since, args.limit
        ),
        "purge-secrets": lambda: cmd_purge_secrets(layout, args.secret_ids),
        "isolate": lambda: cmd_isolate(layout, args.region, command, args.at_loss),
        "patch": cmd_patch,
        "mode": lambda: cmd_mode(layout),
    }
    try:
        if args.command in ("start", "stop"):
            # One start or stop at a time: two test sessions starting the cloud at once would
            # launch every service twice.
            layout.make_dirs()
            with open(layout.run / "lifecycle.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                return commands[args.command]()
        return commands[args.command]()
    except (StartError, SetupError, dataplane.DataPlaneError) as err:
        say(f"FAILED: {err}")
        say("service logs: scripts/local-cloud logs; tails: scripts/local-cloud logs all")
        return 1
