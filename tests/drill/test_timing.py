"""Cloud wait versus tool time, from the engine's own event types."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi.automation import events as ev

from hubcore.stacks import Layer
from hubctl.deploy import LayerRun
from hubctl.drill.timing import (
    EventRecorder,
    cloud_wait,
    cloud_wait_from_events,
    is_cloud_step,
    read_events,
    union_seconds,
)

NETWORK = "openstack:networking/network:Network"
KEY = "tls:index/privateKey:PrivateKey"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _meta(urn: str, kind: str, op: str = "create") -> ev.StepEventMetadata:
    return ev.StepEventMetadata(op=ev.OpType(op), urn=urn, type=kind, provider="p")


def pre(seq: int, urn: str, kind: str, op: str = "create") -> ev.EngineEvent:
    return ev.EngineEvent(seq, 0, resource_pre_event=ev.ResourcePreEvent(_meta(urn, kind, op)))


def done(seq: int, urn: str, kind: str) -> ev.EngineEvent:
    return ev.EngineEvent(seq, 0, res_outputs_event=ev.ResOutputsEvent(_meta(urn, kind)))


def failed(seq: int, urn: str, kind: str) -> ev.EngineEvent:
    event = ev.ResOpFailedEvent(_meta(urn, kind), status=1, steps=1)
    return ev.EngineEvent(seq, 0, res_op_failed_event=event)


def test_overlapping_intervals_count_once() -> None:
    assert union_seconds([(0, 4), (2, 6), (10, 11)]) == pytest.approx(7)


def test_no_interval_is_no_time() -> None:
    assert union_seconds([]) == 0


def test_an_openstack_resource_change_waits_on_the_cloud() -> None:
    assert is_cloud_step(NETWORK, "create")
    assert is_cloud_step(NETWORK, "delete")


def test_local_keys_providers_and_unchanged_resources_do_not() -> None:
    assert not is_cloud_step(KEY, "create")
    assert not is_cloud_step("pulumi:providers:openstack", "create")
    assert not is_cloud_step(NETWORK, "same")


Recorded = tuple[EventRecorder, LayerRun, Clock]


@pytest.fixture
def recorded(tmp_path: Path) -> Recorded:
    clock = Clock()
    recorder = EventRecorder(t0=100.0, events_dir=tmp_path, clock=clock)
    run = LayerRun("local-dr-network", Layer.NETWORK)
    script = [
        (101.0, pre(1, "urn:a", NETWORK)),
        (101.5, pre(2, "urn:k", KEY)),
        (102.0, pre(3, "urn:b", NETWORK)),
        (102.2, done(4, "urn:k", KEY)),
        (104.0, done(5, "urn:a", NETWORK)),
        (105.0, failed(6, "urn:b", NETWORK)),
        (107.0, pre(7, "urn:c", NETWORK)),
        (108.0, done(8, "urn:c", NETWORK)),
    ]
    for moment, event in script:
        clock.now = moment
        recorder(run, event)
    recorder.close()
    return recorder, run, clock


def test_steps_are_timed_from_pre_event_to_outputs_on_the_drill_clock(recorded: Recorded) -> None:
    recorder, run, _ = recorded
    steps = {s.urn: s for s in recorder.layer_steps(run.stack)}
    assert (steps["urn:a"].start, steps["urn:a"].end) == (1.0, 4.0)
    assert steps["urn:b"].failed
    assert not steps["urn:k"].cloud


def test_cloud_wait_is_the_union_of_openstack_steps(recorded: Recorded) -> None:
    recorder, run, _ = recorded
    # a: 1-4, b: 2-5 (failed, still waited), c: 7-8; the TLS key (1.5-2.2) is tool time.
    assert cloud_wait(recorder.layer_steps(run.stack)) == pytest.approx(5.0)


def test_the_events_file_gives_the_same_cloud_wait(recorded: Recorded) -> None:
    recorder, run, _ = recorded
    records = read_events(recorder.path(run.stack))
    assert len(records) == 8
    assert cloud_wait_from_events(records) == pytest.approx(
        cloud_wait(recorder.layer_steps(run.stack))
    )


def test_planning_events_are_not_steps(tmp_path: Path) -> None:
    recorder = EventRecorder(t0=0.0, events_dir=tmp_path, clock=Clock())
    run = LayerRun("s", Layer.KMS)
    event = ev.EngineEvent(
        1, 0, resource_pre_event=ev.ResourcePreEvent(_meta("urn:x", NETWORK), planning=True)
    )
    recorder(run, event)
    assert recorder.layer_steps("s") == []
