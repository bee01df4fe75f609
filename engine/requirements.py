"""What a workflow needs from outside (models, tools, retrievers) and whether each is there.

``flowdeck check`` prints it; anything else may ask the same question.  The node
families' registries (LLM providers, tools, retrievers) answer it, built from the
settings the way a run builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.graph import Workflow
    from engine.nodes.services import Services
    from engine.settings import Settings

MODEL_NODE_TYPES = frozenset({"llm", "question-classifier", "parameter-extractor"})
RETRIEVAL_NODE_TYPES = frozenset({"knowledge-retrieval", "knowledge-retrieval-v2"})


@dataclass(slots=True)
class Requirement:
    kind: str  # model | tool | retriever
    name: str
    available: bool
    detail: str
    nodes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RequirementReport:
    """Every distinct need of a workflow, and the registry entries that failed to load on the way."""

    requirements: list[Requirement]
    load_errors: dict[str, list[str]]  # registry (tools, retrievers) -> messages

    @property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.available]


def check_requirements(workflow: Workflow, settings: Settings | None = None) -> RequirementReport:
    """What ``workflow`` needs, checked against the registries of ``settings`` (default: Settings()).

    Invalid settings raise pydantic's ``ValidationError``.
    """
    from engine.nodes.services import Services

    services = Services(settings)
    requirements = workflow_requirements(workflow, services)
    load_errors: dict[str, list[str]] = {}
    if requirements:  # only then: building a registry loads its plugins
        for name in ("tools", "retrievers"):
            load_errors[name] = list(getattr(services.get(name), "load_errors", []) or [])
    return RequirementReport(requirements, load_errors)


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
