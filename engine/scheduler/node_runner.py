"""Runs one attempt of one node and reports back to its dispatcher's inbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.nodes.base import Node, NodeContext, NodeResult
from engine.nodes.cancel import CancelToken

if TYPE_CHECKING:
    from engine.scheduler.dispatcher import Dispatcher


@dataclass(slots=True)
class Attempt:
    node_id: str
    execution_id: str
    number: int  # 0 for the first try
    token: CancelToken
    started_at: float = 0.0
    pooled: bool = False  # handed to a pool worker (counted as work in flight)


@dataclass(slots=True)
class AttemptOutcome:
    attempt: Attempt
    result: NodeResult | None
    error: BaseException | None
    finished_at: float


def execute(
    dispatcher: Dispatcher, node: Node, attempt: Attempt, stream: Callable[[str, str], None]
) -> AttemptOutcome:
    """Run the attempt in the calling thread; never raises."""
    from engine.scheduler.container_runner import subgraph_runner  # needs Attempt from here

    run = dispatcher.run
    ctx = NodeContext(
        run_id=run.run_id,
        node_id=attempt.node_id,
        execution_id=attempt.execution_id,
        attempt=attempt.number,
        pool=dispatcher.pool,
        cancel=attempt.token,
        services=run.services,
        stream=stream,
        run_subgraph=subgraph_runner(dispatcher, attempt),
        emit=dispatcher.emit_container_event,
    )
    attempt.started_at = time.time()
    try:
        result = node.run(ctx)
        if not isinstance(result, NodeResult):
            raise TypeError(f"node {attempt.node_id!r} returned {type(result).__name__}, not NodeResult")
        error: BaseException | None = None
    except BaseException as exc:  # a node's failure is data, never a crash
        result, error = None, exc
    return AttemptOutcome(attempt, result, error, time.time())


def worker_job(dispatcher: Dispatcher, node: Node, attempt: Attempt) -> Callable[[], None]:
    inbox = dispatcher.inbox

    def stream(output: str, chunk: str) -> None:
        inbox.put(("chunk", attempt, output, chunk))

    def job() -> None:
        inbox.put(("done", execute(dispatcher, node, attempt, stream)))

    return job


def error_info(error: BaseException) -> tuple[str, str]:
    message = str(error) or type(error).__name__
    error_type: Any = getattr(error, "error_type", None) or type(error).__name__
    return message, str(error_type)
