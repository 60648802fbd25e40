"""What `hubctl verify` reports: one case per host and measure, or per flow, pass or fail."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from pydantic import BaseModel, ConfigDict

from policies.formats.junit import xml_text


class Case(BaseModel):
    """One verified fact: a measure on a host, or a flow between two places."""

    model_config = ConfigDict(frozen=True)

    suite: str  # the host checked, or the flow family ("flows <src tier> -> <dst tier>")
    name: str
    passed: bool
    message: str = ""
    properties: dict[str, str] = {}


def exit_status(cases: list[Case]) -> int:
    return 0 if cases and all(case.passed for case in cases) else 1


def render_text(title: str, cases: list[Case]) -> str:
    lines = [title]
    by_suite: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_suite[case.suite].append(case)
    for suite, members in by_suite.items():
        failed = [c for c in members if not c.passed]
        lines.append(f"{suite}: {len(members) - len(failed)}/{len(members)} passed")
        for case in members:
            mark = "ok  " if case.passed else "FAIL"
            detail = f" - {case.message}" if case.message and not case.passed else ""
            lines.append(f"  {mark} {case.name}{detail}")
    lines.append(f"{len(cases)} checked, {sum(not c.passed for c in cases)} failed")
    return "\n".join(lines) + "\n"


def render_junit(title: str, cases: list[Case]) -> str:
    """JUnit XML, one testsuite per suite and one testcase per case (well-formed whatever the
    messages hold)."""
    root = ET.Element("testsuites", name=xml_text(title))
    by_suite: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_suite[case.suite].append(case)
    for suite, members in by_suite.items():
        element = ET.SubElement(
            root,
            "testsuite",
            name=xml_text(suite),
            tests=str(len(members)),
            failures=str(sum(not c.passed for c in members)),
            errors="0",
            skipped="0",
        )
        for case in members:
            node = ET.SubElement(
                element, "testcase", classname=xml_text(suite), name=xml_text(case.name)
            )
            if case.properties:
                props = ET.SubElement(node, "properties")
                for key, value in sorted(case.properties.items()):
                    ET.SubElement(props, "property", name=xml_text(key), value=xml_text(value))
            if not case.passed:
                failure = ET.SubElement(node, "failure", message=xml_text(case.message[:500]))
                failure.text = xml_text(case.message)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
