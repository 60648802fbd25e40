"""Where the drill's time goes: engine events turned into cloud wait versus tool time.

The engine reports each resource step twice: a pre event when it starts and an outputs event
when the provider returns (or an op-failed event). The span between them is time spent waiting
on the cloud's API when the resource is an OpenStack one; everything else in a layer's run
(engine and plugin start-up, the program, policy evaluation, local TLS keys, state writes) is
time spent in the tool. Events arrive over gRPC as the engine emits them, and are stamped on
receipt with the drill's monotonic clock, the same clock as the layer's start and end.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from pulumi.automation import events as engine_events

from hubctl.deploy import LayerRun
from hubctl.drill.model import ResourceStep

CLOUD_PACKAGE = "openstack:"
PROVIDER_PREFIX = "pulumi:providers:"
# Steps that change nothing do not call the cloud; reads of existing resources do.
IDLE_OPS = frozenset({"same"})


def is_cloud_step(resource_type: str, op: str) -> bool:
    return (
        resource_type.startswith(CLOUD_PACKAGE)
        and not resource_type.startswith(PROVIDER_PREFIX)
        and op not in IDLE_OPS
    )


def merge_intervals(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping intervals (parallel resource steps) merged into disjoint ones, in order."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def union_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    """Total length covered by intervals that may overlap."""
    return sum(end - start for start, end in merge_intervals(intervals))


def cloud_wait(steps: Iterable[ResourceStep]) -> float:
    return union_seconds((s.start, s.end) for s in steps if s.cloud and s.end is not None)


class EventRecorder:
    """Collects the resource steps of every layer; thread-safe (events come from gRPC threads).

    Also writes every event, stamped, to <events_dir>/<stack>.<action>.events.jsonl so the
    report's figures can be recomputed from the run's own logs.
    """

    def __init__(
        self,
        t0: float,
        events_dir: Path,
        action: str = "up",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.t0 = t0
        self.clock = clock
        self.events_dir = events_dir
        self.action = action
        self.steps: dict[str, list[ResourceStep]] = {}
        self.summaries: dict[str, dict[str, int]] = {}
        self.durations: dict[str, int] = {}
        self._open: dict[tuple[str, str], ResourceStep] = {}
        self._files: dict[str, TextIO] = {}
        self._lock = threading.Lock()
        events_dir.mkdir(parents=True, exist_ok=True)

    def path(self, stack: str) -> Path:
        return self.events_dir / f"{stack}.{self.action}.events.jsonl"

    def __call__(self, run: LayerRun, event: engine_events.EngineEvent) -> None:
        now = self.clock() - self.t0
        with self._lock:
            record = self._record(run.stack, event, now)
            if record is not None:
                out = self._files.get(run.stack)
                if out is None:
                    out = self._files[run.stack] = self.path(run.stack).open("a", encoding="utf-8")
                out.write(json.dumps(record) + "\n")
                out.flush()

    def _record(
        self, stack: str, event: engine_events.EngineEvent, now: float
    ) -> dict[str, Any] | None:
        base: dict[str, Any] = {"t": round(now, 4), "seq": event.sequence}
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            if event.resource_pre_event.planning:
                return None
            op = str(getattr(meta.op, "value", meta.op))
            step = ResourceStep(
                urn=meta.urn,
                type=meta.type,
                op=op,
                start=now,
                end=None,
                cloud=is_cloud_step(meta.type, op),
            )
            self._open[(stack, meta.urn)] = step
            self.steps.setdefault(stack, []).append(step)
            return {**base, "kind": "pre", "urn": meta.urn, "type": meta.type, "op": op}
        if event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            if event.res_outputs_event.planning:
                return None
            self._close(stack, meta.urn, now, failed=False)
            return {**base, "kind": "outputs", "urn": meta.urn}
        if event.res_op_failed_event is not None:
            meta = event.res_op_failed_event.metadata
            self._close(stack, meta.urn, now, failed=True)
            return {**base, "kind": "failed", "urn": meta.urn}
        if event.summary_event is not None:
            summary = event.summary_event
            changes = {str(getattr(k, "value", k)): v for k, v in summary.resource_changes.items()}
            self.summaries[stack] = changes
            self.durations[stack] = summary.duration_seconds
            return {
                **base,
                "kind": "summary",
                "duration_seconds": summary.duration_seconds,
                "changes": changes,
            }
        if event.cancel_event is not None:
            return {**base, "kind": "end"}  # the engine closes every event stream with it
        return None

    def _close(self, stack: str, urn: str, now: float, *, failed: bool) -> None:
        step = self._open.pop((stack, urn), None)
        if step is not None:
            step.end = now
            step.failed = failed

    def layer_steps(self, stack: str) -> list[ResourceStep]:
        with self._lock:
            return list(self.steps.get(stack, []))

    def layer_summary(self, stack: str) -> dict[str, int]:
        """The engine's change counts, which it sends even when the update fails."""
        with self._lock:
            return dict(self.summaries.get(stack, {}))

    def engine_seconds(self, stack: str) -> int | None:
        """The update's duration by the engine's own clock, as its output prints it."""
        with self._lock:
            return self.durations.get(stack)

    def close(self) -> None:
        with self._lock:
            for out in self._files.values():
                out.close()
            self._files.clear()


def read_events(path: Path) -> list[dict[str, Any]]:
    """The stamped events of one layer, as written by EventRecorder."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def cloud_wait_from_events(records: list[dict[str, Any]]) -> float:
    """Recompute a layer's cloud wait from its events file, independently of the recorder."""
    starts: dict[str, tuple[float, bool]] = {}
    spans: list[tuple[float, float]] = []
    for record in records:
        if record["kind"] == "pre":
            starts[record["urn"]] = (record["t"], is_cloud_step(record["type"], record["op"]))
        elif record["kind"] in ("outputs", "failed") and record["urn"] in starts:
            start, cloud = starts.pop(record["urn"])
            if cloud:
                spans.append((start, record["t"]))
    return union_seconds(spans)
