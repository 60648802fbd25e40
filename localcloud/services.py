"""The processes of the local cloud: how each one starts, where it logs, how to tell it is up.

Only the declarations: processes.py starts them, watches them and stops them.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from localcloud import netns
from localcloud.layout import DATA_PLANE_HOST, PYDIST, REPO_ROOT, Layout, image_cache
from localcloud.regions import DR_PORTS, gateway_argv

PY = "/usr/bin/python3"
# The API-only cloud's fake compute hosts (so anti-affinity groups of up to 3 members schedule);
# a data-plane cloud has one real one (compute_hosts).
COMPUTE_HOSTS = ("local-compute-1", "local-compute-2", "local-compute-3")
# The control plane's ports that the hypervisor namespace's processes call (localcloud.relay).
RELAYED_PORTS = (5000, 5672, 8774, 8776, 8778, 9292, 9311, 9696)
INSTANCE_VAR = "LOCAL_CLOUD_INSTANCE"


@dataclass(frozen=True)
class Service:
    """One long-running process of the cloud."""

    name: str
    argv: list[str]
    # Health check: an HTTP URL that must answer below 500, or only a TCP port that must accept.
    url: str | None = None
    port: int | None = None
    env: dict[str, str] = field(default_factory=dict)

    def log_file(self, layout: Layout) -> Path:
        return layout.log / f"{self.name}.log"

    def pid_file(self, layout: Layout) -> Path:
        return layout.run / f"{self.name}.pid"


# Every TCP port a process of the cloud listens on (stop checks that none is left).
CLOUD_PORTS = (
    3306,
    4369,
    5672,
    25672,
    5000,
    9292,
    8778,
    8774,
    9696,
    8776,
    8080,
    6200,
    6201,
    6202,
    9311,
    *DR_PORTS.values(),
)


def _uwsgi(name: str, port: int, processes: int, app: list[str]) -> list[str]:
    return [
        "/usr/bin/uwsgi",
        "--plugin",
        "python3",
        "--master",
        "--die-on-term",
        "--need-app",
        "--lazy-apps",
        "--procname-prefix",
        f"localcloud-{name}-",
        "--http-socket",
        f"127.0.0.1:{port}",
        "--processes",
        str(processes),
        "--threads",
        "1",
        # Clients that reuse a kept-alive connection get resets from uwsgi's http-socket.
        "--add-header",
        "Connection: close",
        "--buffer-size",
        "65535",
        "--socket-timeout",
        "120",
        "--harakiri",
        "300",
        *app,
    ]


def _py_main(module: str) -> list[str]:
    """Run the `main` of a service module from python3-nova / python3-cinder (the packages that
    would give a console script, nova-compute and cinder-volume, pull in libvirt and LVM)."""
    return [PY, "-c", f"import sys; from {module} import main; sys.exit(main())"]


def infrastructure(layout: Layout) -> list[Service]:
    """The database and the message bus, which every OpenStack service needs first."""
    etc = layout.etc
    rabbit_home = layout.state / "rabbitmq"
    return [
        Service(
            "mariadb",
            ["/usr/sbin/mariadbd", f"--defaults-file={etc / 'mariadb.cnf'}"],
            port=3306,
        ),
        Service(
            # epmd would otherwise be started by RabbitMQ as a daemon outside its session,
            # listening on every interface.
            "epmd",
            ["/usr/bin/epmd", "-address", "127.0.0.1", "-port", "4369"],
            port=4369,
        ),
        Service(
            "rabbitmq",
            ["/usr/lib/rabbitmq/bin/rabbitmq-server"],
            port=5672,
            env={
                "HOME": str(rabbit_home),
                "RABBITMQ_NODENAME": "rabbit@localhost",
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": "5672",
                "RABBITMQ_DIST_PORT": "25672",
                "RABBITMQ_CONFIG_FILE": str(etc / "rabbitmq.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(rabbit_home / "enabled_plugins"),
                "RABBITMQ_MNESIA_BASE": str(rabbit_home / "mnesia"),
                "RABBITMQ_LOG_BASE": str(layout.log),
                "RABBITMQ_PID_FILE": str(layout.run / "rabbitmq-beam.pid"),
                "RABBITMQ_LOGS": "-",
                "ERL_EPMD_ADDRESS": "127.0.0.1",
                "ERL_EPMD_PORT": "4369",
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": (
                    "-kernel inet_dist_use_interface {127,0,0,1}"
                ),
            },
        ),
    ]


def keystone(layout: Layout) -> Service:
    return Service(
        "keystone",
        _uwsgi("keystone", 5000, 2, ["--wsgi-file", "/usr/bin/keystone-wsgi-public"]),
        url="http://127.0.0.1:5000/v3",
        env={"OS_KEYSTONE_CONFIG_DIR": str(layout.etc / "keystone")},
    )


def compute_hosts(layout: Layout) -> tuple[str, ...]:
    return (DATA_PLANE_HOST,) if layout.data_plane else COMPUTE_HOSTS


# How a process enters the hypervisor namespace. Not `ip netns exec`: it makes every mount of
# its child a slave of the machine's, so the namespaces the agents create (qrouter-*, qdhcp-*)
# would exist in their mount namespace only. Here /sys is made anew (so /sys/class/net lists
# the namespace's devices, as the agents and libvirt expect), and mounts stay shared.
NEW_SYSFS = "umount -l /sys && mount -t sysfs -o nosuid,nodev,noexec sysfs /sys"
# Neutron's agents also see the cloud's own folder as /run/netns (localcloud.netns says why).
# /run/netns is first made a slave, so that mounting over it stays in this mount namespace; the
# folder is a shared mount, so the namespaces they make there are seen outside it.
OWN_NETNS = "mount --make-slave /run/netns && mount --bind {folder} /run/netns"


def in_dataplane(layout: Layout, argv: list[str], *, own_netns: bool = False) -> list[str]:
    """`argv` run in the cloud's hypervisor namespace; with `own_netns`, where /run/netns holds
    this cloud's agents' namespaces only."""
    steps = [NEW_SYSFS]
    if own_netns:
        folder = netns.agents_folder(layout.state)
        steps.append(OWN_NETNS.format(folder=shlex.quote(str(folder))))
    return [
        "nsenter",
        f"--net={netns.NETNS_DIR / netns.dataplane(layout.state)}",
        "unshare",
        "--mount",
        "--propagation",
        "unchanged",
        "/bin/sh",
        "-c",
        " && ".join([*steps, 'exec "$@"']),
        "dataplane",
        *argv,
    ]


def libvirt_dir(layout: Layout) -> Path:
    return layout.state / "libvirt"


# What the cloud's own libvirtd sees as its system folders (bound in its mount namespace).
LIBVIRT_FOLDERS = (
    ("etc", "/etc/libvirt"),
    ("run", "/run/libvirt"),
    ("lib", "/var/lib/libvirt"),
    ("cache", "/var/cache/libvirt"),
    ("log", "/var/log/libvirt"),
)


def dataplane_base(layout: Layout) -> list[Service]:
    """What the hypervisor's services need first: the relay of the control plane's ports,
    libvirtd, the sites' NTP server."""
    folder = libvirt_dir(layout)
    binds = "; ".join(
        f"mkdir -p {target}; mount --bind {folder / name} {target}"
        for name, target in LIBVIRT_FOLDERS
    )
    return [
        Service(
            "relay",
            [PY, "-m", "localcloud.relay", netns.dataplane(layout.state), *map(str, RELAYED_PORTS)],
        ),
        Service(
            "libvirtd",
            in_dataplane(
                layout,
                [
                    "unshare",
                    "--mount",
                    "--uts",
                    "--propagation",
                    "private",
                    "/bin/sh",
                    "-c",
                    f"set -e; hostname {DATA_PLANE_HOST}; {binds}; "
                    # Its own pid file: the default, /run/libvirtd.pid, is the machine's, and
                    # a second data-plane cloud (the stop test's) could not start beside it.
                    f"exec /usr/sbin/libvirtd -f {folder / 'etc' / 'libvirtd.conf'} "
                    f"--pid-file {folder / 'run' / 'libvirtd.pid'}",
                ],
            ),
        ),
        Service(
            "chronyd",
            in_dataplane(
                layout,
                [
                    "/usr/sbin/chronyd",
                    "-d",
                    "-x",
                    "-u",
                    "root",
                    "-f",
                    str(layout.etc / "chrony.conf"),
                ],
            ),
        ),
    ]


