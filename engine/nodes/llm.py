"""llm: render the prompt, call the configured model, stream its text.

The model comes from Flowdeck's settings by ``model.provider`` and
``model.name`` (see :mod:`engine.providers`); an unconfigured model fails the
node at run time with a message saying what to add.  Chat prompts become one
message each (empty ones are dropped), then the memory history and the
chatflow query; a completion prompt becomes one user message.  ``vision`` and
``structured_output`` are accepted and ignored.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import LooseStrList, NoneAsDefaults, NoneAsEmptyStr, falsy_as, none_as
from engine.providers.invoke import provider_for
from engine.providers.model_config import MemoryConfig, ModelConfig, VariableMapping
from engine.providers.prompting import (
    CONTEXT_PLACEHOLDER,
    HISTORIES_PLACEHOLDER,
    context_text,
    histories_text,
    load_history,
    query_text,
    render_basic,
    render_jinja2,
)
from engine.providers.protocol import Message, complete
from engine.variables import Selector, as_selector, template_selectors

EditionType = Annotated[Literal["basic", "jinja2"], falsy_as("basic")]


class PromptMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant"] = "user"
    text: NoneAsEmptyStr = ""
    edition_type: EditionType = "basic"
    jinja2_text: str | None = None


class CompletionPrompt(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = ""
    edition_type: EditionType = "basic"
    jinja2_text: str | None = None


class ContextConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    enabled: bool = False
    variable_selector: LooseStrList = Field(default_factory=list)


class PromptConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    jinja2_variables: Annotated[list[VariableMapping], falsy_as([])] = Field(default_factory=list)


PromptTemplate = Annotated[list[PromptMessage] | CompletionPrompt, none_as([])]


class LLMNodeData(BaseNodeData):
    model: ModelConfig
    prompt_template: PromptTemplate = Field(default_factory=list)
    prompt_config: NoneAsDefaults[PromptConfig] = Field(default_factory=PromptConfig)
    context: NoneAsDefaults[ContextConfig] = Field(default_factory=ContextConfig)
    memory: MemoryConfig | None = None


def _texts(item: PromptMessage | CompletionPrompt) -> str:
    return (item.jinja2_text or "") if item.edition_type == "jinja2" else item.text


class LLMNode(Node):
    type: ClassVar[str] = "llm"
    data_model: ClassVar[type[BaseNodeData]] = LLMNodeData
    streamable_outputs: ClassVar[frozenset[str]] = frozenset({"text"})
    data: LLMNodeData

    def _items(self) -> list[PromptMessage | CompletionPrompt]:
        template = self.data.prompt_template
        return list(template) if isinstance(template, list) else [template]

    def selectors(self) -> list[Selector]:
        found: list[Selector] = []
        for item in self._items():
            if item.edition_type == "basic":
                found.extend(template_selectors(item.text))
        if any(item.edition_type == "jinja2" for item in self._items()):
            found.extend(v.selector for v in self.data.prompt_config.jinja2_variables if v.value_selector)
        if self.data.context.enabled and self.data.context.variable_selector:
            found.append(as_selector(self.data.context.variable_selector))
        return found

    def build_messages(self, ctx: NodeContext) -> list[Message]:
        pool = ctx.pool
        data = self.data
        specials: dict[str, str] = {}
        if data.context.enabled and data.context.variable_selector:
            specials[CONTEXT_PLACEHOLDER] = context_text(
                pool.get(as_selector(data.context.variable_selector))
            )
        else:
            specials[CONTEXT_PLACEHOLDER] = ""
        history = load_history(ctx, data.memory)
        jinja_vars = data.prompt_config.jinja2_variables

        def render(item: PromptMessage | CompletionPrompt) -> str:
            if item.edition_type == "jinja2":
                return render_jinja2(_texts(item), pool, jinja_vars)
            return render_basic(pool, item.text, specials)

        template = data.prompt_template
        if isinstance(template, CompletionPrompt):
            specials[HISTORIES_PLACEHOLDER] = histories_text(history, data.memory)
            return [Message("user", render(template))]
        messages = [Message(item.role, render(item)) for item in template]
        messages = [m for m in messages if m.content]
        messages.extend(history)
        query = query_text(pool, data.memory)
        if query:
            messages.append(Message("user", query))
        return messages

    def run(self, ctx: NodeContext) -> NodeResult:
        llm = provider_for(ctx, self.data.model)
        messages = self.build_messages(ctx)
        result = complete(
            llm,
            messages,
            self.data.model.completion_params,
            ctx.cancel,
            on_text=lambda chunk: ctx.stream("text", chunk),
        )
        usage = result.usage.to_dict()
        return NodeResult(
            inputs={"model": f"{self.data.model.provider}/{self.data.model.name}"},
            process_data={
                "model_mode": self.data.model.mode,
                "prompts": [m.to_dict() for m in messages],
                "usage": usage,
                "finish_reason": result.finish_reason,
            },
            outputs={"text": result.text, "usage": usage, "finish_reason": result.finish_reason},
            total_tokens=result.usage.total_tokens,
            metadata={"total_tokens": result.usage.total_tokens},
        )
