"""airlock-data-officers: A site with research workspaces names at least two data officers."""

from __future__ import annotations

from hubcore.stacks import Layer, StackName
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import RuleSettings, Scope, Severity, rule

MIN_OFFICERS = 2


class OfficersSettings(RuleSettings):
    """airlock-data-officers: how many distinct officers a site names at least."""

    min_officers: int = MIN_OFFICERS


@rule(
    "airlock-data-officers",
    description="A site with research workspaces names at least two data officers.",
    remediation="List two or more Keystone users in hub:dataOfficers (stacks/sites.yaml): a "
    "release needs two distinct officers' approvals.",
    severity=Severity.HIGH,
    requirements=("TRE-OUTPUT", "CNIL-AUTH"),
    enforces=(
        "a site with `hub:workspacePool` names at least `minOfficers` (2) distinct "
        "`hub:dataOfficers` (judged on its network and workspace stacks)"
    ),
    scope=Scope.STACK,
    settings=OfficersSettings(),
)
def airlock_data_officers(context: Context) -> Outcome:
    """Passes: a site's network or workspace stack whose hub:dataOfficers lists at least
    minOfficers (2) distinct users. Fails: fewer, or none (nothing could ever be released, or one
    person could). Not applicable: sites without hub:workspacePool, other layers, no config."""
    site = context.site
    name = StackName.try_parse(site.stack or "")
    if name is None or name.layer not in (Layer.NETWORK, Layer.WORKSPACE):
        return not_applicable("judged on the site's network stack and its workspaces")
    if site.text("hub:workspacePool") is None:
        return not_applicable("the site holds no research workspaces")
    officers = site.value("hub:dataOfficers")
    listed = sorted({str(o) for o in officers}) if isinstance(officers, list) else []
    least = context.settings(OfficersSettings).min_officers
    if len(listed) >= least:
        return passed()
    return failed(
        f"site {site.site!r} names {len(listed)} data officer(s) ({', '.join(listed) or 'none'});"
        f" a release needs {least} distinct officers' approvals, so results could never leave"
        + (" its workspaces." if len(listed) < 2 else " under the pack's setting."),
        config_keys=("hub:dataOfficers",),
    )
