"""The infrastructure every service uses, MariaDB and RabbitMQ (services.infrastructure), and
the data plane's clock (chrony)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable

from localcloud.layout import Layout, render
from localcloud.setup.common import run


def configure(layout: Layout, values: dict[str, str]) -> None:
    etc, state = layout.etc, layout.state
    render("mariadb.cnf", etc / "mariadb.cnf", values)
    render("rabbitmq.conf", etc / "rabbitmq.conf", values)
    rabbit_home = state / "rabbitmq"
    rabbit_home.mkdir(parents=True, exist_ok=True)
    plugins = rabbit_home / "enabled_plugins"
    if not plugins.exists():
        plugins.write_text("[].\n")
    if layout.data_plane:
        render("dataplane/chrony.conf", etc / "chrony.conf", values)
        (state / "chrony").mkdir(parents=True, exist_ok=True)
    (state / "mariadb").mkdir(parents=True, exist_ok=True)


def init_mariadb(layout: Layout) -> None:
    if layout.done("mariadb-init"):
        return
    data = layout.state / "mariadb" / "data"
    shutil.rmtree(data, ignore_errors=True)
    run(
        layout,
        [
            "/usr/bin/mariadb-install-db",
            f"--defaults-file={layout.etc / 'mariadb.cnf'}",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        "mariadb",
    )
    layout.mark("mariadb-init")


def create_databases(layout: Layout, secret: dict[str, str], databases: Iterable[str]) -> None:
    """The services' databases (`databases`, in order) and the user they all connect as."""
    if layout.done("databases"):
        return
    password = secret["db_password"]
    sql = [f"CREATE USER IF NOT EXISTS 'openstack'@'127.0.0.1' IDENTIFIED BY '{password}';"]
    for name in databases:
        sql.append(f"CREATE DATABASE IF NOT EXISTS {name} CHARACTER SET utf8mb3;")
        sql.append(f"GRANT ALL PRIVILEGES ON {name}.* TO 'openstack'@'127.0.0.1';")
    sql.append("FLUSH PRIVILEGES;")
    sql_file = layout.run / "create-databases.sql"
    sql_file.write_text("\n".join(sql) + "\n")
    run(
        layout,
        [
            "/usr/bin/mariadb",
            f"--defaults-file={layout.etc / 'mariadb.cnf'}",
            "-uroot",
            "-e",
            f"source {sql_file}",
        ],
        "mariadb",
    )
    sql_file.unlink()
    layout.mark("databases")
