"""http-request against a local HTTP server this module starts."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from pydantic import ValidationError

from engine.dsl import load_workflow
from engine.errors import NodeCancelled, NodeError
from engine.nodes.http_request import HttpRequestNodeData, parse_lines
from engine.variables import VariablePool
from tests.conftest import require_corpus
from tests.engine.nodes.external_node_support import Harness, build_node

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "dify-dsl"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hits: dict[str, int]
    release: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Served-By", "test")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.hits[url.path] = self.server.hits.get(url.path, 0) + 1
        if url.path.startswith("/status/"):
            code = int(url.path.rsplit("/", 1)[-1])
            self._reply(code, f"status {code}".encode(), "text/plain")
        elif url.path == "/flaky":  # fails every other call
            ok = self.server.hits[url.path] % 2 == 0
            self._reply(200 if ok else 503, b"recovered" if ok else b"try again", "text/plain")
        elif url.path == "/slow":
            self.server.release.wait(5)
            self._reply(200, b"late", "text/plain")
        elif url.path == "/image":
            self._reply(200, b"\x89PNG\r\n\x1a\nfake", "image/png")
        else:
            echo = {
                "method": self.command,
                "path": url.path,
                "query": parse_qsl(url.query),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("latin-1"),
            }
            self._reply(200, json.dumps(echo).encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.hits = {}
    httpd.release = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def base(server: _Server) -> str:
    server.hits.clear()
    return f"http://127.0.0.1:{server.server_address[1]}"


def node_data(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "http-request", "title": "HTTP", "method": "get", "url": url, **extra}


def run(data: dict[str, Any], pool: VariablePool | None = None) -> dict[str, Any]:
    harness = Harness(pool=pool or VariablePool())
    return harness.run(build_node(data)).outputs


def echo(outputs: dict[str, Any]) -> dict[str, Any]:
    assert outputs["status_code"] == 200
    return json.loads(outputs["body"])


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
def test_every_method_reaches_the_server(base: str, method: str) -> None:
    assert echo(run(node_data(f"{base}/echo", method=method.upper())))["method"] == method.upper()


def test_head_returns_status_and_headers_without_body(base: str) -> None:
    out = run(node_data(f"{base}/echo", method="head"))
    assert out["status_code"] == 200
    assert out["body"] == ""
    assert out["headers"]["x-served-by"] == "test"


def test_url_headers_and_params_are_templates(base: str) -> None:
    pool = VariablePool()
    pool.add(("start", "item"), "books")
    pool.add(("start", "token"), "t-42")
    data = node_data(
        f"{base}/{{{{#start.item#}}}}",
        headers="X-Token: {{#start.token#}}\n\nX-Plain:fixed",
        params="q:{{#start.item#}}\npage: 2",
    )
    seen = echo(run(data, pool))
    assert seen["path"] == "/books"
    assert seen["headers"]["x-token"] == "t-42"
    assert seen["headers"]["x-plain"] == "fixed"
    assert seen["query"] == [["q", "books"], ["page", "2"]]


def test_params_are_added_to_the_urls_own_query(base: str) -> None:
    seen = echo(run(node_data(f"{base}/echo?a=1", params="b:2\nb: x y")))
    assert seen["query"] == [["a", "1"], ["b", "2"], ["b", "x y"]]
    assert echo(run(node_data(f"{base}/echo?a=1")))["query"] == [["a", "1"]]


def test_parse_lines_skips_blank_lines_and_keeps_colons_in_values() -> None:
    assert parse_lines("a: 1\n\nurl: http://x:8/y\nflag") == [
        ("a", "1"),
        ("url", "http://x:8/y"),
        ("flag", ""),
    ]


def test_json_body_is_rendered_and_sent_as_json(base: str) -> None:
    pool = VariablePool()
    pool.add(("start", "name"), "dify")
    body = {"type": "json", "data": [{"type": "text", "value": '{"name": "{{#start.name#}}"}'}]}
    seen = echo(run(node_data(f"{base}/echo", method="post", body=body), pool))
    assert json.loads(seen["body"]) == {"name": "dify"}
    assert seen["headers"]["content-type"] == "application/json"


def test_invalid_json_body_fails_the_node(base: str) -> None:
    body = {"type": "json", "data": "{not json"}
    with pytest.raises(NodeError, match="not valid JSON") as info:
        run(node_data(f"{base}/echo", method="post", body=body))
    assert info.value.error_type == "RequestBodyError"


def test_raw_text_body_is_sent_verbatim(base: str) -> None:
    body = {"type": "raw-text", "data": [{"type": "text", "value": "hello\nworld"}]}
    seen = echo(run(node_data(f"{base}/echo", method="post", headers="Content-Type: text/plain", body=body)))
    assert seen["body"] == "hello\nworld"
    assert seen["headers"]["content-type"] == "text/plain"


def test_urlencoded_body(base: str) -> None:
    pool = VariablePool()
    pool.add(("start", "v"), "a b")
    body = {
        "type": "x-www-form-urlencoded",
        "data": [{"key": "k", "type": "text", "value": "{{#start.v#}}"}, {"key": "n", "value": "1"}],
    }
    seen = echo(run(node_data(f"{base}/echo", method="post", body=body), pool))
    assert dict(parse_qsl(seen["body"])) == {"k": "a b", "n": "1"}
    assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"


def test_form_data_body_with_a_file(base: str, tmp_path: Path) -> None:
    upload = tmp_path / "note.txt"
    upload.write_text("file content")
    pool = VariablePool()
    pool.add(("start", "doc"), {"path": str(upload), "filename": "note.txt", "mime_type": "text/plain"})
    body = {
        "type": "form-data",
        "data": [
            {"key": "field", "type": "text", "value": "plain"},
            {"key": "doc", "type": "file", "file": ["start", "doc"]},
        ],
    }
    seen = echo(run(node_data(f"{base}/echo", method="post", body=body), pool))
    assert seen["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="field"\r\n\r\nplain' in seen["body"]
    assert 'filename="note.txt"' in seen["body"]
    assert "file content" in seen["body"]


def test_form_data_without_files_is_still_multipart(base: str) -> None:
    body = {"type": "form-data", "data": [{"key": "only", "type": "text", "value": "x"}]}
    seen = echo(run(node_data(f"{base}/echo", method="post", body=body)))
    assert seen["headers"]["content-type"].startswith("multipart/form-data")


def test_binary_body_sends_the_file_bytes(base: str) -> None:
    pool = VariablePool()
    pool.add(("start", "blob"), {"content": b"\x00\x01raw", "filename": "b.bin"})
    body = {"type": "binary", "data": [{"type": "file", "file": ["start", "blob"]}]}
    seen = echo(run(node_data(f"{base}/echo", method="post", body=body), pool))
    assert seen["body"] == "\x00\x01raw"


@pytest.mark.parametrize(
    ("config", "header", "value"),
    [
        ({"type": "bearer", "api_key": "k1"}, "authorization", "Bearer k1"),
        (
            {"type": "basic", "api_key": "user:pw"},
            "authorization",
            "Basic " + base64.b64encode(b"user:pw").decode(),
        ),
        ({"type": "basic", "api_key": "dXNlcjpwdw=="}, "authorization", "Basic dXNlcjpwdw=="),
        ({"type": "custom", "api_key": "k3", "header": "X-Api-Key"}, "x-api-key", "k3"),
    ],
)
def test_api_key_authorization(base: str, config: dict[str, str], header: str, value: str) -> None:
    seen = echo(run(node_data(f"{base}/echo", authorization={"type": "api-key", "config": config})))
    assert seen["headers"][header] == value


def test_no_auth_sends_no_authorization_header(base: str) -> None:
    seen = echo(run(node_data(f"{base}/echo", authorization={"type": "no-auth"})))
    assert "authorization" not in seen["headers"]


def test_binary_response_becomes_a_file(base: str) -> None:
    out = run(node_data(f"{base}/image"))
    assert out["body"] == ""
    (file,) = out["files"]
    assert file["mime_type"] == "image/png"
    assert Path(file["path"]).read_bytes() == b"\x89PNG\r\n\x1a\nfake"


def test_5xx_without_retry_or_strategy_is_a_success_with_that_status(base: str) -> None:
    out = run(node_data(f"{base}/status/502"))
    assert out["status_code"] == 502
    assert out["body"] == "status 502"


@pytest.mark.parametrize(
    "extra",
    [
        {"error_strategy": "fail-branch"},
        {
            "error_strategy": "default-value",
            "default_value": [{"key": "body", "type": "string", "value": "x"}],
        },
        {"retry_config": {"retry_enabled": True, "max_retries": 2, "retry_interval": 0}},
    ],
)
def test_5xx_with_retry_or_strategy_fails_the_node(base: str, extra: dict[str, Any]) -> None:
    with pytest.raises(NodeError, match="status code 500") as info:
        run(node_data(f"{base}/status/500", **extra))
    assert info.value.error_type == "HTTPResponseCodeError"


def test_retry_config_written_as_enabled_does_not_turn_5xx_into_failure(base: str) -> None:
    out = run(node_data(f"{base}/status/500", retry_config={"enabled": True, "max_retries": 2}))
    assert out["status_code"] == 500


def test_flaky_endpoint_is_called_once_per_attempt(base: str, server: _Server) -> None:
    node = build_node(node_data(f"{base}/flaky", retry_config={"retry_enabled": True, "max_retries": 3}))
    with pytest.raises(NodeError):
        Harness().run(node)
    assert server.hits["/flaky"] == 1  # no retry inside the node
    assert Harness().run(node).outputs["body"] == "recovered"  # the engine's next attempt


def test_connection_refused_fails_with_request_error() -> None:
    with pytest.raises(NodeError, match=r"Request to http://127\.0\.0\.1:9/x failed") as info:
        run(node_data("http://127.0.0.1:9/x", timeout={"connect": 1}))
    assert info.value.error_type == "HTTPRequestError"


def test_read_timeout_fails_the_node(base: str) -> None:
    started = time.monotonic()
    with pytest.raises(NodeError, match="failed"):
        run(node_data(f"{base}/slow", timeout={"connect": 2, "read": 0.3, "write": 2}))
    assert time.monotonic() - started < 3


def test_cancel_aborts_a_slow_request_at_once(base: str) -> None:
    harness = Harness()
    node = build_node(node_data(f"{base}/slow"))
    timer = threading.Timer(0.3, harness.cancel.cancel, args=("terminated by user",))
    started = time.monotonic()
    timer.start()
    with pytest.raises(NodeCancelled, match="terminated by user"):
        harness.run(node)
    assert time.monotonic() - started < 2
    timer.join()


def test_ssl_verify_false_is_passed_to_the_client(base: str) -> None:
    data = HttpRequestNodeData.model_validate(node_data(f"{base}/echo", ssl_verify=False))
    assert data.ssl_verify is False
    assert HttpRequestNodeData.model_validate(node_data(f"{base}/echo", ssl_verify=None)).ssl_verify is True


def test_https_with_verification_against_a_plain_server_fails(base: str) -> None:
    url = base.replace("http://", "https://") + "/echo"
    with pytest.raises(NodeError, match="failed"):
        run(node_data(url, timeout={"connect": 2, "read": 2}))


def test_template_url_that_is_not_http_fails_at_run_time() -> None:
    pool = VariablePool()
    pool.add(("start", "url"), "ftp://example")
    with pytest.raises(NodeError, match="must start with http"):
        run(node_data("{{#start.url#}}"), pool)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"method": "fetch"}, "method"),
        ({"url": ""}, "url"),
        ({"body": {"type": "yaml"}}, "body.type"),
        ({"authorization": {"type": "api-key", "config": {"type": "bearer"}}}, "authorization"),
        (
            {"authorization": {"type": "api-key", "config": {"type": "custom", "api_key": "k"}}},
            "authorization",
        ),
        ({"timeout": {"connect": -1}}, "timeout.connect"),
        ({"ssl_verify": "maybe"}, "ssl_verify"),
    ],
)
def test_bad_configuration_names_the_field(patch: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        HttpRequestNodeData.model_validate({**node_data("http://x"), **patch})
    locs = [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]
    assert any(loc.startswith(field) for loc in locs), locs


def test_selectors_cover_templates_and_file_variables() -> None:
    node = build_node(
        node_data(
            "http://h/{{#a.x#}}",
            headers="H: {{#b.y#}}",
            params="p: {{#c.z#}}",
            body={"type": "form-data", "data": [{"key": "f", "type": "file", "file": ["d", "file"]}]},
        )
    )
    assert set(node.selectors()) == {("a", "x"), ("b", "y"), ("c", "z"), ("d", "file")}


@pytest.mark.parametrize(
    "name",
    [
        "builder_restricted/http_text.yml",
        "builder_restricted/http_default_output.yml",
        "extra/http_fail_branch.yml",
        "http_request_with_json_tool_workflow.yml",
    ],
)
def test_corpus_http_workflows_load(name: str) -> None:
    require_corpus(CORPUS)
    workflow = load_workflow(CORPUS / name)
    types = {spec.type for spec in workflow.all_nodes().values()}
    assert "http-request" in types
