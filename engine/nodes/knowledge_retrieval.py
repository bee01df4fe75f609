"""knowledge-retrieval and knowledge-retrieval-v2: ask a retriever, output ``result``.

The retriever comes from the ``retrievers`` service (:mod:`engine.retrieval`),
chosen by the node's dataset ids (v1 ``dataset_ids``, v2
``control_space_ids``).  With none configured the node fails with a clear
message.  Dify's reranking and model-based routing are not reproduced: the
retriever ranks.  ``top_k`` comes from ``multiple_retrieval_config`` (v1) or
``top_n`` (v2); metadata filters are passed to the retriever as given.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.errors import FlowdeckError, NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.retrieval import NO_RETRIEVER_HINT, RetrievalQuery, RetrieverRegistry, normalise_document
from engine.variables import Selector, as_selector, to_text


class MultipleRetrievalConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    top_k: int = Field(default=4, ge=1, le=100)
    score_threshold: float | None = Field(default=None, ge=0)

    @field_validator("top_k", mode="before")
    @classmethod
    def _top_k(cls, value: Any) -> Any:
        return 4 if value is None else value


class KnowledgeRetrievalNodeData(BaseNodeData):
    query_variable_selector: list[str] = Field(min_length=1)
    dataset_ids: list[str] = Field(default_factory=list)
    control_space_ids: list[str] = Field(default_factory=list)
    retrieval_mode: Literal["single", "multiple"] = "multiple"
    multiple_retrieval_config: MultipleRetrievalConfig | None = None
    top_n: int | None = Field(default=None, ge=1, le=100)
    metadata_filters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("query_variable_selector", "dataset_ids", "control_space_ids", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else ([] if value is None else value)

    @field_validator("metadata_filters", mode="before")
    @classmethod
    def _filters(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def datasets(self) -> list[str]:
        return [*self.dataset_ids, *self.control_space_ids]

    @property
    def top_k(self) -> int:
        if self.top_n is not None:
            return self.top_n
        if self.multiple_retrieval_config is not None:
            return self.multiple_retrieval_config.top_k
        return 4


class KnowledgeRetrievalNode(Node):
    type: ClassVar[str] = "knowledge-retrieval"
    data_model: ClassVar[type[BaseNodeData]] = KnowledgeRetrievalNodeData
    data: KnowledgeRetrievalNodeData

    def selectors(self) -> list[Selector]:
        return [as_selector(self.data.query_variable_selector)]

    def run(self, ctx: NodeContext) -> NodeResult:
        data = self.data
        query = to_text(ctx.pool.get(as_selector(data.query_variable_selector)))
        registry: RetrieverRegistry | None = ctx.services.get("retrievers")
        entry = registry.resolve(data.datasets) if registry is not None else None
        if entry is None:
            datasets = ", ".join(data.datasets) or "none named"
            raise NodeError(f"{NO_RETRIEVER_HINT} [datasets: {datasets}]", "RetrieverNotConfigured")
        config = data.multiple_retrieval_config
        request = RetrievalQuery(
            query=query,
            dataset_ids=tuple(data.datasets),
            top_k=data.top_k,
            score_threshold=config.score_threshold if config is not None else None,
            filters=dict(data.metadata_filters),
        )
        try:
            documents = [normalise_document(d) for d in entry.retriever.retrieve(request, ctx.cancel)]
        except FlowdeckError:
            raise
        except Exception as exc:
            raise NodeError(f"retriever {entry.name!r} failed: {exc}", "RetrievalError") from exc
        return NodeResult(
            inputs={"query": query},
            process_data={"retriever": entry.name, "datasets": data.datasets, "top_k": data.top_k},
            outputs={"result": documents[: data.top_k]},
        )
