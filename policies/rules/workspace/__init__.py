"""Workspace family: a research project's workspace is bounded in time, data and reach.

The CNIL authorises access to health data for one project, for its duration and to the data its
decision (or reference methodology, e.g. MR-004) names. The facts come from the workspace's own
resources, which say what they belong to (metadata and tags: `workspace`, `authorisation`,
`authorisation-ends`, `workspace-starts`, `workspace-expires`, and on the extract container
`workspace-datasets` and `data-key-ref`), and from the site's config (hub:datasets,
hub:networkCidr, hub:workspacePool, hub:aptProxy). So a state export judges a workspace as
its resources stand, even after its stack file is gone: a lingering expired workspace fails.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.workspace import (  # noqa: F401 - imported for their registrations
    expiry_valid,
    not_expired,
    datasets_authorised,
    no_egress,
    no_floating_ip,
    no_external_gateway,
    no_flow_from_other_workspace,
    key_distinct,
    access_via_project,
)
# isort: on
