"""What the recovery rules share: they judge production sites only. Registers no rule."""

from __future__ import annotations

from policies.model import Context, Outcome, not_applicable


def not_production(context: Context) -> Outcome | None:
    """The verdict for a site the recovery rules do not judge (not production, or no config);
    None for a production site."""
    site = context.site
    if site.production is None:
        return not_applicable("no config (a bare state export)")
    if not site.production:
        return not_applicable("not a production site (hub:production)")
    return None
