"""iteration: run the body once per item of an array, sequentially or in parallel.

Each round runs on its own copy of the pool with ``[iteration, item]`` and
``[iteration, index]``; the round's ``output_selector`` value is collected in
item order (also in parallel mode).  Error modes: ``terminated`` (the first
failed round fails the node), ``continue-on-error`` (its output is null),
``remove-abnormal-output`` (it is left out); as in Dify, a tolerated failed
round counts as an exception of the run (scheduler.container_runner), so the
run ends ``partial-succeeded``.  Conversation variables written
inside are visible after the iteration.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from engine.errors import NodeError
from engine.events import IterationFinishedEvent, IterationNextEvent, IterationStartedEvent
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult, SubgraphOutcome
from engine.nodes.container_support import container_emitter, conversation_writes, run_round
from engine.nodes.fields import NoneAsEmptyStrList, none_as
from engine.variables import MISSING, Selector, as_selector

NoneAsFalse = Annotated[bool, none_as(False)]
ErrorMode = Literal["terminated", "continue-on-error", "remove-abnormal-output"]


class IterationNodeData(BaseNodeData):
    iterator_selector: NoneAsEmptyStrList = Field(min_length=2)
    output_selector: NoneAsEmptyStrList = Field(default_factory=list)
    start_node_id: str | None = None
    is_parallel: NoneAsFalse = False
    parallel_nums: int = Field(default=10, ge=1, le=100)
    error_handle_mode: ErrorMode = "terminated"
    flatten_output: NoneAsFalse = True


class IterationNode(Node):
    type: ClassVar[str] = "iteration"
    data_model: ClassVar[type[BaseNodeData]] = IterationNodeData
    data: IterationNodeData

    def selectors(self) -> list[Selector]:
        return [as_selector(self.data.iterator_selector)]

    def run(self, ctx: NodeContext) -> NodeResult:
        data = self.data
        items = ctx.pool.lookup(data.iterator_selector)
        if items is MISSING or items is None:
            raise NodeError(
                f"iterator variable {'.'.join(data.iterator_selector)} not found", "IteratorVariableNotFound"
            )
        if not isinstance(items, list | tuple):
            name = ".".join(data.iterator_selector)
            raise NodeError(
                f"iterator variable {name} is a {type(items).__name__}, not an array",
                "InvalidIteratorValue",
            )
        items = list(items)
        emit = container_emitter(ctx, self)
        emit(IterationStartedEvent, total=len(items))
        work_pool = ctx.pool.copy()
        lock = threading.Lock()

        def one_round(index: int) -> tuple[Any, SubgraphOutcome]:
            with lock:
                round_pool = work_pool.copy()
            round_pool.add((self.id, "item"), items[index])
            round_pool.add((self.id, "index"), index)
            emit(IterationNextEvent, index=index)
            outcome = run_round(ctx, round_pool, index)
            if outcome.status == "succeeded":
                with lock:  # conversation writes of earlier rounds are seen by later ones
                    for selector, value in conversation_writes(work_pool, round_pool):
                        work_pool.add(selector, value)
            value = round_pool.get(data.output_selector) if data.output_selector else None
            return value, outcome

        if data.is_parallel and len(items) > 1:
            with ThreadPoolExecutor(
                min(data.parallel_nums, len(items)), thread_name_prefix=f"iter-{self.id}"
            ) as ex:
                results = list(ex.map(one_round, range(len(items))))
        else:
            results = []
            for i in range(len(items)):
                results.append(one_round(i))
                if results[-1][1].status != "succeeded" and data.error_handle_mode == "terminated":
                    break

        outputs: list[Any] = []
        for value, outcome in results:
            if outcome.status == "succeeded":
                outputs.append(value)
            elif data.error_handle_mode == "terminated":
                emit(IterationFinishedEvent, rounds=len(results), error=outcome.error)
                raise NodeError(outcome.error, outcome.error_type or "IterationNodeError")
            elif data.error_handle_mode == "continue-on-error":
                outputs.append(None)
        if data.flatten_output and outputs and all(isinstance(v, list) for v in outputs):
            outputs = [item for v in outputs for item in v]
        emit(IterationFinishedEvent, rounds=len(results))
        return NodeResult(
            inputs={"iterator_selector": items},
            outputs={"output": outputs},
            metadata={
                "iteration_rounds": len(results),
                "iteration_failed_rounds": sum(1 for _, o in results if o.status != "succeeded"),
            },
            variable_writes=conversation_writes(ctx.pool, work_pool),
        )
