"""What the dispatcher of one run holds for all its frames: identity, services, counters, commands.

Written only by the dispatcher thread (container rounds are frames of that
thread, not threads of their own), so nothing here needs a lock; workers read
nothing of it.  ``wake`` may be called from any thread (it only posts to the
dispatcher's inbox).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.graph import Workflow
from engine.nodes.base import Node, RunServices
from engine.scheduler.commands import CommandChannel
from engine.scheduler.config import EngineConfig
from engine.scheduler.emitter import EventEmitter
from engine.scheduler.mocks import MockCalls, MockedNode
from engine.scheduler.worker_pool import WorkerPool


@dataclass(slots=True)
class Counters:
    steps: int = 0
    tokens: int = 0
    exceptions: int = 0
    index: int = 0  # node execution index, 1-based

    def to_dict(self) -> dict[str, int]:
        return {
            "steps": self.steps,
            "tokens": self.tokens,
            "exceptions": self.exceptions,
            "index": self.index,
        }


@dataclass(slots=True)
class RunContext:
    run_id: str
    workflow: Workflow
    config: EngineConfig
    services: RunServices
    emitter: EventEmitter
    channel: CommandChannel
    workers: WorkerPool
    mocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    mock_calls: MockCalls = field(default_factory=MockCalls)
    counters: Counters = field(default_factory=Counters)
    answers: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    reused: dict[str, dict[str, Any]] = field(default_factory=dict)  # replay: node id -> record
    started_monotonic: float = field(default_factory=time.monotonic)
    elapsed_before: float = 0.0  # time spent before a pause (resumed runs)
    terminate_reason: str | None = None
    pause_requested: bool = False
    wake: Callable[[], None] = field(default=lambda: None)  # the dispatcher's wake-up (any thread)
    _nodes: dict[str, Node] = field(default_factory=dict)

    def node(self, node_id: str, real: Node) -> Node:
        """The node to run: the real one, or its mock."""
        node = self._nodes.get(node_id)
        if node is None:
            spec = self.mocks.get(node_id)
            node = MockedNode(real, spec, self.mock_calls) if spec is not None else real
            self._nodes[node_id] = node
        return node

    def next_index(self) -> int:
        self.counters.index += 1
        return self.counters.index

    def elapsed(self) -> float:
        return self.elapsed_before + (time.monotonic() - self.started_monotonic)

    def deadline_left(self) -> float | None:
        if self.config.max_wall_time_s is None:
            return None
        return self.config.max_wall_time_s - self.elapsed()

    def request_terminate(self, reason: str) -> None:
        if self.terminate_reason is None:
            self.terminate_reason = reason
        self.wake()
