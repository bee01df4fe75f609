"""iteration: run the body once per item of an array, sequentially or in parallel.

A description the scheduler drives (scheduler.containers): each round is a
frame of the dispatcher on its own copy of the pool with ``[iteration, item]``
and ``[iteration, index]``; the round's ``output_selector`` value is collected
in item order (also in parallel mode, ``parallel_nums`` rounds in flight).
Error modes: ``terminated`` (the first failed round fails the node; in
sequential mode no later round starts), ``continue-on-error`` (its output is
null), ``remove-abnormal-output`` (it is left out); as in Dify, a tolerated
failed round counts as an exception of the run, so the run ends
``partial-succeeded``.  Conversation variables written inside are visible
after the iteration (and to later rounds).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from engine.errors import NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.container_support import CONTAINER_NOT_RUNNABLE, RoundResult
from engine.nodes.fields import NoneAsEmptyStrList, none_as
from engine.variables import MISSING, Selector, VariablePool, as_selector

NoneAsFalse = Annotated[bool, none_as(False)]
ErrorMode = Literal["terminated", "continue-on-error", "remove-abnormal-output"]
TOLERANT_MODES = frozenset({"continue-on-error", "remove-abnormal-output"})


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
        raise NodeError(CONTAINER_NOT_RUNNABLE, "ContainerError")

    # ---------------------------------------------------- what the scheduler asks
    def items(self, pool: VariablePool) -> list[Any]:
        """The array to iterate (raises NodeError when it is missing or not an array)."""
        selector = self.data.iterator_selector
        items = pool.lookup(selector)
        if items is MISSING or items is None:
            raise NodeError(f"iterator variable {'.'.join(selector)} not found", "IteratorVariableNotFound")
        if not isinstance(items, list | tuple):
            raise NodeError(
                f"iterator variable {'.'.join(selector)} is a {type(items).__name__}, not an array",
                "InvalidIteratorValue",
            )
        return list(items)

    def parallelism(self, count: int) -> int:
        """Rounds in flight at once."""
        return min(self.data.parallel_nums, count) if self.data.is_parallel and count > 1 else 1

    @property
    def tolerant(self) -> bool:
        """A failed round is tolerated (and counted as an exception of the run)."""
        return self.data.error_handle_mode in TOLERANT_MODES

    def round_variables(self, index: int, item: Any) -> list[tuple[Selector, Any]]:
        return [((self.id, "item"), item), ((self.id, "index"), index)]

    def round_value(self, pool: VariablePool) -> Any:
        return pool.get(self.data.output_selector) if self.data.output_selector else None

    def halts_after(self, result: RoundResult) -> bool:
        """No further round starts after this one (sequential ``terminated`` mode, failed round)."""
        return (
            not result.succeeded and not self.data.is_parallel and self.data.error_handle_mode == "terminated"
        )

    def first_failure(self, results: list[RoundResult]) -> RoundResult | None:
        """In ``terminated`` mode: the first failed round in item order (it fails the node)."""
        if self.data.error_handle_mode != "terminated":
            return None
        return next((r for r in results if not r.succeeded), None)

    def outputs(self, results: list[RoundResult]) -> list[Any]:
        """The collected values in item order, by error mode, flattened when asked."""
        outputs: list[Any] = []
        for result in results:
            if result.succeeded:
                outputs.append(result.value)
            elif self.data.error_handle_mode == "continue-on-error":
                outputs.append(None)
        if self.data.flatten_output and outputs and all(isinstance(v, list) for v in outputs):
            outputs = [item for v in outputs for item in v]
        return outputs
