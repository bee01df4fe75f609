"""RunState: the console's view of a run equals the engine's records, fed live or from the database."""

from __future__ import annotations

import dataclasses

from desktop_app.run_state import RunState, display_state
from engine.api import Flowdeck
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS

INPUTS = {"region": "us", "days": 7}


def _sample_run(flowdeck: Flowdeck):
    handle = flowdeck.start(SAMPLE, INPUTS, mocks=SAMPLE_MOCKS)
    handle.wait(60)
    return handle


def test_live_events_in_frames_give_the_states_the_database_records(flowdeck: Flowdeck) -> None:
    handle = _sample_run(flowdeck)
    events = handle.history()
    state = RunState(handle.run_id, workflow=handle.workflow)
    changed: set[str] = set()
    for i in range(0, len(events), 3):  # a few events per frame, as the bridge delivers them
        changed |= state.apply_events(events[i : i + 3])
    records = {r.node_id: r for r in flowdeck.node_executions(handle.run_id)}
    assert state.status == "failed"
    for node_id, record in records.items():
        expected = display_state(record, run_status="failed")
        assert state.view(node_id).state == expected, node_id
        assert state.view(node_id).retries == record.retry_count
    assert state.view("flag_large").state == "skipped"
    assert {"publish", "fx_rates", "summarise", "flag_large"} <= changed
    # the same events again (a reconnect, a replayed history) move nothing backwards
    state.apply_events(events)
    assert {n: state.view(n).state for n in records} == {
        n: display_state(r, run_status="failed") for n, r in records.items()
    }
    assert len(state.records()) == len(records)


def test_records_from_the_database_give_the_same_views(flowdeck: Flowdeck) -> None:
    handle = _sample_run(flowdeck)
    live = RunState(handle.run_id, workflow=handle.workflow)
    live.apply_events(handle.history())
    stored = RunState(handle.run_id, workflow=handle.workflow)
    changed = stored.apply_records(flowdeck.get_run(handle.run_id), flowdeck.node_executions(handle.run_id))
    assert changed  # everything was new
    for node_id in live.nodes:
        if live.view(node_id).record is None:
            continue
        assert stored.view(node_id).state == live.view(node_id).state, node_id
        assert stored.view(node_id).attempts == live.view(node_id).attempts
    # reading the same records again reports no change
    again = stored.apply_records(flowdeck.get_run(handle.run_id), flowdeck.node_executions(handle.run_id))
    assert again == set()


def test_a_node_waiting_for_its_retry_is_drawn_retrying(flowdeck: Flowdeck) -> None:
    handle = flowdeck.start(SAMPLE, INPUTS, mocks=SAMPLE_MOCKS)
    handle.wait(60)
    events = handle.history()
    retry_at = next(i for i, e in enumerate(events) if e.name == "node_retry" and e.node_id == "summarise")
    state = RunState(handle.run_id, workflow=handle.workflow)
    state.apply_events(events[: retry_at + 1])
    assert state.view("summarise").state == "retrying"
    assert state.view("summarise").attempts == 2  # the failed one and the one it waits for


def test_a_run_read_from_its_records_then_followed_by_its_events_ends_as_the_events_say(
    flowdeck: Flowdeck,
) -> None:
    handle = _sample_run(flowdeck)
    events = handle.history()
    half = RunState(handle.run_id, workflow=handle.workflow)
    half.apply_events(events[: len(events) // 2])  # what the records said mid-run
    assert half.run is not None
    mid_records = [dataclasses.replace(r) for r in half.records()]  # copies, as the database returns them
    mid_run = dataclasses.replace(half.run, status="running")
    state = RunState(handle.run_id, workflow=handle.workflow)
    state.apply_records(mid_run, mid_records)
    assert any(state.view(n).state == "running" for n in state.nodes)
    state.apply_events(events)  # then its stream, from the first event
    records = {r.node_id: r for r in flowdeck.node_executions(handle.run_id)}
    assert {n: state.view(n).state for n in records} == {
        n: display_state(r, run_status="failed") for n, r in records.items()
    }
