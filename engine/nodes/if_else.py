"""if-else: take the handle of the first case whose conditions hold, else ``false``.

As graphon 0.8 ``nodes/if_else``: cases are tried in order; a case's
conditions are joined by its ``and``/``or`` (short-circuit); the legacy
single-case form (top-level ``logical_operator`` + ``conditions``) is case
``true``.  A comparison that cannot be made (missing variable, wrong type)
fails the node.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.conditions import Condition, LogicalOperator, evaluate_conditions
from engine.nodes.fields import NoneAsEmptyList
from engine.variables import Selector, as_selector, template_selectors

FALSE_HANDLE = "false"
LEGACY_CASE_ID = "true"


class Case(BaseModel):
    model_config = ConfigDict(extra="allow")
    case_id: str = Field(min_length=1)
    logical_operator: LogicalOperator = "and"
    conditions: NoneAsEmptyList[Condition] = Field(default_factory=list)


class IfElseNodeData(BaseNodeData):
    logical_operator: LogicalOperator | None = "and"
    conditions: list[Condition] | None = None  # legacy single-case form
    cases: list[Case] | None = None

    def iter_cases(self) -> list[Case]:
        if self.cases is not None:
            return self.cases
        return [
            Case(
                case_id=LEGACY_CASE_ID,
                logical_operator=self.logical_operator or "and",
                conditions=self.conditions or [],
            )
        ]


class IfElseNode(Node):
    type: ClassVar[str] = "if-else"
    data_model: ClassVar[type[BaseNodeData]] = IfElseNodeData
    is_branch: ClassVar[bool] = True
    inline: ClassVar[bool] = True
    data: IfElseNodeData

    def __init__(self, node_id: str, data: BaseNodeData) -> None:
        super().__init__(node_id, data)
        self._cases = self.data.iter_cases()
        self._legacy = self.data.cases is None
        self._groups = ["default" if self._legacy else case.model_dump(mode="json") for case in self._cases]

    def selectors(self) -> list[Selector]:
        found: list[Selector] = []
        for case in self._cases:
            for condition in case.conditions:
                found.append(as_selector(condition.variable_selector))
                if isinstance(condition.value, str):
                    found.extend(template_selectors(condition.value))
        return found

    def handles(self) -> list[str]:
        return [*(case.case_id for case in self._cases), FALSE_HANDLE]

    def run(self, ctx: NodeContext) -> NodeResult:
        results: list[dict[str, Any]] = []
        inputs: list[dict[str, Any]] = []
        selected = FALSE_HANDLE
        matched = False
        try:
            for case, group in zip(self._cases, self._groups, strict=True):
                check = evaluate_conditions(ctx.pool, case.conditions, case.logical_operator)
                inputs = check.inputs
                results.append(
                    {"group": group, "results": check.group_results, "final_result": check.final_result}
                )
                if check.final_result:
                    matched = True
                    selected = LEGACY_CASE_ID if self._legacy else case.case_id
                    break
        except (TypeError, ValueError) as exc:
            raise NodeError(str(exc), error_type=type(exc).__name__) from exc
        return NodeResult(
            inputs={"conditions": inputs},
            process_data={"condition_results": results},
            outputs={"result": matched, "selected_case_id": selected},
            edge_handle=selected,
        )
