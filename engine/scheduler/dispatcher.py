"""The dispatcher: the one thread that owns a graph level's run state.

Workers only run nodes and post outcomes to the inbox; the dispatcher applies
every state change, routes edges, starts ready nodes, schedules retries as
timers (it never sleeps) and reacts to commands.  Container bodies run in a
child dispatcher of their own, in the container node's thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from typing import Any

from engine.errors import NodeCancelled
from engine.events import (
    NodeReusedEvent,
    NodeSkippedEvent,
    NodeStartedEvent,
    NodeStreamChunkEvent,
    NodeSucceededEvent,
)
from engine.graph import Graph
from engine.nodes.base import NodeResult
from engine.nodes.cancel import CancelToken
from engine.scheduler import graph_state as gs
from engine.scheduler.commands import PauseCommand, ResumeCommand, TerminateCommand
from engine.scheduler.container_runner import CONTAINER_TYPES
from engine.scheduler.error_handler import handle_failure
from engine.scheduler.ids import new_id
from engine.scheduler.node_runner import Attempt, AttemptOutcome, error_info, execute, worker_job
from engine.scheduler.outcome import Outcome
from engine.scheduler.response_coordinator import ResponseCoordinator
from engine.scheduler.run_context import RunContext
from engine.scheduler.run_control import pause, quiet_everywhere, stop
from engine.variables import VariablePool


class Dispatcher:
    def __init__(
        self,
        run: RunContext,
        graph: Graph,
        pool: VariablePool,
        *,
        container: tuple[str, int] | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.run = run
        self.graph = graph
        self.pool = pool
        self.container_id, self.container_index = container if container else (None, None)
        self.top_level = container is None
        self.cancel = cancel
        self.state = gs.GraphState(graph)
        self.inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.ready: deque[str] = deque()
        self.ready_at: dict[str, float] = {}
        self.running: dict[str, Attempt] = {}
        self.timers: dict[str, threading.Timer] = {}
        self.failed_attempts: dict[str, list[dict[str, Any]]] = {}
        self.failure: Outcome | None = None
        self.loop_break = False
        self.coordinator = ResponseCoordinator(graph, pool, self._emit_chunk)
        self._inline = run.config.inline_pure_nodes
        self._started = False
        self.leaf_running = 0  # nodes in flight that are not containers (read by the pause check)

    # ------------------------------------------------------------ main loop
    def execute(self) -> Outcome:
        self.run.add_waker(self.wake)
        self.run.dispatchers.append(self)
        if self.top_level:
            self.run.channel.set_wakeup(self.wake)
            self.run.wake_top = self.wake
        try:
            if not self._started:
                self._started = True
                root = self.graph.root_id
                self.state.node[root] = gs.READY
                self.ready.append(root)
                self.ready_at[root] = time.time()
                self.coordinator.start()
            return self._loop()
        finally:
            self.run.remove_waker(self.wake)
            self.run.dispatchers.remove(self)
            if self.top_level:
                self.run.channel.set_wakeup(None)

    def wake(self) -> None:
        self.inbox.put(("wake",))

    def _loop(self) -> Outcome:
        poll = self.run.channel.poll_interval if self.top_level else None
        while True:
            if self.top_level:
                self.take_commands()
            if self._must_stop():
                return stop(self)
            if not self.run.pause_requested:
                self._dispatch_ready()
                if self._must_stop():
                    return stop(self)
            elif self.top_level and (self.ready or self.running) and quiet_everywhere(self.run):
                pause(self)
                continue
            if not self.running and not self.timers and not self.ready:
                return Outcome("succeeded", loop_break=self.loop_break)
            timeout = poll
            left = self.run.deadline_left()
            if left is not None:
                if left <= 0:
                    self.run.request_terminate(
                        f"maximum wall time ({self.run.config.max_wall_time_s:g} s) exceeded"
                    )
                    continue
                timeout = left if timeout is None else min(timeout, left)
            try:
                message = self.inbox.get(timeout=timeout)
            except queue.Empty:
                continue
            self.handle(message)
            while True:  # apply everything already waiting before dispatching again
                try:
                    message = self.inbox.get_nowait()
                except queue.Empty:
                    break
                self.handle(message)

    def _must_stop(self) -> bool:
        if self.run.terminate_reason is not None or self.failure is not None:
            return True
        return self.cancel is not None and self.cancel.cancelled

    def handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "done":
            self._complete(message[1])
        elif kind == "chunk":
            attempt: Attempt = message[1]
            if self.running.get(attempt.node_id) is attempt:
                self.coordinator.chunk(attempt.node_id, message[2], message[3])
        elif kind == "retry":
            node_id = message[1]
            if self.timers.pop(node_id, None) is not None:
                self.ready.appendleft(node_id)

    def take_commands(self) -> None:
        for command in self.run.channel.fetch():
            if isinstance(command, TerminateCommand):
                self.run.request_terminate(command.reason)
            elif isinstance(command, PauseCommand):
                self.run.pause_requested = True
                self.run.wake_all()
            elif isinstance(command, ResumeCommand):
                self.run.pause_requested = False
                self.run.wake_all()

    # ------------------------------------------------------------ dispatching
    def _dispatch_ready(self) -> None:
        limit = self.run.config.max_steps
        while self.ready:
            if self.run.terminate_reason is not None or self.failure is not None or self.run.pause_requested:
                return
            node_id = self.ready.popleft()
            counters = self.run.counters
            with self.run.lock:
                if counters.steps >= limit:
                    self.ready.appendleft(node_id)
                    self.run.terminate_reason = f"maximum steps ({limit}) exceeded"
                    return
                counters.steps += 1
            self._start(node_id)

    def _start(self, node_id: str) -> None:
        spec = self.graph.nodes[node_id]
        node = self.run.node(node_id, spec.node)
        failed = self.failed_attempts.get(node_id)
        if failed:
            execution_id = failed[0]["execution_id"]
        else:
            execution_id = new_id()
            self.run.emitter.emit(
                NodeStartedEvent,
                node_execution_id=execution_id,
                node_id=node_id,
                node_type=spec.type,
                title=spec.title,
                container_id=self.container_id,
                container_index=self.container_index,
                index=self.run.next_index(),
                predecessor_node_id=self.state.predecessor.get(node_id),
                ready_at=self.ready_at.get(node_id, 0.0),
            )
        attempt = Attempt(node_id, execution_id, len(failed) if failed else 0, CancelToken())
        self.state.node[node_id] = gs.RUNNING
        self.running[node_id] = attempt
        if self.top_level and node_id in self.run.reused:
            self._reuse(attempt, self.run.reused[node_id])
            return
        if self._inline and node.inline and node is spec.node:
            self._complete(execute(self, node, attempt, _no_stream))
        elif spec.type in CONTAINER_TYPES:
            self.run.workers.spawn(worker_job(self, node, attempt), name=f"flowdeck-{spec.type}-{node_id}")
        else:
            self.leaf_running += 1
            attempt.pooled = True
            self.run.workers.submit(worker_job(self, node, attempt))

    # -------------------------------------------------------------- outcomes
    def _complete(self, outcome: AttemptOutcome) -> None:
        attempt = outcome.attempt
        if self.running.get(attempt.node_id) is not attempt:
            return  # a stale attempt (terminated or failed run)
        del self.running[attempt.node_id]
        if attempt.pooled:
            self.leaf_running -= 1
            if self.run.pause_requested and not self.top_level:
                self.run.wake_top()  # the pause may now be complete
        if outcome.error is None and outcome.result is not None:
            self._succeed(attempt, outcome.result, outcome.finished_at)
            return
        error = outcome.error
        if isinstance(error, NodeCancelled) and self._must_stop():
            return
        message, error_type = error_info(error) if error else ("no result", "NodeError")
        handle_failure(self, attempt, message, error_type, outcome.finished_at)

    def _succeed(
        self,
        attempt: Attempt,
        result: NodeResult,
        finished_at: float,
        event: type = NodeSucceededEvent,
        **extra: Any,
    ) -> None:
        node_id = attempt.node_id
        spec = self.graph.nodes[node_id]
        outputs = result.outputs
        limit = self.run.config.max_output_bytes
        if limit is not None and _size(outputs) > limit:
            self.running[node_id] = attempt  # still in flight: terminate marks it
            self.run.request_terminate(f"node {node_id!r} output exceeds {limit} bytes")
            return
        self.pool.set_outputs(node_id, outputs)
        for selector, value in result.variable_writes:
            self.pool.add(selector, value)
        counters = self.run.counters
        if result.total_tokens:
            with self.run.lock:
                counters.tokens += result.total_tokens
        if spec.type == "answer":
            self.run.answers.append(str(outputs.get("answer", "")))
        elif spec.type == "end" and self.top_level:
            self.run.outputs.update(outputs)
        elif spec.type == "loop-end":
            self.loop_break = True
        if result.edge_handle != "source":  # replay needs the branch a node took
            result.metadata["edge_handle"] = result.edge_handle
        self.emit_ended(event, attempt, result, finished_at, **extra)
        self.state.node[node_id] = gs.SUCCEEDED
        self.route(node_id, result.edge_handle)

    def _reuse(self, attempt: Attempt, record: dict[str, Any]) -> None:
        """Replay from failure: restore what the original run produced; no work is done."""
        del self.running[attempt.node_id]
        attempt.started_at = time.time()
        handle = str(record.get("edge_handle") or "source")
        result = NodeResult(outputs=dict(record.get("outputs") or {}), edge_handle=handle)
        self._succeed(attempt, result, attempt.started_at, event=NodeReusedEvent, reused_from=record["id"])

    def route(self, node_id: str, handle: str) -> None:
        ready: list[str] = []
        skipped: list[str] = []
        self.state.resolve_out(node_id, handle, ready, skipped)
        coordinator = self.coordinator
        coordinator.resolved(node_id)
        if coordinator.active and coordinator.is_gate(node_id):
            for edge in self.graph.out_edges[node_id]:
                if self.state.edge[edge.id] == gs.EDGE_TAKEN:
                    coordinator.edge_taken(node_id, edge.target)
        if skipped:
            emit = self.run.emitter.emit
            for skipped_id in skipped:
                spec = self.graph.nodes[skipped_id]
                emit(
                    NodeSkippedEvent,
                    node_id=skipped_id,
                    node_type=spec.type,
                    title=spec.title,
                    container_id=self.container_id,
                    container_index=self.container_index,
                )
                coordinator.resolved(skipped_id)
        if ready:
            now = time.time()
            for ready_id in ready:
                self.ready_at[ready_id] = now
            self.ready.extend(ready)

    # -------------------------------------------------------------- events
    def emit_ended(
        self, cls: type, attempt: Attempt, result: NodeResult, finished_at: float, **extra: Any
    ) -> None:
        spec = self.graph.nodes[attempt.node_id]
        mask = self.pool.mask
        metadata = dict(result.metadata)
        if result.total_tokens:
            metadata["total_tokens"] = result.total_tokens
        self.run.emitter.emit(
            cls,
            node_execution_id=attempt.execution_id,
            node_id=attempt.node_id,
            node_type=spec.type,
            title=spec.title,
            container_id=self.container_id,
            container_index=self.container_index,
            inputs=mask(result.inputs),
            process_data=mask(result.process_data),
            outputs=mask(result.outputs),
            started_at=attempt.started_at,
            # an attempt stopped between dispatch and start never started: it took no time
            elapsed_time=max(0.0, finished_at - attempt.started_at) if attempt.started_at else 0.0,
            retry_count=len(self.failed_attempts.get(attempt.node_id, ())),
            metadata=metadata,
            **extra,
        )

    def _emit_chunk(self, node_id: str, chunk: str, selector: list[str] | None) -> None:
        self.run.emitter.emit(NodeStreamChunkEvent, node_id=node_id, chunk=chunk, from_selector=selector)

    def emit_container_event(self, cls: type, **fields: Any) -> None:
        self.run.emitter.emit(cls, **fields)


def _no_stream(output: str, chunk: str) -> None:
    raise RuntimeError("inline nodes do not stream")


def _size(outputs: dict[str, Any]) -> int:
    import json

    return len(json.dumps(outputs, ensure_ascii=False, default=str).encode())
