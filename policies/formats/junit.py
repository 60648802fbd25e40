"""JUnit XML for GitLab and Jenkins test reports: one suite per rule, one test case per finding,
mandatory findings as failures; a rule with no finding is one passing case, so the report shows
what was checked, not only what failed. Advisory findings pass, with the message as output.

The report is well-formed XML 1.0 whatever the findings say: characters XML cannot carry at all
(C0 controls but tab and line ends, lone surrogates, U+FFFE/U+FFFF) are written as `\\xNN` /
`\\uNNNN` escapes, since ElementTree would copy them through and break every parser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from policies.evaluate import Report
from policies.formats.common import by_rule
from policies.registry import Enforcement

# What XML 1.0 forbids in a document (its Char production), escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold written as a visible escape."""
    return _NOT_XML.sub(_visible, text)


def _clean(element: ET.Element) -> None:
    for node in element.iter():
        node.attrib = {key: xml_text(value) for key, value in node.attrib.items()}
        if node.text:
            node.text = xml_text(node.text)


def render(report: Report) -> str:
    suites = ET.Element("testsuites", name="hubctl check")
    found_by_id = {rule.id: violations for rule, violations in by_rule(report)}
    total_failures = 0
    for rule in report.rules:
        violations = found_by_id.get(rule.id, [])
        failures = sum(v.enforcement is Enforcement.MANDATORY for v in violations)
        total_failures += failures
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=rule.id,
            tests=str(max(len(violations), 1)),
            failures=str(failures),
            errors="0",
            skipped="0",
        )
        if not violations:
            ET.SubElement(suite, "testcase", classname=rule.id, name=rule.description)
            continue
        for violation in violations:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=rule.id,
                name=violation.urn,
                file=violation.location.file if violation.location else "",
            )
            text = f"{violation.message}\nlocation: {violation.location or 'unknown'}"
            if violation.enforcement is Enforcement.MANDATORY:
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=rule.severity.value,
                    message=violation.message[:200],
                )
                failure.text = text
            else:
                ET.SubElement(case, "system-out").text = f"advisory: {text}"
    suites.set("tests", str(sum(int(s.get("tests", "0")) for s in suites)))
    suites.set("failures", str(total_failures))
    _clean(suites)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
