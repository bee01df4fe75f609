"""Hand-built engine event sequences for lifecycle tests (no engine needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import events as ev


@dataclass(frozen=True)
class Workflow:
    id: str = "wf-1"
    name: str = "Summarise"
    version: str = "3"
    graph_dict: dict[str, Any] = field(
        default_factory=lambda: {"nodes": [{"id": "start"}, {"id": "llm"}], "edges": [{"source": "start"}]}
    )
    graph_hash: str = "hash-1"


class EventScript:
    """Builds events of one run with increasing ``seq`` and a fake clock."""

    def __init__(self, run_id: str = "run-1", t0: float = 1_000.0) -> None:
        self.run_id = run_id
        self.seq = 0
        self.now = t0

    def _base(self, advance: float) -> dict[str, Any]:
        self.seq += 1
        self.now += advance
        return {"run_id": self.run_id, "seq": self.seq, "at": self.now}

    def run_started(self, inputs: dict[str, Any] | None = None, **kw: Any) -> ev.RunStartedEvent:
        return ev.RunStartedEvent(
            **self._base(0.0),
            workflow_id="wf-1",
            workflow_name="Summarise",
            graph_hash="hash-1",
            inputs=inputs or {},
            **kw,
        )

    def node_started(
        self, exec_id: str, node_id: str, *, index: int = 0, ready_delay: float = 0.0, **kw: Any
    ) -> ev.NodeStartedEvent:
        base = self._base(0.1)
        return ev.NodeStartedEvent(
            **base,
            node_execution_id=exec_id,
            node_id=node_id,
            node_type=kw.pop("node_type", "llm"),
            title=node_id.title(),
            index=index,
            ready_at=base["at"] - ready_delay if ready_delay else 0.0,
            **kw,
        )

    def node_retry(self, exec_id: str, node_id: str, retry_index: int, error: str, start_at: float):
        return ev.NodeRetryEvent(
            **self._base(0.5),
            node_execution_id=exec_id,
            node_id=node_id,
            node_type="llm",
            retry_index=retry_index,
            error=error,
            start_at=start_at,
        )

    def node_ended(self, cls: type[ev.NodeEndedEvent], exec_id: str, node_id: str, **kw: Any):
        return cls(
            **self._base(kw.pop("advance", 1.0)),
            node_execution_id=exec_id,
            node_id=node_id,
            node_type=kw.pop("node_type", "llm"),
            **kw,
        )

    def run_ended(self, cls: type[ev.RunEndedEvent], **kw: Any) -> ev.RunEndedEvent:
        return cls(**self._base(0.1), **kw)

    def event(self, cls: type[ev.EngineEvent], **kw: Any) -> ev.EngineEvent:
        return cls(**self._base(kw.pop("advance", 0.1)), **kw)
