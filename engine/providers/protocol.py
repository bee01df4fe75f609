"""The model-provider seam: chat messages in, text chunks (and a final usage) out.

A provider streams a reply as :class:`Chunk` objects.  Text chunks carry
``text``; the last chunk carries ``finish_reason`` and ``usage`` (a chunk may
carry both text and usage).  Providers honour the cancel token: on cancel they
close their connection and raise :class:`engine.errors.NodeCancelled`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from engine.nodes.cancel import CancelToken

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True, slots=True)
class Chunk:
    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None


class LLMProvider(Protocol):
    """One configured model.  ``params`` are the DSL's ``completion_params``."""

    def stream_chat(
        self, messages: list[Message], params: Mapping[str, Any], cancel: CancelToken
    ) -> Iterator[Chunk]: ...


@dataclass(slots=True)
class Completion:
    """A whole reply, gathered from a provider's chunks."""

    text: str = ""
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)


def complete(
    provider: LLMProvider,
    messages: list[Message],
    params: Mapping[str, Any],
    cancel: CancelToken,
    on_text: Callable[[str], None] | None = None,
) -> Completion:
    """Run ``provider`` to the end, calling ``on_text`` per text chunk."""
    parts: list[str] = []
    finish_reason: str | None = None
    usage: Usage | None = None
    for chunk in provider.stream_chat(messages, params, cancel):
        cancel.raise_if_cancelled()
        if chunk.text:
            parts.append(chunk.text)
            if on_text is not None:
                on_text(chunk.text)
        if chunk.finish_reason:
            finish_reason = chunk.finish_reason
        if chunk.usage is not None:
            usage = chunk.usage
    text = "".join(parts)
    if usage is None:  # a server that reports nothing: estimate by words
        prompt = sum(count_tokens(m.content) for m in messages)
        completion = count_tokens(text)
        usage = Usage(prompt, completion, prompt + completion)
    return Completion(text=text, finish_reason=finish_reason or "stop", usage=usage)


def count_tokens(text: str) -> int:
    """A rough token count (whitespace-separated words) for providers that report none."""
    return len(text.split())
