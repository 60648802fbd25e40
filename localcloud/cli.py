"""scripts/local-cloud start|stop|status|env|logs: the commands, run by Debian's python3.

The command line is read by argparse (`parser`); a line it refuses prints the usage of the
command it was meant for, prefixed `local-cloud:`, and exits 2, as every usage error of the
local cloud does.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn

from localcloud import dataplane, logscan, netns, patches
from localcloud.layout import (
    ADMIN_PROJECT,
    ADMIN_USER,
    DR_PROJECT,
    DR_REGION,
    HUB_PROJECT,
    HUB_USER,
    KEYSTONE_URL,
    REGION,
    REPO_ROOT,
    Layout,
    default_layout,
    load_secrets,
    record_machine_cloud,
)
from localcloud.processes import (
    StartError,
    healthy,
    instance_processes,
    is_running,
    kill_strays,
    launch,
    listening_ports,
    read_pid,
    terminate,
    wait_healthy,
)
from localcloud.regions import FenceError, isolate
from localcloud.rest import Session
from localcloud.services import (
    Service,
    all_services,
    dataplane_agents,
    dataplane_base,
    infrastructure,
    keystone,
    openstack,
    regional,
)
from localcloud.setup import barbican, nova, steps, swift
from localcloud.setup import infrastructure as infrastructure_setup
from localcloud.setup import keystone as keystone_setup
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


def say(message: str) -> None:
    print(f"local-cloud: {message}", file=sys.stderr, flush=True)


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


def ensure_running(
    services: list[Service], layout: Layout, timeout: float, verbose: bool = False
) -> None:
    """Start the services of the list that are not running, then wait until all answer."""
    for service in services:
        if not is_running(service, layout):
            # Leftovers of a crashed run (workers of a dead parent) would hold its port.
            terminate(service, layout, timeout=10)
            launch(service, layout)
    wait_healthy(services, layout, timeout, verbose)


def _wait_all(futures: dict[str, Future[None]]) -> None:
    for future in futures.values():
        future.result()


def cmd_start(layout: Layout) -> int:
    started = time.monotonic()
    layout.make_dirs()
    try:
        mode = layout.choose_mode()
    except ValueError as refused:
        say(f"REFUSED: {refused}")
        return 2
    if layout.data_plane:
        dataplane.manifest()  # the image must be built before anything starts
    secret = load_secrets(layout)
    services = all_services(layout)
    if (
        all(is_running(s, layout) for s in services)
        and all(healthy(s) for s in services)
        and layout.done("seed")
        and (not layout.data_plane or dataplane.image_seeded(layout))
    ):
        keystone_setup.register_workspace_identity(layout, secret)
        keystone_setup.register_region_endpoints(layout, secret)
        write_clouds_yaml(layout, secret)
        record_machine_cloud(layout)
        say(f"already running ({time.monotonic() - started:.1f} s){_elsewhere(layout)}")
        return 0

    steps.write_configs(layout, secret)
    swift.build_swift_rings(layout)
    infrastructure_setup.init_mariadb(layout)
    infra = infrastructure(layout)
    for service in infra:
        if not is_running(service, layout):
            terminate(service, layout, timeout=10)
            launch(service, layout)
    wait_healthy(infra[:1], layout, 120)  # MariaDB
    steps.create_databases(layout, secret)

    with ThreadPoolExecutor(max_workers=7) as pool:
        futures = steps.start_schemas(layout, secret, pool)
        if "schema-keystone" in futures:
            futures.pop("schema-keystone").result()
        ensure_running([keystone(layout)], layout, 120)
        say(f"  keystone up ({time.monotonic() - started:.0f} s)")
        keystone_setup.register_identity(layout, secret, steps.CATALOG)
        keystone_setup.register_workspace_identity(layout, secret)
        say(f"  catalog, projects and users registered ({time.monotonic() - started:.0f} s)")
        wait_healthy(infra, layout, 180)  # RabbitMQ is up by now, usually
        _wait_all(futures)
    say(f"databases and identity ready ({time.monotonic() - started:.0f} s)")

    hypervisor: list[Service] = []
    if layout.data_plane:
        netns.build_dataplane(layout.state)
        ensure_running(dataplane_base(layout), layout, 60)
        dataplane.wait_libvirt(layout)
        hypervisor = dataplane_agents(layout)
        elapsed = time.monotonic() - started
        say(f"  hypervisor namespace {netns.dataplane(layout.state)} ready ({elapsed:.0f} s)")
    ensure_running([*openstack(layout), *regional(layout), *hypervisor], layout, 300, verbose=True)
    keystone_setup.register_region_endpoints(layout, secret)
    say(f"APIs answer ({time.monotonic() - started:.0f} s)")
    nova.discover_hosts(layout)
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    # The agents report in while the APIs serve their first authenticated calls: wait for both
    # at once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        agents = pool.submit(steps.wait_agents, admin, layout)
        apis = pool.submit(steps.check_api, admin)
        agents.result()
        apis.result()
    say(f"compute hosts, volume service and APIs serve ({time.monotonic() - started:.0f} s)")
    steps.seed(layout, secret)
    if layout.data_plane:
        record = dataplane.seed_image(admin, layout)
        say(f"signed image {record['image']} in Glance ({time.monotonic() - started:.0f} s)")
    write_clouds_yaml(layout, secret)
    record_machine_cloud(layout)
    say(
        f"{mode} cloud started in {time.monotonic() - started:.0f} s; "
        f"clouds.yaml: {layout.clouds_yaml} (clouds local, local-dr, local-admin)"
    )
    return 0


def cmd_stop(layout: Layout) -> int:
    # Read before the agents stop (they delete some of them on the way out).
    agent_namespaces = dataplane.neutron_namespaces(layout) if layout.data_plane else []
    # Reverse order: APIs and agents first, then Keystone, then the bus and the database.
    services = list(reversed(all_services(layout)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        front = [s for s in services if s.name not in {"keystone", "rabbitmq", "epmd", "mariadb"}]
        list(pool.map(lambda s: terminate(s, layout), front))
    for name in ("keystone", "rabbitmq", "epmd", "mariadb"):
        began = time.monotonic()
        terminate(next(s for s in services if s.name == name), layout, timeout=60)
        if time.monotonic() - began > 5:
            say(f"  {name} took {time.monotonic() - began:.0f} s to stop")
    strays = kill_strays(layout)
    if strays:
        say(f"ended {len(strays)} leftover process(es): {strays}")
    if layout.data_plane:
        kept = dataplane.teardown(layout, agent_namespaces)
        if kept:
            say(f"namespaces still present after stop: {kept}")
            return 1
    left = listening_ports()
    if left:
        say(f"ports still listening after stop: {left}")
        return 1
    say(f"stopped{_elsewhere(layout)}")
    return 0


def _elsewhere(layout: Layout) -> str:
    """Said when the cloud acted on is another checkout's (this one has none of its own)."""
    if layout.state == (REPO_ROOT / ".local-cloud") or os.environ.get("LOCAL_CLOUD_DIR"):
        return ""
    return f" (the cloud of this machine, in {layout.state}, started from another checkout)"


