"""Any delivery order of a run's record writes converges to the final records."""

from __future__ import annotations

from event_script import EventScript, Workflow
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import events as ev
from engine.lifecycle import WorkflowCycleManager
from engine.persistence.memory import InMemoryRunStore


class Capture(InMemoryRunStore):
    def __init__(self) -> None:
        super().__init__()
        self.runs: list[dict] = []
        self.nodes: list[dict] = []

    def save(self, record) -> None:  # type: ignore[override]
        data = record.to_dict()
        (self.nodes if "node_id" in data else self.runs).append(data)
        super().save(record)


def _writes() -> Capture:
    s = EventScript()
    store = Capture()
    m = WorkflowCycleManager(Workflow(), store, store)
    m.handle(s.run_started({"x": 1}))
    started = s.node_started("e1", "a")
    m.handle(started)
    m.handle(s.node_retry("e1", "a", 1, "flaky", start_at=started.at))
    m.handle(s.node_started("e2", "b"))
    m.handle(s.node_ended(ev.NodeSucceededEvent, "e1", "a", retry_count=1, outputs={"v": 1}))
    m.handle(s.node_ended(ev.NodeExceptionEvent, "e2", "b", error="bad", strategy="fail-branch"))
    m.handle(s.run_ended(ev.RunPartialSucceededEvent, outputs={"v": 1}))
    return store


WRITES = _writes()


@settings(max_examples=60, deadline=None)
@given(
    run_order=st.permutations(range(len(WRITES.runs))),
    node_order=st.permutations(range(len(WRITES.nodes))),
    repeats=st.lists(st.integers(0, len(WRITES.nodes) - 1), max_size=4),
)
def test_any_order_with_repeats_converges(run_order, node_order, repeats) -> None:
    target = InMemoryRunStore()
    target.upsert_runs([WRITES.runs[i] for i in run_order])
    target.upsert_node_executions([WRITES.nodes[i] for i in [*node_order, *repeats]])
    assert target.get_run("run-1") == WRITES.get_run("run-1")
    assert target.get_node_executions("run-1") == WRITES.get_node_executions("run-1")
    assert target.get_run("run-1").status == "partial-succeeded"  # type: ignore[union-attr]
