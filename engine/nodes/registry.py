"""Which class runs which Dify node type."""

from __future__ import annotations

import importlib

from engine.nodes.base import Node

# node type -> "module:Class"; imported lazily so a missing optional piece
# only affects workflows that use it.
_NODE_CLASSES: dict[str, str] = {
    "start": "engine.nodes.start:StartNode",
    "end": "engine.nodes.end:EndNode",
    "answer": "engine.nodes.answer:AnswerNode",
    "template-transform": "engine.nodes.template_transform:TemplateTransformNode",
    "if-else": "engine.nodes.if_else:IfElseNode",
    "variable-aggregator": "engine.nodes.variable_aggregator:VariableAggregatorNode",
    "variable-assigner": "engine.nodes.variable_aggregator:VariableAggregatorNode",
    "assigner": "engine.nodes.assigner:AssignerNode",
    "code": "engine.nodes.code:CodeNode",
    "iteration": "engine.nodes.iteration:IterationNode",
    "iteration-start": "engine.nodes.container_start:ContainerStartNode",
    "loop": "engine.nodes.loop:LoopNode",
    "loop-start": "engine.nodes.container_start:ContainerStartNode",
    "loop-end": "engine.nodes.container_start:LoopEndNode",
    "http-request": "engine.nodes.http_request:HttpRequestNode",
    "llm": "engine.nodes.llm:LLMNode",
    "question-classifier": "engine.nodes.question_classifier:QuestionClassifierNode",
    "parameter-extractor": "engine.nodes.parameter_extractor:ParameterExtractorNode",
    "tool": "engine.nodes.tool:ToolNode",
    "knowledge-retrieval": "engine.nodes.knowledge_retrieval:KnowledgeRetrievalNode",
    "knowledge-retrieval-v2": "engine.nodes.knowledge_retrieval:KnowledgeRetrievalNode",
    "list-operator": "engine.nodes.list_operator:ListOperatorNode",
    "document-extractor": "engine.nodes.document_extractor:DocumentExtractorNode",
}

_cache: dict[str, type[Node]] = {}


def known_types() -> list[str]:
    return sorted(_NODE_CLASSES)


def node_class(node_type: str) -> type[Node] | None:
    """The class for ``node_type``, or ``None`` when Flowdeck has none."""
    cls = _cache.get(node_type)
    if cls is not None:
        return cls
    target = _NODE_CLASSES.get(node_type)
    if target is None:
        return None
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    cls = getattr(module, class_name)
    _cache[node_type] = cls
    return cls
