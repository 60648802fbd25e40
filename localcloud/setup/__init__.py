"""One-time setup of the local cloud, one module per service (DevStack's lib/<service>).

Every step is idempotent: one-time steps leave a mark under .local-cloud/done/, API objects are
looked up before they are created, so `start` after `stop` skips straight to the processes.

Each service module (`infrastructure` for MariaDB and RabbitMQ, `keystone`, `glance`, `nova` with
Placement, `neutron`, `cinder`, `swift`, `barbican`) holds all of that service's setup behind
the same hooks where it has them: `DATABASES`, `configure` (configs and folders), `schema_steps`
(migrations keyed by their mark), its catalog entries, `seed` and `quota`. `steps` walks the
services in the bootstrap's order; `common` holds what they share (`run`, `SetupError`).
"""
