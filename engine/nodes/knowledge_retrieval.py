"""knowledge-retrieval and knowledge-retrieval-v2: ask a retriever, output ``result``.

The retriever comes from the ``retrievers`` service (:mod:`engine.retrieval`),
chosen by the node's dataset ids (v1 ``dataset_ids``, v2
``control_space_ids``).  With none configured the node fails with a clear
message.  Dify's reranking and model-based routing are not reproduced: the
retriever ranks.  ``top_k`` comes from ``multiple_retrieval_config`` (v1) or
``top_n`` (v2); metadata filters are passed to the retriever as given.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import FlowdeckError, NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import NoneAsEmptyDict, NoneAsEmptyStrList, none_as
from engine.retrieval import NO_RETRIEVER_HINT, RetrievalQuery, RetrieverRegistry, normalise_document
from engine.variables import Selector, as_selector, to_text


class MultipleRetrievalConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    top_k: Annotated[int, none_as(4)] = Field(default=4, ge=1, le=100)
    score_threshold: float | None = Field(default=None, ge=0)


class KnowledgeRetrievalNodeData(BaseNodeData):
    query_variable_selector: NoneAsEmptyStrList = Field(min_length=1)
    dataset_ids: NoneAsEmptyStrList = Field(default_factory=list)
    control_space_ids: NoneAsEmptyStrList = Field(default_factory=list)
    retrieval_mode: Literal["single", "multiple"] = "multiple"
    multiple_retrieval_config: MultipleRetrievalConfig | None = None
    top_n: int | None = Field(default=None, ge=1, le=100)
    metadata_filters: NoneAsEmptyDict = Field(default_factory=dict)

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
