"""One attempt of one leaf node: what it is, how it ran, and the job a worker runs.

A leaf module: it knows nothing of the dispatcher.  A job reads only the pool
copy the dispatcher took for it before it left (copy-on-write, O(1)) and puts
its outcome on the inbox it was given.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.nodes.base import Node, NodeContext, NodeResult, RunServices
from engine.nodes.cancel import CancelToken
from engine.variables import VariablePool

Inbox = queue.SimpleQueue[tuple[Any, ...]]


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
    run_id: str,
    services: RunServices,
    pool: VariablePool,
    node: Node,
    attempt: Attempt,
    stream: Callable[[str, str], None],
) -> AttemptOutcome:
    """Run the attempt in the calling thread; never raises."""
    ctx = NodeContext(
        run_id=run_id,
        node_id=attempt.node_id,
        execution_id=attempt.execution_id,
        attempt=attempt.number,
        pool=pool,
        cancel=attempt.token,
        services=services,
        stream=stream,
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


def worker_job(
    inbox: Inbox,
    frame: object,
    run_id: str,
    services: RunServices,
    pool: VariablePool,
    node: Node,
    attempt: Attempt,
) -> Callable[[], None]:
    """A worker's job: ``("chunk", frame, attempt, output, text)`` while streaming, then ``("done", ...)``."""

    def stream(output: str, chunk: str) -> None:
        inbox.put(("chunk", frame, attempt, output, chunk))

    def job() -> None:
        inbox.put(("done", frame, execute(run_id, services, pool, node, attempt, stream)))

    return job


def error_info(error: BaseException) -> tuple[str, str]:
    message = str(error) or type(error).__name__
    error_type: Any = getattr(error, "error_type", None) or type(error).__name__
    return message, str(error_type)
