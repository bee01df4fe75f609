"""A frame: one graph level in flight (the top level, or one round of a container).

Each frame has its own node and edge states, response streamer, attempts in
flight, retry timers and failed attempts, and a pool layered over its parent's
(a copy-on-write copy taken when the round opened).  Every frame of a run is
scheduled by the one dispatcher thread on its one ready queue; nothing here is
touched by another thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from engine.graph import Graph
from engine.nodes.base import Node
from engine.nodes.cancel import CancelToken
from engine.scheduler.attempt import Attempt
from engine.scheduler.graph_state import GraphState
from engine.scheduler.outcome import Outcome
from engine.scheduler.response_coordinator import EmitChunk, ResponseCoordinator
from engine.variables import VariablePool


class Cancellable(Protocol):
    def cancel(self, reason: str) -> None: ...


class OpenContainer(Cancellable, Protocol):
    """An iteration or loop node whose rounds are frames (scheduler.containers)."""

    node: Node
    rounds: dict[int, Frame]  # open rounds by index

    def round_finished(self, frame: Frame, outcome: Outcome) -> None: ...

    def to_dict(self) -> dict[str, Any]: ...


class Frame:
    __slots__ = (
        "attempts",
        "closed",
        "container_id",
        "container_index",
        "containers",
        "coordinator",
        "failed_attempts",
        "failure",
        "graph",
        "loop_break",
        "on_queue",
        "owner",
        "pool",
        "ready_at",
        "state",
        "timers",
        "top_level",
    )

    def __init__(
        self,
        graph: Graph,
        pool: VariablePool,
        emit_chunk: EmitChunk,
        *,
        container: tuple[str, int] | None = None,
        owner: OpenContainer | None = None,
    ) -> None:
        self.graph = graph
        self.pool = pool
        self.container_id, self.container_index = container if container else (None, None)
        self.top_level = container is None
        self.owner = owner
        self.state = GraphState(graph)
        self.coordinator = ResponseCoordinator(graph, pool, emit_chunk)
        self.attempts: dict[str, Attempt] = {}
        self.timers: dict[str, Cancellable] = {}
        self.failed_attempts: dict[str, list[dict[str, Any]]] = {}
        self.ready_at: dict[str, float] = {}
        self.containers: dict[str, OpenContainer] = {}  # container nodes of this frame whose rounds are open
        self.on_queue = 0  # entries of this frame on the dispatcher's ready queue
        self.failure: Outcome | None = None
        self.loop_break = False  # a loop-end node was reached (loop rounds)
        self.closed = False  # ended: its queued entries and late outcomes are dropped

    @property
    def idle(self) -> bool:
        return not self.attempts and not self.timers and not self.on_queue

    def in_flight(self, now: float) -> Iterator[tuple[str, Attempt]]:
        """Every attempt of this frame not ended: in flight, then retrying (rebuilt from their last try)."""
        yield from list(self.attempts.items())
        for node_id in list(self.timers):
            failed = self.failed_attempts[node_id]
            yield node_id, Attempt(node_id, failed[0]["execution_id"], len(failed), CancelToken(), now)

    def to_dict(self, *, with_pool: bool = True) -> dict[str, Any]:
        """This frame and the rounds open inside it, as JSON (its queued nodes are the snapshot's)."""
        data: dict[str, Any] = {
            "graph": self.state.to_dict(),
            "ready_at": dict(self.ready_at),
            "failed_attempts": {k: list(v) for k, v in self.failed_attempts.items()},
            "responses": self.coordinator.to_dict(),
            "loop_break": self.loop_break,
            "containers": {node_id: c.to_dict() for node_id, c in self.containers.items()},
        }
        if with_pool:
            data["pool"] = self.pool.to_dict()
        return data
