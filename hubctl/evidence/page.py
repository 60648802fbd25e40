"""The evidence page (index.html): one static HTML file, no external asset (styles inline, the
drill's chart as a data URI), readable offline, rendered from the facts of
hubctl/evidence/collect.py by the template templates/evidence.html.j2.

The template is package data, read through importlib.resources, so an installed hubctl finds it
as a checkout does. Autoescaping is on for every value and an undefined name is an error: no
value reaches the page unescaped, and a misspelt field fails the render instead of printing
nothing.
"""

from __future__ import annotations

import base64
import json
from importlib.resources import files
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

from hubctl.drill.report import duration
from hubctl.evidence.collect import (
    ADVISORY,
    DISABLED,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    SUPPRESSED,
)
from hubctl.evidence.model import Evidence

TEMPLATE = "evidence.html.j2"
VERDICT_CLASS = {
    PASS: "pass",
    FAIL: "fail",
    ADVISORY: "advisory",
    SUPPRESSED: "suppressed",
    NOT_APPLICABLE: "na",
    DISABLED: "disabled",
}


def _template_source(name: str) -> str:
    return (files("hubctl.evidence") / "templates" / name).read_text(encoding="utf-8")


def _environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(_template_source),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["duration"] = duration
    # A record's value as JSON text, escaped like any other text (jinja2's tojson is meant for
    # scripts: it would show \u003c for "<").
    env.filters["json"] = json.dumps
    return env


ENVIRONMENT = _environment()


def render_html(evidence: Evidence | dict[str, Any], chart: bytes | None) -> str:
    """The page of `evidence` (the model, or evidence.json's mapping), with the drill's timeline
    chart (PNG bytes) when there is one."""
    facts = evidence if isinstance(evidence, Evidence) else Evidence.model_validate(evidence)
    return ENVIRONMENT.get_template(TEMPLATE).render(
        e=facts,
        chart=base64.b64encode(chart).decode() if chart else None,
        airlock_rows=[(p, r) for p in facts.airlock.projects for r in p.requests],
        verdict_class=VERDICT_CLASS,
    )
