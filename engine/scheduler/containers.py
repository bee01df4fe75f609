"""Iteration and loop nodes in flight: their rounds are frames of the one dispatcher.

Opening a container (on the dispatcher thread) emits its started event and
opens its first round(s) as child frames; each round's end (reported by the
dispatcher when the frame has nothing left in flight) opens the next round or
ends the container, whose result then goes through the same success / retry /
error-strategy path as any node's.  Parallel iterations keep ``parallel_nums``
rounds open at once: their leaf nodes run side by side on the workers.
"""

from __future__ import annotations

import time
from typing import Any

from engine.errors import NodeError
from engine.events import (
    IterationFinishedEvent,
    IterationNextEvent,
    IterationStartedEvent,
    LoopFinishedEvent,
    LoopNextEvent,
    LoopStartedEvent,
)
from engine.nodes.base import Node, NodeResult
from engine.nodes.container_support import RoundResult, conversation_writes
from engine.nodes.iteration import IterationNode
from engine.nodes.loop import LoopNode
from engine.scheduler.attempt import Attempt, AttemptOutcome
from engine.scheduler.frame import Frame
from engine.scheduler.outcome import Outcome
from engine.scheduler.protocol import Scheduler
from engine.scheduler.run_control import stop_frame
from engine.status import RunStatus
from engine.variables import VariablePool

CONTAINER_TYPES = frozenset({"iteration", "loop"})


class ContainerRun:
    """One attempt of a container node, open in ``frame`` (the frame the node belongs to)."""

    kind = ""

    def __init__(self, d: Scheduler, frame: Frame, attempt: Attempt, node: Node) -> None:
        self.d = d
        self.frame = frame
        self.attempt = attempt
        self.node = node
        self.rounds: dict[int, Frame] = {}  # open rounds by index
        self.done = False

    def emit(self, cls: type, **fields: Any) -> None:
        node = self.node
        self.d.run.emitter.emit(
            cls,
            node_execution_id=self.attempt.execution_id,
            node_id=node.id,
            node_type=node.type,
            title=node.title,
            **fields,
        )

    def open_round(self, index: int, pool: VariablePool) -> Frame:
        graph = self.d.run.workflow.subgraphs[self.node.id]
        frame = Frame(graph, pool, self.d.emit_chunk, container=(self.node.id, index), owner=self)
        self.rounds[index] = frame
        self.d.start_frame(frame)
        return frame

    def finish(self, result: NodeResult | None = None, error: BaseException | None = None) -> None:
        """The container's attempt ended: hand it to the dispatcher like a leaf's outcome."""
        self.done = True
        self.frame.containers.pop(self.node.id, None)
        self.d.complete(self.frame, AttemptOutcome(self.attempt, result, error, time.time()))

    def cancel(self, reason: str) -> None:
        """The run (or the frame holding the container) is being stopped: stop every open round."""
        self.done = True
        for frame in list(self.rounds.values()):
            stop_frame(self.d, frame, reason)
        self.rounds.clear()

    def base_dict(self) -> dict[str, Any]:
        a = self.attempt
        return {
            "kind": self.kind,
            "attempt": {"execution_id": a.execution_id, "number": a.number, "started_at": a.started_at},
            "rounds": {str(i): f.to_dict(with_pool=self.kind != "loop") for i, f in self.rounds.items()},
        }


