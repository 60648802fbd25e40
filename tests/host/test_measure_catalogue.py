"""Every measure names a BP-028 recommendation and has exactly one test in this suite."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from infra.hardening import MEASURES, RECOMMENDATIONS

HERE = Path(__file__).parent


def measure_markers() -> list[tuple[str, str]]:
    """(test name, measure id) for every @pytest.mark.measure("...") in the suite's modules."""
    found = []
    for path in sorted(HERE.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "measure"
                    and isinstance(decorator.args[0], ast.Constant)
                ):
                    found.append((f"{path.name}::{node.name}", str(decorator.args[0].value)))
    return found


def test_every_measure_names_a_listed_bp028_recommendation() -> None:
    for measure in MEASURES:
        assert measure.recommendation in RECOMMENDATIONS, measure.id


def test_measure_ids_are_unique() -> None:
    duplicates = [mid for mid, n in Counter(m.id for m in MEASURES).items() if n > 1]
    assert duplicates == []


def test_every_measure_has_exactly_one_test_and_every_test_a_measure() -> None:
    tested = Counter(measure_id for _, measure_id in measure_markers())
    assert {m.id for m in MEASURES} == set(tested)
    assert [mid for mid, n in tested.items() if n != 1] == []


def test_every_listed_recommendation_is_implemented_by_a_measure() -> None:
    assert {m.recommendation for m in MEASURES} == set(RECOMMENDATIONS)


def test_readme_table_maps_each_measure_to_its_recommendation_and_test() -> None:
    rows = set()
    for line in (HERE / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 3:
            rows.add((cells[0].split("`")[1], cells[1], cells[2].strip("`")))
    expected = {
        (measure_id, next(m.recommendation for m in MEASURES if m.id == measure_id), test)
        for test, measure_id in measure_markers()
    }
    assert rows == expected
