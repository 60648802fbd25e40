"""Recovery objectives as policy, and whether the primary region was really out of reach.

A site declares `hub:rtoTarget` and `hub:rpoTarget`; a drill whose measured RTO or RPO is over
a target fails (exit 1) and says by how much. An RPO the drill could not measure (the primary
was not read) is judged on its bound, the time since the last replication pass.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from hubctl.cloud import SiteCloud, catalogue_endpoints
from hubctl.drill.model import DrillReport, Target
from infra.config import HubConfig


def _target(name: str, target: float, measured: float | None) -> Target:
    met = measured is not None and measured <= target
    return Target(
        name=name,
        target_seconds=target,
        measured_seconds=measured,
        met=met,
        over_by_seconds=None if met or measured is None else measured - target,
    )


def judge_targets(
    report: DrillReport,
    site: HubConfig,
    rto_override: float | None = None,
    rpo_override: float | None = None,
) -> list[Target]:
    """Each declared (or overridden) target against the drill's measure; a measure that is
    missing does not meet its target."""
    targets: list[Target] = []
    rto = rto_override or (site.rto_target.total_seconds() if site.rto_target else None)
    if rto is not None:
        targets.append(_target("RTO", rto, report.rto.total_seconds))
    rpo = rpo_override or (site.rpo_target.total_seconds() if site.rpo_target else None)
    if rpo is not None:
        measured = report.rpo.overall_seconds
        if measured is None:
            measured = report.rpo.since_last_sync_seconds
        dataset_rpos = [d.rpo_seconds for d in report.datasets if d.rpo_seconds is not None]
        if measured is not None and dataset_rpos:
            measured = max(measured, *dataset_rpos)
        targets.append(_target("RPO", rpo, measured))
    return targets


def primary_refused(dr: SiteCloud, region: str, timeout: float = 2.0) -> tuple[bool, str]:
    """Whether every endpoint of the primary region in the DR credentials' catalogue refuses
    a connection now (after the simulated loss). The reason names what answered."""
    try:
        # Identity is global (one Keystone for every region, as OVH's): not the region's own.
        endpoints = [
            (kind, url)
            for kind, url in catalogue_endpoints(dr.connect(), region)
            if kind != "identity"
        ]
    except Exception as error:  # no catalogue at all: the region is unreachable for it
        return True, f"the DR credentials' catalogue could not be read ({type(error).__name__})"
    answered = [f"{kind} {url}" for kind, url in endpoints if _answers(url, timeout)]
    if not endpoints:
        return True, f"the DR credentials' catalogue has no endpoint in {region}"
    if not answered:
        return True, f"all {len(endpoints)} endpoints of {region} refused the connection"
    shown = ", ".join(answered[:4]) + (" ..." if len(answered) > 4 else "")
    return False, (
        f"{len(answered)} of {len(endpoints)} endpoints of {region} still answered the DR "
        f"credentials ({shown}): the loss was simulated by not using them, not refused"
    )


def _answers(url: str, timeout: float) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


__all__ = ["judge_targets", "primary_refused"]
