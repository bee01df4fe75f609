"""Final states are final in the lifecycle manager: no later event, whatever its seq, changes them."""

from __future__ import annotations

from event_script import EventScript, Workflow

from engine import events as ev
from engine.lifecycle import WorkflowCycleManager
from engine.persistence.memory import InMemoryRunStore
from engine.status import NodeStatus, RunStatus


class _Saves(InMemoryRunStore):
    """An in-memory store that remembers the status of every save."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[str] = []

    def save(self, record) -> None:  # type: ignore[no-untyped-def, override]
        self.statuses.append(str(record.status))
        super().save(record)


def _manager(store: _Saves) -> WorkflowCycleManager:
    return WorkflowCycleManager(Workflow(), store, store)


def test_a_succeeded_run_stays_succeeded_when_a_later_resume_arrives() -> None:
    store = _Saves()
    manager = _manager(store)
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.run_ended(ev.RunSucceededEvent, outputs={"a": 1}))
    manager.handle(s.event(ev.RunResumedEvent))  # a higher seq than the success
    manager.handle(s.event(ev.RunPausedEvent))

    assert manager.execution is not None and manager.execution.status == RunStatus.SUCCEEDED
    assert store.statuses == [RunStatus.RUNNING, RunStatus.SUCCEEDED]  # nothing saved after the end
    stored = store.get_run("run-1")
    assert stored is not None and stored.status == RunStatus.SUCCEEDED and stored.outputs == {"a": 1}


def test_a_second_end_does_not_replace_the_first() -> None:
    store = _Saves()
    manager = _manager(store)
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.run_ended(ev.RunTerminatedEvent, reason="operator"))
    manager.handle(s.run_ended(ev.RunSucceededEvent, outputs={"late": True}))

    run = store.get_run("run-1")
    assert run is not None
    assert (run.status, run.error, run.outputs) == (RunStatus.TERMINATED, "operator", {})


def test_a_finished_node_ignores_a_later_start_or_end() -> None:
    store = _Saves()
    manager = _manager(store)
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.node_started("e1", "llm", index=1))
    manager.handle(s.node_ended(ev.NodeSucceededEvent, "e1", "llm", outputs={"text": "done"}))
    manager.handle(s.node_started("e1", "llm", index=1))
    manager.handle(s.node_ended(ev.NodeFailedEvent, "e1", "llm", error="late failure"))

    (node,) = store.get_node_executions("run-1")
    assert (node.status, node.outputs, node.error) == (NodeStatus.SUCCEEDED, {"text": "done"}, "")
    assert len(node.attempts) == 1


def test_a_node_closed_by_the_run_end_stays_terminated() -> None:
    store = _Saves()
    manager = _manager(store)
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.node_started("e1", "llm", index=1))
    manager.handle(s.run_ended(ev.RunTerminatedEvent, reason="stop"))
    manager.handle(s.node_ended(ev.NodeSucceededEvent, "e1", "llm", outputs={"text": "too late"}))

    (node,) = store.get_node_executions("run-1")
    assert node.status == NodeStatus.TERMINATED and node.outputs == {}


def test_the_in_memory_store_refuses_a_write_over_a_final_state_whatever_the_seq() -> None:
    store = InMemoryRunStore()
    s = EventScript()
    manager = _manager(store)  # type: ignore[arg-type]
    manager.handle(s.run_started())
    manager.handle(s.run_ended(ev.RunSucceededEvent))
    run = manager.execution
    assert run is not None
    late = {**run.to_dict(), "status": str(RunStatus.RUNNING), "seq": run.seq + 100}
    assert store.upsert_runs([late]) == 0
    stored = store.get_run("run-1")
    assert stored is not None and stored.status == RunStatus.SUCCEEDED
