"""Whole-graph checks: cycles, selectors that point nowhere, start-node inputs."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from engine.errors import DslError
from engine.graph import Graph, NodeSpec, StartVariable
from engine.variables import CONVERSATION, ENVIRONMENT, SYSTEM

if TYPE_CHECKING:
    from engine.dsl.document import WorkflowDocument

#: Dify's ``VariableEntityType`` values
INPUT_TYPES = frozenset(
    {
        "text-input",
        "paragraph",
        "select",
        "number",
        "checkbox",
        "file",
        "file-list",
        "json_object",
        "external_data_tool",
    }
)


def check_acyclic(graph: Graph, name: str) -> None:
    """Kahn's algorithm; a cycle names one node on it.  Loops are containers, never back edges."""
    indegree = {node_id: len(edges) for node_id, edges in graph.in_edges.items()}
    queue = deque(n for n, d in indegree.items() if d == 0)
    seen = 0
    while queue:
        node_id = queue.popleft()
        seen += 1
        for edge in graph.out_edges[node_id]:
            indegree[edge.target] -= 1
            if indegree[edge.target] == 0:
                queue.append(edge.target)
    if seen != len(indegree):
        on_cycle = sorted(n for n, d in indegree.items() if d > 0)
        raise DslError(
            f"the graph has a cycle through {', '.join(repr(n) for n in on_cycle[:5])}"
            " (cycles are only allowed as loop containers)",
            kind="cycle",
            source=name,
            node_id=on_cycle[0],
            field="edges",
        )


def check_selectors(specs: dict[str, NodeSpec], doc: WorkflowDocument, name: str) -> None:
    """Every selector a node reads must name a node, ``sys``, a declared ``env`` variable or ``conversation``.

    A node inside an iteration or loop may name its container (``item``,
    ``index``, loop variables): the container is a node like any other.
    """
    env_names = {v.name for v in doc.environment}
    for spec in specs.values():
        try:
            selectors = list(spec.node.selectors())
        except Exception as exc:  # a node that cannot list its selectors has a broken config
            raise DslError(
                f"cannot read the node's variables: {exc}"[:400],
                kind="bad-field",
                source=name,
                node_id=spec.id,
            ) from None
        for selector in selectors:
            _check_selector(selector, specs, env_names, spec.id, name)


def _check_selector(
    selector: Any, specs: dict[str, NodeSpec], env_names: set[str], node_id: str, name: str
) -> None:
    if not selector:
        return  # an unset selector: the node decides whether it needs one
    parts = [str(p) for p in selector]
    dotted = ".".join(parts)
    head = parts[0]
    if len(parts) < 2:
        raise DslError(
            f"selector {dotted!r} needs a node id and a variable name",
            kind="bad-selector",
            source=name,
            node_id=node_id,
        )
    if head in (SYSTEM, CONVERSATION):
        return
    if head == ENVIRONMENT:
        if parts[1] not in env_names:
            raise DslError(
                f"selector {dotted!r} names an environment variable that is not declared",
                kind="bad-selector",
                source=name,
                node_id=node_id,
            )
        return
    if head not in specs:
        raise DslError(
            f"selector {dotted!r} points at no node (no node has id {head!r})",
            kind="bad-selector",
            source=name,
            node_id=node_id,
        )


def check_start_variables(start: NodeSpec, name: str) -> list[StartVariable]:
    """The start node's declared inputs: known types, unique names, sane limits."""
    variables = list(getattr(start.data, "variables", None) or [])
    seen: set[str] = set()
    for index, variable in enumerate(variables):
        where = f"data.variables[{index}]"
        if not variable.variable:
            raise DslError(
                "an input needs a variable name",
                kind="bad-field",
                source=name,
                node_id=start.id,
                field=f"{where}.variable",
            )
        if variable.variable in seen:
            raise DslError(
                f"input {variable.variable!r} is declared twice",
                kind="bad-field",
                source=name,
                node_id=start.id,
                field=f"{where}.variable",
            )
        seen.add(variable.variable)
        if variable.type not in INPUT_TYPES:
            raise DslError(
                f"input type {variable.type!r} is not one of {sorted(INPUT_TYPES)}",
                kind="bad-field",
                source=name,
                node_id=start.id,
                field=f"{where}.type",
            )
        if variable.max_length is not None and variable.max_length < 0:
            raise DslError(
                f"max_length must not be negative (got {variable.max_length})",
                kind="bad-field",
                source=name,
                node_id=start.id,
                field=f"{where}.max_length",
            )
    return variables
