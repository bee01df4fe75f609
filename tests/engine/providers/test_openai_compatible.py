"""The OpenAI-compatible provider against a fake server started by the test."""

from __future__ import annotations

import threading
import time

import pytest

from engine.errors import NodeCancelled, NodeConfigError, NodeError
from engine.nodes.cancel import CancelToken
from engine.providers import Message, OpenAICompatibleProvider, Usage, complete
from engine.providers.openai_compatible import parse_event, request_body
from engine.settings import ModelSettings
from tests.engine.providers.fake_openai_server import FakeOpenAIServer

MESSAGES = [Message("system", "Be brief."), Message("user", "Hi")]


def provider(server: FakeOpenAIServer, **extra: object) -> OpenAICompatibleProvider:
    settings = {
        "provider": "openai",
        "name": "gpt-4o",
        "base_url": server.base_url,
        "api_key": "sk-test",
        **extra,
    }
    return OpenAICompatibleProvider(ModelSettings.model_validate(settings))


def test_streams_chunks_and_counts_usage(openai_server: FakeOpenAIServer) -> None:
    seen: list[str] = []
    result = complete(provider(openai_server), MESSAGES, {"temperature": 0.2}, CancelToken(), seen.append)
    assert seen == ["Hello", " from", " fake"]
    assert result.text == "Hello from fake"
    assert result.usage == Usage(7, 3, 10)
    assert result.finish_reason == "stop"


def test_request_carries_key_model_messages_and_stream_options(openai_server: FakeOpenAIServer) -> None:
    params = {"temperature": 0.2, "max_tokens": 50, "dify_only": True, "response_format": "json_object"}
    complete(provider(openai_server, model="served-name"), MESSAGES, params, CancelToken())
    (request,) = openai_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "served-name"
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.2 and body["max_tokens"] == 50
    assert body["response_format"] == {"type": "json_object"}
    assert "dify_only" not in body


def test_no_api_key_sends_no_authorization(openai_server: FakeOpenAIServer) -> None:
    complete(provider(openai_server, api_key=""), MESSAGES, {}, CancelToken())
    assert "Authorization" not in openai_server.requests[0]["headers"]


def test_server_without_usage_gets_an_estimate(openai_server: FakeOpenAIServer) -> None:
    openai_server.behaviour.usage = None
    result = complete(provider(openai_server), MESSAGES, {}, CancelToken())
    assert result.usage.completion_tokens == 3
    assert result.usage.total_tokens == result.usage.prompt_tokens + 3


def test_http_error_status_fails_with_the_servers_message(openai_server: FakeOpenAIServer) -> None:
    openai_server.behaviour.status = 401
    with pytest.raises(NodeError, match=r"returned HTTP 401: .*invalid api key") as info:
        complete(provider(openai_server), MESSAGES, {}, CancelToken())
    assert info.value.error_type == "ModelServerError"


def test_error_event_in_the_stream_fails(openai_server: FakeOpenAIServer) -> None:
    openai_server.behaviour.error_event = "overloaded"
    with pytest.raises(NodeError, match="overloaded"):
        complete(provider(openai_server), MESSAGES, {}, CancelToken())


def test_unreachable_server_is_a_connection_error() -> None:
    llm = OpenAICompatibleProvider(
        ModelSettings(provider="p", name="m", base_url="http://127.0.0.1:9/v1", timeout_s=2)
    )
    with pytest.raises(NodeError, match="cannot reach model server") as info:
        complete(llm, MESSAGES, {}, CancelToken())
    assert info.value.error_type == "ModelConnectionError"


def test_missing_base_url_is_a_configuration_error() -> None:
    with pytest.raises(NodeConfigError, match="base_url"):
        OpenAICompatibleProvider(ModelSettings(provider="p", name="m"))


def test_cancel_closes_a_stalled_stream_at_once(openai_server: FakeOpenAIServer) -> None:
    openai_server.behaviour.stall_after = 1
    cancel = CancelToken()
    seen: list[str] = []

    def on_text(chunk: str) -> None:
        seen.append(chunk)
        threading.Timer(0.2, cancel.cancel, args=("terminated",)).start()

    started = time.monotonic()
    with pytest.raises(NodeCancelled):
        complete(provider(openai_server), MESSAGES, {}, cancel, on_text)
    assert seen == ["Hello"]
    assert time.monotonic() - started < 2


def test_parse_event_shapes() -> None:
    assert parse_event("[DONE]") is None
    assert parse_event('{"choices": [{"delta": {}}]}') is None
    chunk = parse_event('{"choices": [{"delta": {"content": "x"}, "finish_reason": "length"}]}')
    assert chunk is not None and chunk.text == "x" and chunk.finish_reason == "length"
    usage = parse_event('{"choices": [], "usage": {"prompt_tokens": 2, "completion_tokens": 1}}')
    assert usage is not None and usage.usage == Usage(2, 1, 3)
    with pytest.raises(NodeError, match="malformed"):
        parse_event("{oops")


def test_request_body_drops_none_params() -> None:
    model = ModelSettings(provider="p", name="m", base_url="http://x")
    body = request_body(model, MESSAGES, {"temperature": None, "top_p": 0.5})
    assert "temperature" not in body and body["top_p"] == 0.5 and body["model"] == "m"
