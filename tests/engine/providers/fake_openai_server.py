"""A fake OpenAI-compatible server on 127.0.0.1 (chat completions with SSE streaming)."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeBehaviour:
    words: list[str] = field(default_factory=lambda: ["Hello", " from", " fake"])
    status: int = 200
    usage: dict[str, int] | None = field(
        default_factory=lambda: {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    )
    stall_after: int | None = None  # send this many chunks, then wait for release
    error_event: str | None = None  # an {"error": ...} event after the first chunk
    finish_reason: str = "stop"


class FakeOpenAIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = FakeBehaviour()
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: FakeOpenAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        b = self.server.behaviour
        if self.path != "/v1/chat/completions" or b.status != 200:
            status = 404 if self.path != "/v1/chat/completions" else b.status
            payload = json.dumps({"error": {"message": "invalid api key"}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._events(b)
        self.close_connection = True

    def _send(self, event: dict[str, Any] | str) -> None:
        data = event if isinstance(event, str) else json.dumps(event)
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()

    def _events(self, b: FakeBehaviour) -> None:
        self.wfile.write(b": keep-alive comment\n\n")
        for index, word in enumerate(b.words):
            if b.stall_after is not None and index == b.stall_after:
                self.server.release.wait(5)
                return
            self._send({"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]})
            if b.error_event and index == 0:
                self._send({"error": {"message": b.error_event}})
                return
        self._send({"choices": [{"index": 0, "delta": {}, "finish_reason": b.finish_reason}]})
        if b.usage is not None:
            self._send({"choices": [], "usage": b.usage})
        self._send("[DONE]")
