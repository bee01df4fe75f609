"""The dispatcher: the one thread that owns a run's state, every frame of it.

Workers only run leaf nodes and post outcomes to the inbox; the dispatcher
applies every state change, routes edges, starts ready nodes, schedules
retries as timers (it never sleeps) and reacts to commands.  Container rounds
are frames of this same dispatcher on its one ready queue
(scheduler.containers); a job leaves with a copy of its frame's pool, taken
here (copy-on-write: O(1)), so no thread reads a pool while it is written.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from typing import Any

from engine.errors import NodeCancelled
from engine.events import NodeStartedEvent, NodeStreamChunkEvent
from engine.graph import Graph
from engine.nodes.cancel import CancelToken
from engine.scheduler.attempt import Attempt, AttemptOutcome, Inbox, error_info, execute, worker_job
from engine.scheduler.commands import PauseCommand, ResumeCommand, TerminateCommand
from engine.scheduler.completion import reuse, succeed
from engine.scheduler.containers import CONTAINER_TYPES, open_container
from engine.scheduler.error_handler import handle_failure
from engine.scheduler.frame import Frame
from engine.scheduler.ids import new_id
from engine.scheduler.outcome import Outcome
from engine.scheduler.run_context import RunContext
from engine.scheduler.run_control import pause, quiet, stop_frame
from engine.scheduler.snapshot import take_snapshot
from engine.status import NODE_TRANSITIONS, NodeStatus, RunStatus
from engine.variables import VariablePool

_RUNNING = NodeStatus.RUNNING


class Dispatcher:
    def __init__(self, run: RunContext, graph: Graph, pool: VariablePool) -> None:
        self.run = run
        self.inbox: Inbox = queue.SimpleQueue()
        self.ready: deque[tuple[Frame, str]] = deque()
        self.top = Frame(graph, pool, self.emit_chunk)
        self.leaf_running = 0
        self.timers_open = 0
        self._inline = run.config.inline_pure_nodes
        self._started = False

    # ------------------------------------------------------------ main loop
    def execute(self) -> Outcome:
        run = self.run
        run.wake = self.wake
        run.channel.set_wakeup(self.wake)
        try:
            if not self._started:
                self._started = True
                self.start_frame(self.top)
            return self._loop()
        finally:
            run.channel.set_wakeup(None)

    def wake(self) -> None:
        self.inbox.put(("wake",))

    def _loop(self) -> Outcome:
        run = self.run
        top = self.top
        poll = run.channel.poll_interval
        inbox = self.inbox
        while True:
            self.take_commands()
            if self._must_stop():
                return stop_frame(self, top)
            if not run.pause_requested:
                self._dispatch_ready()
                if self._must_stop():
                    return stop_frame(self, top)
            elif (self.ready or top.attempts) and quiet(self):
                pause(self, take_snapshot(self), self.handle, self.take_commands)
                continue
            if top.idle:
                return Outcome(RunStatus.SUCCEEDED)
            timeout = poll
            left = run.deadline_left()
            if left is not None:
                if left <= 0:
                    run.request_terminate(f"maximum wall time ({run.config.max_wall_time_s:g} s) exceeded")
                    continue
                timeout = left if timeout is None else min(timeout, left)
            try:
                message = inbox.get(timeout=timeout)
            except queue.Empty:
                continue
            self.handle(message)
            while True:  # apply everything already waiting before dispatching again
                try:
                    message = inbox.get_nowait()
                except queue.Empty:
                    break
                self.handle(message)

    def _must_stop(self) -> bool:
        return self.run.terminate_reason is not None or self.top.failure is not None

    def handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "done":
            self.complete(message[1], message[2])
        elif kind == "chunk":
            frame: Frame = message[1]
            attempt: Attempt = message[2]
            if frame.attempts.get(attempt.node_id) is attempt:
                frame.coordinator.chunk(attempt.node_id, message[3], message[4])
        elif kind == "retry":
            frame, node_id = message[1], message[2]
            if frame.timers.pop(node_id, None) is not None:
                self.timers_open -= 1
                self.enqueue(frame, [node_id], front=True)

    def take_commands(self) -> None:
        run = self.run
        for command in run.channel.fetch():
            if isinstance(command, TerminateCommand):
                run.request_terminate(command.reason)
            elif isinstance(command, PauseCommand):
                run.pause_requested = True
            elif isinstance(command, ResumeCommand):
                run.pause_requested = False

    # ------------------------------------------------------------ dispatching
    def enqueue(self, frame: Frame, node_ids: list[str], *, front: bool = False) -> None:
        frame.on_queue += len(node_ids)
        if front:
            self.ready.extendleft([(frame, n) for n in reversed(node_ids)])
            return
        now = time.time()
        ready_at = frame.ready_at
        if len(node_ids) == 1:  # the common case (a chain): no comprehension
            node_id = node_ids[0]
            ready_at[node_id] = now
            self.ready.append((frame, node_id))
            return
        for node_id in node_ids:
            ready_at[node_id] = now
        self.ready.extend([(frame, n) for n in node_ids])

    def start_frame(self, frame: Frame) -> None:
        root = frame.graph.root_id
        frame.state.set(root, NodeStatus.READY)
        self.enqueue(frame, [root])
        frame.coordinator.start()

    def _dispatch_ready(self) -> None:
        run = self.run
        limit = run.config.max_steps
        counters = run.counters
        ready = self.ready
        while ready:
            if run.terminate_reason is not None or self.top.failure is not None or run.pause_requested:
                return
            frame, node_id = ready.popleft()
            frame.on_queue -= 1
            if frame.closed:
                continue
            if counters.steps >= limit:
                frame.on_queue += 1
                ready.appendleft((frame, node_id))
                run.terminate_reason = f"maximum steps ({limit}) exceeded"
                return
            counters.steps += 1
            self._start(frame, node_id)

    def _start(self, frame: Frame, node_id: str) -> None:
        run = self.run
        spec = frame.graph.nodes[node_id]
        node = run.node(node_id, spec.node)
        failed = frame.failed_attempts.get(node_id)
        if failed:
            execution_id = failed[0]["execution_id"]
        else:
            execution_id = new_id()
            run.emitter.emit(
                NodeStartedEvent,
                node_execution_id=execution_id,
                node_id=node_id,
                node_type=spec.type,
                title=spec.title,
                container_id=frame.container_id,
                container_index=frame.container_index,
                index=run.next_index(),
                predecessor_node_id=frame.state.predecessor.get(node_id),
                ready_at=frame.ready_at.get(node_id, 0.0),
            )
        attempt = Attempt(node_id, execution_id, len(failed) if failed else 0, CancelToken())
        states = frame.state.node
        if _RUNNING in NODE_TRANSITIONS[states[node_id]]:  # GraphState.set, inlined on the hot path
            states[node_id] = _RUNNING
        else:
            frame.state.set(node_id, _RUNNING)  # raises IllegalTransition
        frame.attempts[node_id] = attempt
        if frame.top_level and node_id in run.reused:
            reuse(self, frame, attempt, run.reused[node_id])
        elif node is spec.node and spec.type in CONTAINER_TYPES:
            open_container(self, frame, attempt, node)
        elif self._inline and node.inline and node is spec.node:
            self.complete(frame, execute(run.run_id, run.services, frame.pool, node, attempt, _no_stream))
        else:
            self.leaf_running += 1
            attempt.pooled = True
            job = worker_job(self.inbox, frame, run.run_id, run.services, frame.pool.copy(), node, attempt)
            run.workers.submit(job)

    # -------------------------------------------------------------- outcomes
    def complete(self, frame: Frame, outcome: AttemptOutcome) -> None:
        attempt = outcome.attempt
        if frame.closed or frame.attempts.get(attempt.node_id) is not attempt:
            return  # a stale attempt (its frame or the run was stopped)
        del frame.attempts[attempt.node_id]
        if attempt.pooled:
            self.leaf_running -= 1
        error = outcome.error
        if error is None and outcome.result is not None:
            succeed(self, frame, attempt, outcome.result, outcome.finished_at)
        elif not (isinstance(error, NodeCancelled) and self._must_stop()):
            message, error_type = error_info(error) if error else ("no result", "NodeError")
            handle_failure(self, frame, attempt, message, error_type, outcome.finished_at)
        if not frame.top_level:
            self._settle(frame)

    def _settle(self, frame: Frame) -> None:
        """A round with a failed node, or with nothing left to do, ends: its container goes on."""
        if frame.closed or self.run.terminate_reason is not None:
            return
        owner = frame.owner
        assert owner is not None
        if frame.failure is not None:
            owner.round_finished(frame, stop_frame(self, frame))
        elif frame.idle:
            frame.closed = True
            owner.round_finished(frame, Outcome(RunStatus.SUCCEEDED, loop_break=frame.loop_break))

    def emit_chunk(self, node_id: str, chunk: str, selector: list[str] | None) -> None:
        self.run.emitter.emit(NodeStreamChunkEvent, node_id=node_id, chunk=chunk, from_selector=selector)


def _no_stream(output: str, chunk: str) -> None:
    raise RuntimeError("inline nodes do not stream")
