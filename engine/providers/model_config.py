"""DSL pieces shared by the model nodes (llm, question-classifier, parameter-extractor)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.variables import Selector, as_selector


def _none_to_empty(value: Any, empty: Any) -> Any:
    return empty if value is None else value


class ModelConfig(BaseModel):
    """``model``: which model (looked up in Flowdeck's settings) and its parameters."""

    model_config = ConfigDict(extra="ignore")
    provider: str = ""
    name: str = ""
    mode: Literal["chat", "completion"] = "chat"
    completion_params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("provider", "name", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _none_to_empty(value, "")

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        return _none_to_empty(value, "chat")

    @field_validator("completion_params", mode="before")
    @classmethod
    def _params(cls, value: Any) -> Any:
        return _none_to_empty(value, {})


class MemoryWindow(BaseModel):
    model_config = ConfigDict(extra="ignore")
    enabled: bool = False
    size: int = Field(default=50, ge=1, le=1000)

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, value: Any) -> Any:
        return _none_to_empty(value, 50)


class RolePrefix(BaseModel):
    model_config = ConfigDict(extra="ignore")
    user: str = ""
    assistant: str = ""


class MemoryConfig(BaseModel):
    """``memory`` (chatflows): conversation history, optionally windowed, plus the query prompt."""

    model_config = ConfigDict(extra="ignore")
    window: MemoryWindow = Field(default_factory=MemoryWindow)
    query_prompt_template: str | None = None
    role_prefix: RolePrefix | None = None

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        return _none_to_empty(value, {})


class VariableMapping(BaseModel):
    """``{variable, value_selector}`` pairs (jinja2 prompt variables)."""

    model_config = ConfigDict(extra="ignore")
    variable: str
    value_selector: list[str] = Field(default_factory=list)

    @field_validator("value_selector", mode="before")
    @classmethod
    def _selector(cls, value: Any) -> Any:
        return [str(v) for v in _none_to_empty(value, [])]

    @property
    def selector(self) -> Selector:
        return as_selector(self.value_selector)


def history_limit(memory: MemoryConfig | None) -> int | None:
    """How many history messages to use: a window of N turns is 2N messages."""
    if memory is None or not memory.window.enabled:
        return None
    return memory.window.size * 2