class IterationRun(ContainerRun):
    kind = "iteration"
    node: IterationNode

    def start(self) -> None:
        try:
            self.items = self.node.items(self.frame.pool)
        except NodeError as exc:
            self.finish(error=exc)
            return
        self.emit(IterationStartedEvent, total=len(self.items))
        self.work_pool = self.frame.pool.copy()  # later rounds see earlier rounds' conversation writes
        self.results: dict[int, RoundResult] = {}
        self.limit = self.node.parallelism(len(self.items))
        self.next_index = 0
        self.halted = False
        self.launch()

    def launch(self) -> None:
        items = self.items
        while not self.halted and self.next_index < len(items) and len(self.rounds) < self.limit:
            index = self.next_index
            self.next_index += 1
            pool = self.work_pool.copy()
            for selector, value in self.node.round_variables(index, items[index]):
                pool.add(selector, value)
            self.emit(IterationNextEvent, index=index)
            self.open_round(index, pool)
        if not self.rounds and not self.done:
            self._end()

    def round_finished(self, frame: Frame, outcome: Outcome) -> None:
        index = frame.container_index
        assert index is not None
        del self.rounds[index]
        succeeded = outcome.status == RunStatus.SUCCEEDED
        if succeeded:
            for selector, value in conversation_writes(self.work_pool, frame.pool):
                self.work_pool.add(selector, value)
        elif self.node.tolerant:
            self.d.run.counters.exceptions += 1
        result = RoundResult(self.node.round_value(frame.pool), succeeded, outcome.error, outcome.error_type)
        self.results[index] = result
        if self.node.halts_after(result):
            self.halted = True
        self.launch()

    def _end(self) -> None:
        results = [self.results[i] for i in sorted(self.results)]
        failure = self.node.first_failure(results)
        if failure is not None:
            self.emit(IterationFinishedEvent, rounds=len(results), error=failure.error)
            self.finish(error=NodeError(failure.error, failure.error_type or "IterationNodeError"))
            return
        outputs = self.node.outputs(results)
        self.emit(IterationFinishedEvent, rounds=len(results))
        self.finish(
            NodeResult(
                inputs={"iterator_selector": self.items},
                outputs={"output": outputs},
                metadata={
                    "iteration_rounds": len(results),
                    "iteration_failed_rounds": sum(1 for r in results if not r.succeeded),
                },
                variable_writes=conversation_writes(self.frame.pool, self.work_pool),
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.base_dict(),
            "items": self.items,
            "work_pool": self.work_pool.to_dict(),
            "results": {str(i): r.to_dict() for i, r in self.results.items()},
            "next_index": self.next_index,
            "halted": self.halted,
        }

    def load(self, data: dict[str, Any]) -> None:
        self.items = list(data["items"])
        self.work_pool = VariablePool.from_dict(data["work_pool"])
        self.results = {int(i): RoundResult.from_dict(r) for i, r in data["results"].items()}
        self.limit = self.node.parallelism(len(self.items))
        self.next_index = int(data["next_index"])
        self.halted = bool(data["halted"])


class LoopRun(ContainerRun):
    kind = "loop"
    node: LoopNode

    def start(self) -> None:
        try:
            variables = self.node.initial_variables(self.frame.pool)
        except NodeError as exc:
            self.finish(error=exc)
            return
        self.names = list(variables)
        self.inputs = variables
        self.pool = self.frame.pool.copy()  # every round runs on it: loop variables persist
        for name, value in variables.items():
            self.pool.add((self.node.id, name), value)
        self.emit(LoopStartedEvent)
        self.count = 0
        self.next_round()

    def next_round(self) -> None:
        try:
            again = self.node.may_start_round(self.count, self.pool)
        except NodeError as exc:
            self.finish(error=exc)
            return
        if not again:
            self._end()
            return
        self.emit(LoopNextEvent, index=self.count)
        self.open_round(self.count, self.pool)

    def round_finished(self, frame: Frame, outcome: Outcome) -> None:
        del self.rounds[self.count]
        self.count += 1
        if outcome.status != RunStatus.SUCCEEDED:
            self.emit(LoopFinishedEvent, rounds=self.count, error=outcome.error)
            self.finish(error=NodeError(outcome.error, outcome.error_type or "LoopNodeError"))
        elif outcome.loop_break:
            self._end()
        else:
            self.next_round()

    def _end(self) -> None:
        self.emit(LoopFinishedEvent, rounds=self.count)
        self.finish(
            NodeResult(
                inputs=dict(self.inputs),
                outputs=self.node.outputs(self.pool, self.names, self.count),
                metadata={"loop_rounds": self.count},
                variable_writes=conversation_writes(self.frame.pool, self.pool),
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.base_dict(),
            "names": self.names,
            "inputs": self.inputs,
            "pool": self.pool.to_dict(),
            "count": self.count,
        }

    def load(self, data: dict[str, Any]) -> None:
        self.names = list(data["names"])
        self.inputs = dict(data["inputs"])
        self.pool = VariablePool.from_dict(data["pool"])
        self.count = int(data["count"])


def open_container(d: Scheduler, frame: Frame, attempt: Attempt, node: Node) -> None:
    """Start the container node ``node`` of ``frame`` (its attempt is already running there)."""
    run: IterationRun | LoopRun = (
        IterationRun(d, frame, attempt, node)
        if node.type == "iteration"
        else LoopRun(d, frame, attempt, node)
    )
    attempt.started_at = time.time()
    frame.containers[node.id] = run
    run.start()
