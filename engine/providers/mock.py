"""A deterministic provider: no network, streams its reply word by word.

The reply is ``reply`` (text, or a function of the messages); by default it
echoes the last user message.  Usage counts words: prompt words, reply words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from engine.nodes.cancel import CancelToken
from engine.providers.protocol import Chunk, Message, Usage, count_tokens

Reply = str | Callable[[list[Message]], str]

_WORDS = re.compile(r"\s*\S+\s*|\s+")


def split_words(text: str) -> list[str]:
    """``text`` cut into word chunks whose concatenation is ``text``."""
    return _WORDS.findall(text)


class MockProvider:
    def __init__(self, reply: Reply | None = None, *, delay_s: float = 0.0) -> None:
        self._reply = reply
        self._delay_s = delay_s

    def reply_for(self, messages: list[Message]) -> str:
        if callable(self._reply):
            return self._reply(messages)
        if self._reply is not None:
            return self._reply
        users = [m.content for m in messages if m.role == "user"]
        return users[-1] if users else "mock reply"

    def stream_chat(
        self, messages: list[Message], params: Mapping[str, Any], cancel: CancelToken
    ) -> Iterator[Chunk]:
        text = self.reply_for(messages)
        for word in split_words(text):
            if self._delay_s:
                cancel.sleep(self._delay_s)
            cancel.raise_if_cancelled()
            yield Chunk(text=word)
        prompt = sum(count_tokens(m.content) for m in messages)
        completion = count_tokens(text)
        yield Chunk(finish_reason="stop", usage=Usage(prompt, completion, prompt + completion))
