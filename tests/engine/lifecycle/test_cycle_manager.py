"""WorkflowCycleManager: engine events -> run and node records."""

from __future__ import annotations

import pytest
from event_script import EventScript, Workflow

from engine import events as ev
from engine.lifecycle import NodeStatus, RunStatus, WorkflowCycleManager
from engine.persistence.memory import InMemoryRunStore


class RecordingRepository(InMemoryRunStore):
    """An in-memory store that also remembers every save, as it was then."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[dict] = []

    def save(self, record) -> None:  # type: ignore[override]
        self.saved.append(record.to_dict())
        super().save(record)


@pytest.fixture
def store() -> RecordingRepository:
    return RecordingRepository()


@pytest.fixture
def manager(store: RecordingRepository) -> WorkflowCycleManager:
    return WorkflowCycleManager(
        Workflow(), store, store, triggered_from="debugging", created_by="ana", tenant_id="t1", app_id="a1"
    )


def test_successful_run_produces_final_run_and_node_records(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started({"q": "hi"}))
    run = manager.execution
    assert run is not None and run.status == RunStatus.RUNNING
    assert (run.workflow_id, run.workflow_name, run.version, run.graph_hash) == (
        "wf-1",
        "Summarise",
        "3",
        "hash-1",
    )
    assert run.graph == Workflow().graph_dict and run.inputs == {"q": "hi"}
    assert (run.triggered_from, run.created_by, run.tenant_id, run.app_id) == ("debugging", "ana", "t1", "a1")

    manager.handle(s.node_started("e1", "start", index=1, node_type="start"))
    manager.handle(s.node_ended(ev.NodeSucceededEvent, "e1", "start", node_type="start", outputs={"q": "hi"}))
    manager.handle(s.node_started("e2", "llm", index=2, predecessor_node_id="start", ready_delay=0.25))
    manager.handle(
        s.node_ended(
            ev.NodeSucceededEvent,
            "e2",
            "llm",
            inputs={"prompt": "hi"},
            process_data={"model": "m"},
            outputs={"text": "yo"},
            metadata={"total_tokens": 42},
            advance=2.0,
        )
    )
    end = s.run_ended(ev.RunSucceededEvent, outputs={"answer": "yo"})
    manager.handle(end)

    run = store.get_run("run-1")
    assert run is not None
    assert run.status == RunStatus.SUCCEEDED and run.outputs == {"answer": "yo"}
    assert run.finished_at == end.at and run.seq == end.seq
    assert run.elapsed_time == pytest.approx(end.at - 1_000.0)
    assert (run.total_steps, run.total_tokens, run.exceptions_count) == (2, 42, 0)

    nodes = store.get_node_executions("run-1")
    assert [n.node_id for n in nodes] == ["start", "llm"]
    llm = nodes[1]
    assert llm.status == NodeStatus.SUCCEEDED and llm.predecessor_node_id == "start"
    assert (llm.inputs, llm.process_data, llm.outputs) == ({"prompt": "hi"}, {"model": "m"}, {"text": "yo"})
    assert llm.queue_wait == pytest.approx(0.25)
    assert llm.elapsed_time == pytest.approx(2.0) and llm.metadata["total_tokens"] == 42
    assert [(a.index, a.status) for a in llm.attempts] == [(0, "succeeded")]
    assert llm.retry_count == 0 and llm.seq == 5


def test_every_saved_record_carries_the_seq_of_its_event(manager, store) -> None:
    s = EventScript()
    events = [
        s.run_started(),
        s.node_started("e1", "llm"),
        s.node_ended(ev.NodeSucceededEvent, "e1", "llm"),
        s.run_ended(ev.RunSucceededEvent),
    ]
    for e in events:
        manager.handle(e)
    assert [r["seq"] for r in store.saved] == [1, 2, 3, 4]
    assert [r["status"] for r in store.saved] == ["running", "running", "succeeded", "succeeded"]


def test_retries_are_recorded_as_failed_attempts_before_the_final_one(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    started = s.node_started("e1", "http", node_type="http-request")
    manager.handle(started)
    first = s.node_retry("e1", "http", 1, "timeout", start_at=started.at)
    manager.handle(first)
    second = s.node_retry("e1", "http", 2, "HTTP 503", start_at=first.at + 0.1)
    manager.handle(second)
    node = manager.node_execution("e1")
    assert node is not None and node.retry_count == 2 and node.status == NodeStatus.RUNNING
    ended = s.node_ended(
        ev.NodeSucceededEvent,
        "e1",
        "http",
        started_at=second.at + 0.1,
        retry_count=2,
        outputs={"status": 200},
    )
    manager.handle(ended)

    stored = store.get_node_executions("run-1")[0]
    assert [(a.index, a.status, a.error) for a in stored.attempts] == [
        (0, "failed", "timeout"),
        (1, "failed", "HTTP 503"),
        (2, "succeeded", ""),
    ]
    assert stored.attempts[0].started_at == started.at and stored.attempts[0].finished_at == first.at
    assert stored.attempts[2].started_at == pytest.approx(second.at + 0.1)
    assert stored.attempts[2].finished_at == ended.at
    assert stored.retry_count == 2 and stored.status == "succeeded" and stored.error == ""
    assert stored.elapsed_time == pytest.approx(ended.at - started.at)


def test_handled_exception_makes_a_partial_success_with_counts(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.node_started("e1", "code", node_type="code"))
    manager.handle(
        s.node_ended(
            ev.NodeExceptionEvent,
            "e1",
            "code",
            node_type="code",
            error="ZeroDivisionError",
            error_type="RuntimeError",
            strategy="default-value",
            outputs={"result": 0},
        )
    )
    manager.handle(s.run_ended(ev.RunPartialSucceededEvent, outputs={"r": 0}))
    node = store.get_node_executions("run-1")[0]
    assert node.status == "exception" and node.error == "ZeroDivisionError"
    assert (
        node.metadata["error_strategy"] == "default-value" and node.metadata["error_type"] == "RuntimeError"
    )
    run = store.get_run("run-1")
    assert run is not None and run.status == "partial-succeeded" and run.exceptions_count == 1


def test_failure_sets_failed_with_the_error(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.node_started("e1", "llm"))
    manager.handle(
        s.node_ended(ev.NodeFailedEvent, "e1", "llm", error="model refused", error_type="LLMError")
    )
    manager.handle(s.run_ended(ev.RunFailedEvent, error="node llm failed: model refused"))
    run = store.get_run("run-1")
    assert run is not None and run.status == "failed" and run.error == "node llm failed: model refused"
    node = store.get_node_executions("run-1")[0]
    assert node.status == "failed" and node.error == "model refused"
    assert node.attempts[-1].status == "failed" and node.attempts[-1].error == "model refused"


def test_terminate_closes_running_nodes_and_sets_finished_at(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.node_started("e1", "a"))
    manager.handle(s.node_started("e2", "b"))
    manager.handle(s.node_ended(ev.NodeTerminatedEvent, "e1", "a", reason="operator asked"))
    end = s.run_ended(ev.RunTerminatedEvent, reason="operator asked")
    manager.handle(end)  # e2 never got its own terminated event
    run = store.get_run("run-1")
    assert run is not None and run.status == "terminated" and run.finished_at == end.at
    assert run.error == "operator asked"
    nodes = {n.id: n for n in store.get_node_executions("run-1")}
    assert nodes["e1"].status == "terminated" and nodes["e1"].error == "operator asked"
    assert nodes["e2"].status == "terminated" and nodes["e2"].finished_at == end.at
    assert nodes["e2"].seq == end.seq


def test_pause_and_resume_switch_the_run_status(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.event(ev.RunPausedEvent, elapsed_time=1.5, total_steps=3))
    run = store.get_run("run-1")
    assert run is not None and run.status == "paused" and run.elapsed_time == 1.5 and run.finished_at is None
    manager.handle(s.event(ev.RunResumedEvent))
    assert store.get_run("run-1").status == "running"  # type: ignore[union-attr]


def test_skipped_nodes_are_recorded_and_listed(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.event(ev.NodeSkippedEvent, node_id="else-branch", node_type="llm"))
    (record,) = store.get_node_executions("run-1")
    assert (record.node_id, record.status, record.attempts) == ("else-branch", "skipped", [])
    assert manager.skipped_node_ids == ("else-branch",)
    assert manager.node_executions == []  # only nodes that ran


def test_reused_node_keeps_its_source_and_has_no_attempt(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started(replay_of="run-0"))
    manager.handle(s.node_ended(ev.NodeReusedEvent, "e1", "llm", reused_from="old-e1", outputs={"text": "x"}))
    assert store.get_run("run-1").replay_of == "run-0"  # type: ignore[union-attr]
    node = store.get_node_executions("run-1")[0]
    assert node.status == "succeeded" and node.metadata["reused_from"] == "old-e1"
    assert node.attempts == [] and node.outputs == {"text": "x"}


def test_container_context_lands_in_node_metadata(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.node_started("e1", "inner", container_id="iter", container_index=3))
    manager.handle(s.node_ended(ev.NodeSucceededEvent, "e1", "inner", container_id="iter", container_index=3))
    node = store.get_node_executions("run-1")[0]
    assert node.metadata["container_id"] == "iter" and node.metadata["container_index"] == 3


def test_engine_counts_win_over_the_managers_own(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(
        s.run_ended(
            ev.RunSucceededEvent, total_steps=7, total_tokens=99, exceptions_count=2, elapsed_time=3.25
        )
    )
    run = store.get_run("run-1")
    assert run is not None
    assert (run.total_steps, run.total_tokens, run.exceptions_count, run.elapsed_time) == (7, 99, 2, 3.25)


def test_duplicate_and_foreign_events_are_ignored(manager, store) -> None:
    s = EventScript()
    start = s.run_started()
    manager.handle(start)
    end = s.run_ended(ev.RunSucceededEvent)
    manager.handle(end)
    manager.handle(start)  # redelivered: must not reopen the run
    other = EventScript(run_id="run-2")
    manager.handle(other.run_ended(ev.RunFailedEvent, error="not mine"))
    run = store.get_run("run-1")
    assert run is not None and run.status == "succeeded"
    assert store.get_run("run-2") is None
    assert len(store.saved) == 2


def test_saves_are_snapshots_the_manager_does_not_mutate_later(manager, store) -> None:
    s = EventScript()
    manager.handle(s.run_started())
    manager.handle(s.node_started("e1", "llm"))
    manager.handle(s.node_ended(ev.NodeSucceededEvent, "e1", "llm", metadata={"total_tokens": 1}))
    manager.handle(s.run_ended(ev.RunSucceededEvent))
    node_saves = [r for r in store.saved if "node_id" in r]
    assert node_saves[0]["status"] == "running" and node_saves[0]["attempts"] == []
    assert node_saves[0]["metadata"] == {}


def test_flush_waits_on_both_repositories_once_each() -> None:
    calls: list[str] = []

    class Repo(InMemoryRunStore):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def flush(self, timeout: float | None = None) -> bool:
            calls.append(self.name)
            return self.name != "nodes"

    manager = WorkflowCycleManager(Workflow(), Repo("runs"), Repo("nodes"))
    assert manager.flush(1.0) is False and calls == ["runs", "nodes"]
    shared = Repo("both")
    calls.clear()
    assert WorkflowCycleManager(Workflow(), shared, shared).flush() is True and calls == ["both"]


def test_lifecycle_does_not_pull_in_database_or_broker_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys, engine.lifecycle, engine.persistence.memory;"
        "bad = [m for m in ('sqlalchemy', 'celery', 'redis', 'PySide6') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == ""
