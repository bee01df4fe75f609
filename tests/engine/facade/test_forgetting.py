"""The facade forgets finished runs: many runs through it leave a bounded number of handles."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

from engine.control.owned_run import OwnedRunListener
from engine.dsl import load_workflow
from engine.events import EngineEvent
from engine.run import RunHandle
from engine.service import Flowdeck
from engine.status import RunStatus
from tests.engine.scheduler import graphs as g

RUNS = 300
T = TypeVar("T")


def tiny() -> dict:
    return g.graph(
        [g.start(), g.template("say", "hi {{ x }}", x=("start", "x")), g.end(out=("say", "output"))],
        [("start", "say"), ("say", "end")],
    )


def alive(kind: type[T]) -> list[T]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, kind)]


def test_300_runs_leave_a_bounded_number_of_handles(make_flowdeck: Callable[..., Flowdeck]) -> None:
    flowdeck = make_flowdeck()
    workflow = load_workflow(tiny())
    before = len(alive(RunHandle))
    tracemalloc.start()
    try:
        for i in range(RUNS):
            assert flowdeck.runs.start(workflow, {"x": str(i)}).wait(30).status == RunStatus.SUCCEEDED
            if i == 99:
                gc.collect()
                at_100, _ = tracemalloc.get_traced_memory()
        gc.collect()
        at_300, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert flowdeck.runs.live() == []  # nothing runs here any more
    kept = alive(RunHandle)
    assert len(kept) - before <= flowdeck.runs.recent_limit, f"{len(kept)} run handles kept after {RUNS} runs"
    owned = alive(OwnedRunListener)  # the database ownership of an ended run is let go too
    assert len(owned) <= flowdeck.runs.recent_limit, f"{len(owned)} run owners kept after {RUNS} runs"
    events = sum(len(h.history()) for h in kept)
    assert events <= flowdeck.runs.recent_limit * 20, f"{events} events kept after {RUNS} runs"
    # before the fix 200 tiny runs kept 5.4 MB more; now about 0.1 MB (the bound is generous)
    assert at_300 - at_100 < 2_000_000, f"memory grew {(at_300 - at_100) / 1e6:.1f} MB over 200 runs"
    # the finished runs stay readable, from their records
    assert flowdeck.queries.list_runs().total == RUNS


def test_a_run_just_ended_can_still_be_watched_and_waited_for(make_flowdeck: Callable[..., Flowdeck]) -> None:
    flowdeck = make_flowdeck()
    handle = flowdeck.runs.start(tiny(), {"x": "a"})
    run_id = handle.run_id
    handle.wait(30)
    del handle
    events: list[EngineEvent] = list(flowdeck.runs.watch(run_id, timeout=10))
    assert events[-1].name == "run_succeeded"
    assert flowdeck.control.ended(run_id, timeout=10).result(15).status == RunStatus.SUCCEEDED