def dataplane_agents(layout: Layout) -> list[Service]:
    """nova-compute on libvirt, Neutron's agents and the provider services, in the hypervisor
    namespace."""
    etc = layout.etc
    neutron = [
        "--config-file",
        str(etc / "neutron" / "neutron.conf"),
        "--config-file",
        str(etc / "neutron" / "neutron-dataplane.conf"),
    ]
    agents = [
        Service(
            f"neutron-{kind}-agent",
            in_dataplane(
                layout,
                [
                    f"/usr/bin/neutron-{kind}-agent",
                    *neutron,
                    "--config-file",
                    str(etc / "neutron" / ini),
                ],
                own_netns=True,
            ),
        )
        for kind, ini in (
            ("linuxbridge", "linuxbridge_agent.ini"),
            ("dhcp", "dhcp_agent.ini"),
            ("l3", "l3_agent.ini"),
        )
    ]
    return [
        Service(
            "nova-compute-1",
            in_dataplane(
                layout,
                [
                    *_py_main("nova.cmd.compute"),
                    "--config-file",
                    str(etc / "nova" / "nova.conf"),
                    "--config-file",
                    str(etc / "nova" / "nova-compute-libvirt.conf"),
                    "--config-file",
                    str(etc / "nova" / f"{DATA_PLANE_HOST}.conf"),
                ],
            ),
        ),
        *agents,
        Service(
            "provider",
            in_dataplane(
                layout,
                [
                    PY,
                    "-m",
                    "localcloud.provider",
                    str(layout.state),
                    str(image_cache() / "repository"),
                ],
            ),
        ),
    ]


