"""The node contract: configuration models, the context a node runs in, its result.

A node is built once per loaded workflow from its validated ``data`` and is
stateless: ``run(ctx)`` may be called from several runs and threads at once.
A node reads variables from ``ctx.pool`` (never writes it), streams text
through ``ctx.stream``, honours ``ctx.cancel``, and either returns a
:class:`NodeResult` or raises (any exception is a failed attempt; raise
:class:`engine.errors.NodeError` to choose the error type).  The scheduler
applies retry and the error strategy.  Containers (iteration, loop) are
descriptions the scheduler drives: their rounds are frames of its dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.nodes.cancel import CancelToken
from engine.variables import Selector, VariablePool

if TYPE_CHECKING:
    from engine.settings import Settings


class RetryConfig(BaseModel):
    """Dify's ``retry_config``; ``retry_enabled`` is the switch (``enabled`` is ignored, as in Dify)."""

    model_config = ConfigDict(extra="ignore")
    retry_enabled: bool = False
    max_retries: int = Field(default=0, ge=0, le=100)
    retry_interval: int = Field(default=0, ge=0, le=600_000)  # ms

    @property
    def attempts(self) -> int:
        return 1 + (self.max_retries if self.retry_enabled else 0)


class DefaultValue(BaseModel):
    model_config = ConfigDict(extra="ignore")
    key: str
    type: str = "string"
    value: Any = None


ErrorStrategy = Literal["fail-branch", "default-value"]


class BaseNodeData(BaseModel):
    """Fields every node type has; node modules subclass it for their own fields."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    type: str
    title: str = ""
    desc: str | None = ""
    error_strategy: ErrorStrategy | None = None
    default_value: list[DefaultValue] = Field(default_factory=list)
    retry_config: RetryConfig = Field(default_factory=RetryConfig)

    @field_validator("error_strategy", mode="before")
    @classmethod
    def _none_strategy(cls, value: Any) -> Any:
        return None if value in ("none", "", None) else value

    @field_validator("default_value", mode="before")
    @classmethod
    def _null_defaults(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("retry_config", mode="before")
    @classmethod
    def _null_retry(cls, value: Any) -> Any:
        return {} if value is None else value


@dataclass(slots=True)
class NodeResult:
    """What a successful node attempt produced.

    ``edge_handle`` picks the out-edges a branch node takes (``source`` for
    every other node).  ``variable_writes`` are applied to the pool by the
    dispatcher (assigners, containers writing back).
    """

    outputs: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] = field(default_factory=dict)
    edge_handle: str = "source"
    total_tokens: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    variable_writes: list[tuple[Selector, Any]] = field(default_factory=list)


class RunServices(Protocol):
    """What the outside world offers nodes (providers, tools, retrievers, settings)."""

    settings: Settings

    def get(self, name: str) -> Any:
        """A named service (``llm_providers``, ``tools``, ``retrievers``...), or None."""
        ...


@dataclass(slots=True)
class NodeContext:
    """Everything one attempt of one node may use."""

    run_id: str
    node_id: str
    execution_id: str
    attempt: int
    pool: VariablePool
    cancel: CancelToken
    services: RunServices
    stream: Callable[[str, str], None]  # (output name, text chunk)


class Node:
    """Base class of every node type."""

    type: ClassVar[str] = ""
    data_model: ClassVar[type[BaseNodeData]] = BaseNodeData
    #: a branch node chooses its out-edges by handle (if-else, classifier)
    is_branch: ClassVar[bool] = False
    #: output names that may be streamed chunk by chunk (``text`` for LLMs)
    streamable_outputs: ClassVar[frozenset[str]] = frozenset()
    #: cheap, pure and never blocking: the dispatcher may run it inline
    inline: ClassVar[bool] = False

    def __init__(self, node_id: str, data: BaseNodeData) -> None:
        self.id = node_id
        self.data = data

    @property
    def title(self) -> str:
        return self.data.title or self.id

    def selectors(self) -> list[Selector]:
        """Every variable this node reads (for load-time validation and the console)."""
        return []

    def handles(self) -> list[str] | None:
        """For branch nodes: the handles it may choose (``None`` = not checked)."""
        return None

    def run(self, ctx: NodeContext) -> NodeResult:
        raise NotImplementedError

    def default_outputs(self) -> dict[str, Any]:
        """Outputs under the ``default-value`` strategy (before error fields are added)."""
        return {d.key: d.value for d in self.data.default_value}
