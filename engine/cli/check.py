"""``flowdeck check WORKFLOW``: what the workflow needs from outside, and whether it is there.

Lists every model (llm, question-classifier, parameter-extractor), tool and
retriever the workflow's nodes use, with its status.  Exit code 0 when all
are available, 1 when something is missing, 2 when the file does not load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.cli import app

if TYPE_CHECKING:
    from engine.graph import Workflow
    from engine.nodes.services import Services

MODEL_NODE_TYPES = frozenset({"llm", "question-classifier", "parameter-extractor"})
RETRIEVAL_NODE_TYPES = frozenset({"knowledge-retrieval", "knowledge-retrieval-v2"})


@dataclass(slots=True)
class Requirement:
    kind: str  # model | tool | retriever
    name: str
    available: bool
    detail: str
    nodes: list[str] = field(default_factory=list)


def workflow_requirements(workflow: Workflow, services: Services) -> list[Requirement]:
    """Every model, tool and retriever ``workflow`` needs, one entry per distinct need."""
    from engine.nodes.tool import ToolNodeData, find_tool

    found: dict[tuple[str, str], Requirement] = {}

    def add(kind: str, name: str, node_id: str, status: tuple[bool, str]) -> None:
        req = found.setdefault((kind, name), Requirement(kind, name, status[0], status[1]))
        req.nodes.append(node_id)

    for node_id, spec in workflow.all_nodes().items():
        data = spec.data
        if spec.type in MODEL_NODE_TYPES:
            model = data.model  # type: ignore[attr-defined]
            registry = services.get("llm_providers")
            add("model", f"{model.provider or '<empty>'}/{model.name or '<empty>'}", node_id,
                registry.describe(model.provider, model.name))  # fmt: skip
        elif spec.type == "tool" and isinstance(data, ToolNodeData):
            tools = services.get("tools")
            tool = find_tool(tools, data)
            detail = f"provided by {tool.provider}/{tool.name}" if tool else "not registered"
            add("tool", f"{data.provider_label}/{data.tool_name}", node_id, (tool is not None, detail))
        elif spec.type in RETRIEVAL_NODE_TYPES:
            retrievers = services.get("retrievers")
            datasets = list(data.datasets)  # type: ignore[attr-defined]
            entry = retrievers.resolve(datasets)
            detail = f"served by {entry.name!r}" if entry else "no retriever configured"
            add("retriever", ", ".join(datasets) or "<any dataset>", node_id, (entry is not None, detail))
    return sorted(found.values(), key=lambda r: (r.kind, r.name))


@app.command()
def check(
    workflow: Annotated[Path, typer.Argument(help="A Dify DSL file (YAML).")],
) -> None:
    """List the models, tools and retrievers WORKFLOW needs and whether each is available."""
    from pydantic import ValidationError

    from engine.dsl import load_workflow
    from engine.errors import DslError
    from engine.nodes.services import Services

    try:
        loaded = load_workflow(workflow)
    except DslError as exc:
        typer.echo(f"cannot load workflow: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        services = Services()
    except ValidationError as exc:
        typer.echo(f"invalid Flowdeck settings: {exc}", err=True)
        raise typer.Exit(2) from None
    requirements = workflow_requirements(loaded, services)
    console = Console()
    if not requirements:
        console.print(Text(f"{loaded.name}: needs no models, tools or retrievers"))
        raise typer.Exit(0)
    table = Table(title=Text(f"{loaded.name}: external requirements"))
    for column in ("kind", "name", "status", "nodes", "detail"):
        table.add_column(column, overflow="fold")
    for req in requirements:
        status = "[green]available[/green]" if req.available else "[red]missing[/red]"
        table.add_row(Text(req.kind), Text(req.name), status, Text(", ".join(req.nodes)), Text(req.detail))
    console.print(table)
    for registry_name in ("tools", "retrievers"):
        errors = getattr(services.get(registry_name), "load_errors", [])
        for message in errors:
            typer.echo(f"warning: a {registry_name} entry point failed to load: {message}", err=True)
    missing = [r for r in requirements if not r.available]
    if missing:
        typer.echo(f"{len(missing)} of {len(requirements)} requirement(s) missing", err=True)
        raise typer.Exit(1)
