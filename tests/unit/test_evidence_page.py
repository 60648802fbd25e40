"""The evidence page's template: every value is escaped where it is printed, whatever a record,
a finding or a name holds, and the template ships as package data."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hubctl.evidence.model import Counts
from hubctl.evidence.page import TEMPLATE, render_html

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert('x')</script> & \"quoted\" <img src=x onerror=alert(1)>"


def evidence(text: str) -> dict[str, Any]:
    """Evidence with `text` in every kind of field the page prints: names, findings, reasons,
    records other tools wrote, and the keys of those records."""
    finding = {"policy": "audit-unmanaged", "enforcement": "mandatory", "severity": "medium",
               "urn": text, "location": text, "message": text}  # fmt: skip
    request = {"id": text, "state": text, "submitter": text,
               "files": [{"name": text, "sha256": text}],
               "findings": [{"severity": text, "check": text, "file": text, "location": text,
                             "message": text}],
               "decisions": {text: {"decision": text, "at": text}},
               "approvers": [text],
               "released": {"by": text, "at": text, "container": text}}  # fmt: skip
    return {
        "site": text, "generated_at": text, "commit": text,
        "stacks": [{"stack": text, "resources": 1}],
        "requirements": [{"id": text, "framework": text, "citation": text, "summary": text,
                          "verified": True, "rules": [text], "enforced": False}],
        "unenforced": [text],
        "rules": [{"id": text, "description": text, "severity": text, "enforcement": text,
                   "requirements": [text], "verdicts": {text: "fail"}}],
        "findings": [{"stack": text, "rule": text, "enforcement": "mandatory", "severity": text,
                      "urn": text, "location": text, "message": text}],
        "suppressions": [{"rule": text, "urn": text, "reason": text, "applied": True}],
        "exemptions": [{"kind": text, "rule": text, "target": text, "owner": text,
                        "reason": text, "ticket": text, "expires": text}],
        "drill": {"report": text, "drill_id": text, "site": text, "target": text,
                  "scenario": text, "outcome": text, "started_at": text, "rto_seconds": 1.0,
                  "rpo_seconds": None,
                  "checks": [{"layer": text, "name": text, "passed": False, "detail": text}],
                  "timeline": None},
        "recovery": {"rto_target_seconds": 1.0, "rpo_target_seconds": None,
                     "drill_max_age_seconds": 1.0,
                     "last_drill": {"drill_id": text, "started_at": text, "outcome": text,
                                    "rto_seconds": 2.0, "rpo_seconds": None, "targets": [],
                                    "datasets": [{"dataset": text, "objects": 1, "verified": 1,
                                                  "lost": 0, "rpo_seconds": None}]},
                     "last_passing_drill_at": None, "last_passing_drill_age_seconds": None,
                     "stale": True, "stale_reason": text},
        "shredded": [{"file": text, "dataset": text, "at": text, "keys": 1,
                      "escrow_versions_deleted": text, "checks_passed": 1, "checks": 1}],
        "workspaces": [{"file": text, "workspace": text, "closed_at": text, text: text,
                        "evidence": {"note": text}}],
        "airlock": {"projects": [{"workspace": text, "source": text, "requests": [request],
                                  "unreadable": []}],
                    "not_read": [text], "live": False},
        "audit": {"record": text, "started_at": text, "seconds": 1.0, "partial": True,
                  "exit_code": 2, "user": text, "roles": [text],
                  "projects": [{"project": text, "region": text}], "counts": {"live": 1},
                  "gaps": [text], "findings": [finding]},
        "counts": dict.fromkeys(Counts.model_fields, 0),
    }  # fmt: skip


class Page(HTMLParser):
    """The elements and the text of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_text_anywhere_comes_out_as_text() -> None:
    page = render_html(evidence(HOSTILE), b"not really a png")
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    seen = Page()
    seen.feed(page)
    assert "script" not in seen.tags and "onerror" not in seen.attributes
    assert seen.tags.count("img") == 1  # the drill's chart, and no other
    # Every field printed it as text: the hostile string is read back whole, many times over.
    assert "".join(seen.text).count(HOSTILE) > 60


def test_a_json_value_of_a_record_is_escaped_as_text_too() -> None:
    page = render_html(evidence(HOSTILE), None)
    # the closing record's nested value, printed as JSON, then escaped like the rest
    assert "{&#34;note&#34;: &#34;&lt;script&gt;" in page


def test_the_template_is_package_data_an_installed_hubctl_finds() -> None:
    template = ROOT / "hubctl" / "evidence" / "templates" / TEMPLATE
    assert template.is_file()
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["hubctl"]
    inside = template.relative_to(ROOT / "hubctl").as_posix()
    assert any(fnmatch(inside, pattern) for pattern in patterns), (inside, patterns)
