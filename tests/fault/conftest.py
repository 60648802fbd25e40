"""The fault tier runs on the integration tier's own tenant, engine and backend."""

from tests.integration.conftest import (  # noqa: F401 (fixtures)
    cloud_env,
    connection,
    deploy_env,
    engine_env,
    local_cloud,
    test_tenant,
)
