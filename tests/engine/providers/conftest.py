"""Fixtures for provider tests: the fake OpenAI server, isolated settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.engine.providers.fake_openai_server import FakeOpenAIServer


@pytest.fixture
def openai_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    monkeypatch.setenv("FLOWDECK_CONFIG_FILE", "/nonexistent/flowdeck.toml")
    monkeypatch.delenv("FLOWDECK_MODELS", raising=False)
    server = FakeOpenAIServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)
