"""The fault tier runs on the integration tier's own tenant, engine and backend.

CI runs one kill point of each kind; HUB_FAULT_ALL=1 runs every point (the others are
deselected otherwise, so the report says how many were left out and none is "skipped").
"""

from __future__ import annotations

import os

import pytest

EVERY_POINT = os.environ.get("HUB_FAULT_ALL") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if EVERY_POINT:
        return
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        params = getattr(item, "callspec", None)
        point = params.params.get("point") if params is not None else None
        is_fault = item.nodeid.startswith("tests/fault/")
        (kept if not is_fault or getattr(point, "ci", False) else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
