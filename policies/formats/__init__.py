"""Report formats of `hubctl check`, one module each; `render` picks one by name."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from policies.evaluate import Report
from policies.formats import github, gitlab, junit, markdown, sarif, structured, text


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    JUNIT = "junit"
    GITLAB = "gitlab"
    GITHUB = "github"


RENDERERS: dict[Format, Callable[[Report], str]] = {
    Format.JSON: structured.render,
    Format.MARKDOWN: markdown.render,
    Format.SARIF: sarif.render,
    Format.JUNIT: junit.render,
    Format.GITLAB: gitlab.render,
    Format.GITHUB: github.render,
}


def render(report: Report, output_format: Format, *, colour: bool = False) -> str:
    """The report as text in `output_format`; only the text format is ever coloured."""
    if output_format is Format.TEXT:
        return text.render(report, colour=colour)
    return RENDERERS[output_format](report)
