"""Small graph builders for scheduler tests (Dify's bare ``{nodes, edges}`` form)."""

from __future__ import annotations

from typing import Any


def start(node_id: str = "start", *names: str) -> dict[str, Any]:
    variables = [{"variable": n, "type": "text-input"} for n in (names or ("x",))]
    return {"id": node_id, "data": {"type": "start", "title": "Start", "variables": variables}}


def copy(node_id: str, source: tuple[str, str], **extra: Any) -> dict[str, Any]:
    data = {
        "type": "variable-aggregator",
        "title": node_id,
        "output_type": "string",
        "variables": [list(source)],
        **extra,
    }
    return {"id": node_id, "data": data}


def template(node_id: str, text: str, **variables: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": node_id,
        "data": {
            "type": "template-transform",
            "title": node_id,
            "template": text,
            "variables": [{"variable": k, "value_selector": list(v)} for k, v in variables.items()],
        },
    }


def end(node_id: str = "end", **outputs: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": node_id,
        "data": {
            "type": "end",
            "title": node_id,
            "outputs": [{"variable": k, "value_selector": list(v)} for k, v in outputs.items()],
        },
    }


def if_else(node_id: str, selector: tuple[str, str], operator: str, value: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "data": {
            "type": "if-else",
            "title": node_id,
            "cases": [
                {
                    "case_id": "true",
                    "logical_operator": "and",
                    "conditions": [
                        {"variable_selector": list(selector), "comparison_operator": operator, "value": value}
                    ],
                }
            ],
        },
    }


def edge(source: str, target: str, handle: str = "source") -> dict[str, Any]:
    return {"id": f"{source}-{handle}-{target}", "source": source, "target": target, "sourceHandle": handle}


def graph(nodes: list[dict[str, Any]], edges: list[tuple[str, ...]]) -> dict[str, Any]:
    return {"nodes": nodes, "edges": [edge(*e) for e in edges]}


def chain(length: int) -> dict[str, Any]:
    nodes = [start()]
    edges: list[tuple[str, ...]] = []
    previous = ("start", "x")
    for i in range(length):
        nodes.append(copy(f"n{i}", previous))
        edges.append((previous[0], f"n{i}"))
        previous = (f"n{i}", "output")
    nodes.append(end(out=previous))
    edges.append((previous[0], "end"))
    return graph(nodes, edges)


def fan(width: int) -> dict[str, Any]:
    """start -> ``width`` parallel copies -> an end reading all of them."""
    nodes = [start()]
    edges: list[tuple[str, ...]] = []
    outputs = {}
    for i in range(width):
        nodes.append(copy(f"p{i}", ("start", "x")))
        edges += [("start", f"p{i}"), (f"p{i}", "end")]
        outputs[f"o{i}"] = (f"p{i}", "output")
    nodes.append(end(**outputs))
    return graph(nodes, edges)