def cmd_status(layout: Layout) -> int:
    width = max(len(s.name) for s in all_services(layout))
    worst = 0
    for service in all_services(layout):
        pid = read_pid(service.pid_file(layout))
        if not is_running(service, layout):
            state, worst = "stopped", max(worst, 1)
        elif healthy(service):
            state = "running" if service.url is None and service.port is None else "healthy"
        else:
            state, worst = "not answering", max(worst, 1)
        where = service.url or (f"tcp 127.0.0.1:{service.port}" if service.port else "")
        print(f"{service.name:<{width}}  {state:<13}  pid {pid or '-':<7}  {where}")
    extra = set(instance_processes(layout))
    print(f"processes of the cloud: {len(extra)}")
    print(f"folder: {layout.state}{_elsewhere(layout)}")
    if layout.data_plane:
        names = dataplane.namespaces(layout, dataplane.neutron_namespaces(layout))
        shown = " ".join(netns.path(n).name for n in names)
        print(f"data plane: {len(names)} namespace(s): {shown}")
    return worst


def clouds(layout: Layout, secret: dict[str, str]) -> dict[str, dict[str, object]]:
    def entry(user: str, password: str, project: str, region: str) -> dict[str, object]:
        return {
            "auth": {
                "auth_url": KEYSTONE_URL,
                "username": user,
                "password": password,
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": region,
            "interface": "public",
            "identity_api_version": 3,
        }

    return {
        "local": entry(HUB_USER, secret["hub_admin_password"], HUB_PROJECT, REGION),
        "local-dr": entry(HUB_USER, secret["hub_admin_password"], DR_PROJECT, DR_REGION),
        "local-admin": entry(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT, REGION),
    }


def write_clouds_yaml(layout: Layout, secret: dict[str, str]) -> None:
    # JSON is valid YAML, and Debian's python3 need not have PyYAML for it.
    text = json.dumps({"clouds": clouds(layout, secret)}, indent=2) + "\n"
    if not layout.clouds_yaml.exists() or layout.clouds_yaml.read_text() != text:
        fd = os.open(layout.clouds_yaml, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)


def cmd_env(layout: Layout, who: str, which: str = "1") -> int:
    """Print OS_* exports for the hub user (or `env dr` / `env admin` / `env officer [N]`).

    Reads the secrets as they are: only `start` adds the ones a newer version needs.
    """
    secret = load_secrets(layout, add_missing=False)
    layout.make_dirs()
    write_clouds_yaml(layout, secret)
    if who == "officer":
        # A data officer has no project of their own: they scope to a workspace's.
        officers = list(keystone_setup.OFFICERS.items())
        if not which.isdigit() or not 1 <= int(which) <= len(officers):
            say(f"usage: scripts/local-cloud env officer [1..{len(officers)}]")
            return 2
        user, password_key = officers[int(which) - 1]
        if password_key not in secret:
            say(f"{user} does not exist on this cloud yet: scripts/local-cloud start adds it")
            return 1
        for key, value in {
            "OS_AUTH_URL": KEYSTONE_URL,
            "OS_REGION_NAME": REGION,
            "OS_USERNAME": user,
            "OS_PASSWORD": secret[password_key],
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_IDENTITY_API_VERSION": "3",
        }.items():
            print(f"export {key}='{value}'")
        print("unset OS_CLOUD OS_PROJECT_ID OS_PROJECT_NAME OS_TENANT_NAME OS_TENANT_ID")
        return 0
    name = {"dr": "local-dr", "admin": "local-admin"}.get(who, "local")
    cloud = clouds(layout, secret)[name]
    auth = cloud["auth"]
    assert isinstance(auth, dict)
    values = {
        "OS_AUTH_URL": auth["auth_url"],
        "OS_REGION_NAME": cloud["region_name"],
        "OS_PROJECT_NAME": auth["project_name"],
        "OS_USERNAME": auth["username"],
        "OS_PASSWORD": auth["password"],
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_INTERFACE": "public",
        "OS_CLIENT_CONFIG_FILE": str(layout.clouds_yaml),
    }
    # Whether hubctl up, workspace open and drill wait for the hosts' first boot: an API-only
    # cloud runs no guest, so nothing would ever finish booting.
    values["HUB_WAIT_HOSTS"] = "1" if layout.data_plane else "0"
    for key, value in values.items():
        print(f"export {key}='{value}'")
    print("unset OS_CLOUD OS_PROJECT_ID OS_TENANT_NAME OS_TENANT_ID")
    return 0


def cmd_purge_secrets(layout: Layout, secret_ids: list[str]) -> int:
    """Remove soft-deleted Barbican secrets for good (`barbican-manage db clean`), then, for
    each secret id given, say how many rows remain: exit 1 if any does."""
    secret = load_secrets(layout, add_missing=False)
    barbican.purge_deleted_secrets(layout, secret)
    remaining = barbican.secret_rows(layout, secret_ids)
    for secret_id, rows in remaining.items():
        print(f"{secret_id}: {rows} row(s) left in barbican.secrets")
    log = layout.log / "setup-barbican-purge.log"
    print(f"purged: barbican-manage db clean --min-days 0 (log: {log})")
    return 1 if any(remaining.values()) else 0


def cmd_mode(layout: Layout) -> int:
    """Print whether this cloud's hosts boot (`data-plane`) or exist in the APIs only
    (`api-only`); `unset` for a folder never started, whose first start chooses."""
    print(layout.recorded_mode() or "unset")
    return 0


def cmd_patch() -> int:
    """Apply the upstream fixes of localcloud/patches/ to the installed packages (idempotent)."""
    try:
        for patch, done in patches.apply_all():
            say(f"patch {patch.file.name}: {done} ({patch.target})")
    except patches.PatchRefused as refused:
        say(f"REFUSED: {refused}")
        return 1
    return 0


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


def cmd_isolate(layout: Layout, region: str, command: list[str], at_loss: bool = False) -> int:
    """Run a command with one region's endpoints refused (localcloud/regions.py)."""
    secret = load_secrets(layout)
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    services = {s["id"]: s["type"] for s in admin.get(f"{KEYSTONE_URL}/services")["services"]}
    endpoints = [
        {**e, "service_type": services.get(e["service_id"], "")}
        for e in admin.get(f"{KEYSTONE_URL}/endpoints")["endpoints"]
    ]
    try:
        return isolate(region, command, endpoints, at_loss=at_loss, say=say)
    except FenceError as error:
        say(f"isolate: {error}")
        return 2


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