def openstack(layout: Layout) -> list[Service]:
    """Every OpenStack service after Keystone, in no particular order (they start together)."""
    etc = layout.etc
    nova_compute = ["--config-file", str(etc / "nova" / "nova.conf")]
    nova = [*nova_compute, "--config-file", str(etc / "nova" / "nova-db.conf")]
    cinder = ["--config-file", str(etc / "cinder" / "cinder.conf")]
    neutron_extra = (
        ["--config-file", str(etc / "neutron" / "neutron-dataplane.conf")]
        if layout.data_plane
        else []
    )
    services = [
        Service(
            "placement",
            _uwsgi("placement", 8778, 1, ["--wsgi-file", "/usr/bin/placement-api"]),
            url="http://127.0.0.1:8778/",
            env={"OS_PLACEMENT_CONFIG_DIR": str(etc / "placement")},
        ),
        Service(
            "glance-api",
            ["/usr/bin/glance-api", "--config-file", str(etc / "glance" / "glance-api.conf")],
            url="http://127.0.0.1:9292/",
        ),
        Service(
            "neutron-server",
            [
                "/usr/bin/neutron-server",
                "--config-file",
                str(etc / "neutron" / "neutron.conf"),
                "--config-file",
                str(etc / "neutron" / "ml2_conf.ini"),
                *neutron_extra,
            ],
            url="http://127.0.0.1:9696/",
            # Our ML2 mechanism driver and its entry point (localcloud/pydist).
            env={"PYTHONPATH": f"{PYDIST}:{REPO_ROOT}"},
        ),
        Service("nova-api", ["/usr/bin/nova-api", *nova], url="http://127.0.0.1:8774/"),
        Service("nova-conductor", ["/usr/bin/nova-conductor", *nova]),
        Service("nova-scheduler", ["/usr/bin/nova-scheduler", *nova]),
        Service("cinder-api", ["/usr/bin/cinder-api", *cinder], url="http://127.0.0.1:8776/"),
        Service("cinder-scheduler", ["/usr/bin/cinder-scheduler", *cinder]),
        Service("cinder-volume", [*_py_main("cinder.cmd.volume"), *cinder]),
        Service(
            "barbican-api",
            _uwsgi(
                "barbican",
                9311,
                1,
                ["--paste", "config:/usr/share/barbican-common/barbican-api-paste.ini"],
            ),
            url="http://127.0.0.1:9311/",
            # Barbican's app reads its config from the home folder's .barbican/ only.
            env={"HOME": str(layout.state / "barbican" / "home")},
        ),
    ]
    for host in () if layout.data_plane else COMPUTE_HOSTS:
        services.append(
            Service(
                f"nova-compute-{host.rsplit('-', 1)[1]}",
                [
                    *_py_main("nova.cmd.compute"),
                    *nova_compute,
                    "--config-file",
                    str(etc / "nova" / f"{host}.conf"),
                ],
            )
        )
    for kind, port in (("account", 6202), ("container", 6201), ("object", 6200)):
        services.append(
            Service(
                f"swift-{kind}",
                [f"/usr/bin/swift-{kind}-server", str(etc / "swift" / f"{kind}-server.conf"), "-v"],
                url=f"http://127.0.0.1:{port}/healthcheck",
            )
        )
    services.append(
        Service(
            "swift-proxy",
            ["/usr/bin/swift-proxy-server", str(etc / "swift" / "proxy-server.conf"), "-v"],
            url="http://127.0.0.1:8080/healthcheck",
        )
    )
    return services


def regional(layout: Layout) -> list[Service]:
    """LOCAL2's endpoints of its own: the gateway in front of the shared services
    (localcloud/regions.py)."""
    first = min(DR_PORTS.values())
    return [Service("region-gateway", gateway_argv(), port=first)]


def all_services(layout: Layout) -> list[Service]:
    extra = [*dataplane_base(layout), *dataplane_agents(layout)] if layout.data_plane else []
    return [
        *infrastructure(layout),
        keystone(layout),
        *openstack(layout),
        *regional(layout),
        *extra,
    ]


def base_env(layout: Layout) -> dict[str, str]:
    """Environment of every process of the cloud: Debian's python3 and tools, nothing from a
    virtualenv, and the marker that `stop` uses to find strays."""
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(layout.state / "home"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),
        INSTANCE_VAR: str(layout.state),
    }
    (layout.state / "home").mkdir(parents=True, exist_ok=True)
    return env


def mariadb_query(layout: Layout, query: str, *, check: bool) -> subprocess.CompletedProcess[str]:
    """`query` run as MariaDB's root on this cloud's server, rows tab-separated, no header."""
    return subprocess.run(
        [
            "/usr/bin/mariadb",
            f"--defaults-file={layout.etc / 'mariadb.cnf'}",
            "-uroot",
            "-N",
            "-B",
            "-e",
            query,
        ],
        capture_output=True,
        text=True,
        check=check,
        env=base_env(layout),
    )
