"""An OpenAI-compatible chat-completions provider (streaming, over httpx).

``POST {base_url}/chat/completions`` with ``stream: true`` and
``stream_options.include_usage``; the server-sent events are parsed line by
line.  The API key goes in ``Authorization: Bearer``.  Cancel closes the
connection at once (see :mod:`engine.providers.interruptible`).
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from engine.errors import NodeConfigError, NodeError
from engine.nodes.cancel import CancelToken
from engine.providers.interruptible import iterate_interruptibly
from engine.providers.protocol import Chunk, Message, Usage
from engine.settings import ModelSettings

#: completion_params passed through to the server; Dify-only keys are dropped
PASSED_PARAMS = frozenset(
    {"temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty", "stop", "seed", "n"}
)


def request_body(model: ModelSettings, messages: list[Message], params: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {k: v for k, v in params.items() if k in PASSED_PARAMS and v is not None}
    response_format = params.get("response_format")
    if isinstance(response_format, str) and response_format:
        body["response_format"] = {"type": response_format}
    body.update(
        model=model.model or model.name,
        messages=[m.to_dict() for m in messages],
        stream=True,
        stream_options={"include_usage": True},
    )
    return body


def parse_event(payload: str) -> Chunk | None:
    """One ``data:`` payload -> a chunk (``None`` for ``[DONE]`` or an empty event)."""
    if payload == "[DONE]":
        return None
    try:
        event = json.loads(payload)
    except json.JSONDecodeError:
        raise NodeError(
            f"model server sent a malformed event: {payload[:200]!r}", "ModelServerError"
        ) from None
    if not isinstance(event, dict):
        return None
    if event.get("error"):
        error = event["error"]
        message = error.get("message") if isinstance(error, dict) else str(error)
        raise NodeError(f"model server error: {message}", "ModelServerError")
    text = ""
    finish_reason = None
    choices = event.get("choices") or []
    if choices:
        choice = choices[0]
        delta = choice.get("delta") or choice.get("message") or {}
        text = delta.get("content") or choice.get("text") or ""
        finish_reason = choice.get("finish_reason")
    usage = None
    raw_usage = event.get("usage")
    if isinstance(raw_usage, dict):
        prompt = int(raw_usage.get("prompt_tokens") or 0)
        completion = int(raw_usage.get("completion_tokens") or 0)
        usage = Usage(prompt, completion, int(raw_usage.get("total_tokens") or prompt + completion))
    if not text and not finish_reason and usage is None:
        return None
    return Chunk(text=text, finish_reason=finish_reason, usage=usage)


class OpenAICompatibleProvider:
    def __init__(self, model: ModelSettings) -> None:
        if not model.base_url:
            raise NodeConfigError(
                f"model {model.provider}/{model.name} has no base_url: set base_url in its [[models]] entry"
            )
        self.model = model
        self.url = model.base_url.rstrip("/") + "/chat/completions"

    def stream_chat(
        self, messages: list[Message], params: Mapping[str, Any], cancel: CancelToken
    ) -> Iterator[Chunk]:
        headers = {"Accept": "text/event-stream"}
        if self.model.api_key:
            headers["Authorization"] = f"Bearer {self.model.api_key}"
        body = request_body(self.model, messages, params)
        timeout = httpx.Timeout(self.model.timeout_s, connect=min(10.0, self.model.timeout_s))
        client = httpx.Client(timeout=timeout)
        current: dict[str, httpx.Response] = {}

        def lines() -> Iterator[str]:
            try:
                with client.stream("POST", self.url, json=body, headers=headers) as response:
                    current["response"] = response
                    if response.status_code >= 400:
                        detail = response.read().decode("utf-8", "replace")[:500]
                        raise NodeError(
                            f"model server {self.url} returned HTTP {response.status_code}: {detail}",
                            "ModelServerError",
                        )
                    yield from response.iter_lines()
            except httpx.TransportError as exc:
                raise NodeError(
                    f"cannot reach model server {self.url}: {exc or type(exc).__name__}",
                    "ModelConnectionError",
                ) from exc
            finally:
                client.close()

        def abort() -> None:
            response = current.get("response")
            if response is not None:
                _shutdown_socket(response)
            client.close()

        for line in iterate_interruptibly(lines, cancel, abort, name="flowdeck-llm"):
            if not line.startswith("data:"):
                continue
            chunk = parse_event(line[5:].strip())
            if chunk is not None:
                yield chunk


def _shutdown_socket(response: httpx.Response) -> None:
    """Wake a read blocked on ``response``'s socket (closing alone does not)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
