"""What the recovery rules share: they judge production sites only. Registers no rule."""

from __future__ import annotations

from policies.model import Context, Outcome, not_applicable


def _production(context: Context) -> Outcome | None:
    site = context.site
    if site.production is None:
        return not_applicable("no config (a bare state export)")
    if not site.production:
        return not_applicable("not a production site (hub:production)")
    return None
