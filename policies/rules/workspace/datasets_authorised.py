"""workspace-datasets-authorised: A workspace holds only datasets its site holds (those its
authorisation names)."""

from __future__ import annotations

from hubcore.resource_types import CONTAINER
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import describe
from policies.rules.workspace.common import is_extract


@rule(
    "workspace-datasets-authorised",
    description="A workspace holds only datasets its site holds (those its authorisation names).",
    remediation="List in the manifest's `datasets` only datasets of the site's hub:datasets.",
    severity=Severity.HIGH,
    requirements=("CNIL-AUTH", "GDPR-5-1-C"),
    enforces="an extract's `workspace-datasets` are among the site's `hub:datasets`",
    applies_to=(CONTAINER,),
)
def workspace_datasets_authorised(resource: ResourceView, context: Context) -> Outcome:
    """Passes: every dataset of the extract's workspace-datasets is one of hub:datasets.
    Fails: another one, or none listed. Not applicable: not an extract, or no site facts."""
    if not is_extract(resource):
        return not_applicable("not a workspace extract")
    site = context.site.value("hub:datasets")
    if not isinstance(site, list):
        return not_applicable("the site's datasets are not known")
    listed = [d for d in str(resource.tags.get("workspace-datasets") or "").split(",") if d]
    if not listed:
        return failed(f"{describe(resource)} names no dataset: the extract's origin is unknown.")
    extra = [d for d in listed if d not in site]
    if extra:
        return failed(
            f"{describe(resource)} holds {', '.join(extra)}, not among the site's datasets "
            f"({', '.join(map(str, site))}).",
            config_keys=("hub:datasets",),
        )
    return passed()
