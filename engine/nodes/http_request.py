"""http-request: one HTTP call with Dify's options; outputs status_code, body, headers, files.

Headers and params are Dify's ``key:value`` lines, rendered as templates.  A
non-2xx status fails the node only when a retry or an error strategy is
configured (as in Dify); otherwise the node succeeds with that status.  The
node never retries by itself.  Terminate aborts the call at once.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.errors import NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import LooseStrList, NoneAsDefaults, NoneAsEmptyStr, none_as
from engine.providers.interruptible import call_interruptibly
from engine.tools.files import file_mime_type, file_name, is_file, read_bytes, save_bytes
from engine.variables import Selector, VariablePool, as_selector, template_selectors

Method = Literal["get", "post", "put", "patch", "delete", "head", "options"]
BodyType = Literal["none", "form-data", "x-www-form-urlencoded", "raw-text", "json", "binary"]
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "+json", "+xml")
TEXT_TYPES_EXTRA = ("application/x-www-form-urlencoded", "application/yaml", "application/x-yaml")


class BodyItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    key: NoneAsEmptyStr = ""
    type: Literal["text", "file"] = "text"
    value: NoneAsEmptyStr = ""
    file: LooseStrList = Field(default_factory=list)


class HttpBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: BodyType = "none"
    data: list[BodyItem] = Field(default_factory=list)

    @field_validator("data", mode="before")
    @classmethod
    def _data(cls, value: Any) -> Any:
        if value is None or value == "":
            return []
        if isinstance(value, str):  # older exports: the raw body as one string
            return [{"type": "text", "value": value}]
        return value


class AuthConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["basic", "bearer", "custom"] = "bearer"
    api_key: str = ""
    header: str = ""


class Authorization(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["no-auth", "api-key"] = "no-auth"
    config: AuthConfig | None = None

    @model_validator(mode="after")
    def _needs_config(self) -> Authorization:
        if self.type == "api-key" and (self.config is None or not self.config.api_key):
            raise ValueError("api-key authorization needs config.api_key")
        if self.type == "api-key" and self.config and self.config.type == "custom" and not self.config.header:
            raise ValueError("custom api-key authorization needs config.header")
        return self


class Timeouts(BaseModel):
    """Seconds; ``None`` means Dify's default (connect 10, read 60, write 20)."""

    model_config = ConfigDict(extra="ignore")
    connect: float | None = Field(default=None, gt=0)
    read: float | None = Field(default=None, gt=0)
    write: float | None = Field(default=None, gt=0)

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect or 10.0, read=self.read or 60.0, write=self.write or 20.0, pool=10.0
        )


class HttpRequestNodeData(BaseNodeData):
    method: Method = "get"
    url: str = Field(min_length=1)
    authorization: NoneAsDefaults[Authorization] = Field(default_factory=Authorization)
    headers: NoneAsEmptyStr = ""
    params: NoneAsEmptyStr = ""
    body: NoneAsDefaults[HttpBody] = Field(default_factory=HttpBody)
    timeout: NoneAsDefaults[Timeouts] = Field(default_factory=Timeouts)
    ssl_verify: Annotated[bool, none_as(True)] = True

    @field_validator("method", mode="before")
    @classmethod
    def _method(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


def parse_lines(text: str) -> list[tuple[str, str]]:
    """Dify's ``key:value`` lines (blank lines skipped; a line without ``:`` has an empty value)."""
    pairs: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        if key.strip():
            pairs.append((key.strip(), value.strip()))
    return pairs


def is_text_response(response: httpx.Response) -> bool:
    disposition = response.headers.get("content-disposition", "")
    if "attachment" in disposition.lower():
        return False
    mime = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return not mime or any(t in mime for t in TEXT_TYPES) or mime in TEXT_TYPES_EXTRA


def encode_multipart(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body (also without files, as Dify sends form-data)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for key, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(key)}"\r\n\r\n'
        parts.append(head.encode() + value.encode() + b"\r\n")
    for key, filename, content, mime in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(key)}"; '
            f'filename="{_quote(filename)}"\r\nContent-Type: {mime}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class HttpRequestNode(Node):
    type: ClassVar[str] = "http-request"
    data_model: ClassVar[type[BaseNodeData]] = HttpRequestNodeData
    data: HttpRequestNodeData

    def _templates(self) -> list[str]:
        data = self.data
        texts = [data.url, data.headers, data.params]
        if data.authorization.config is not None:
            texts.append(data.authorization.config.api_key)
        for item in data.body.data:
            texts.extend([item.key, item.value])
        return texts

    def selectors(self) -> list[Selector]:
        found = [sel for text in self._templates() for sel in template_selectors(text)]
        found.extend(
            as_selector(item.file) for item in self.data.body.data if item.type == "file" and item.file
        )
        return found

    @property
    def failure_on_error_status(self) -> bool:
        return self.data.retry_config.retry_enabled or self.data.error_strategy is not None

    def build_request(self, client: httpx.Client, pool: VariablePool) -> httpx.Request:
        data = self.data
        url = pool.render(data.url).strip()
        if not url.startswith(("http://", "https://")):
            raise NodeError(f"invalid URL {url!r}: it must start with http:// or https://", "InvalidURLError")
        headers = dict(parse_lines(pool.render(data.headers)))
        headers.update(self._auth_headers(pool))
        params = parse_lines(pool.render(data.params))
        target = httpx.URL(url)
        if params:  # keep the URL's own query and add the params after it
            query = urlencode([*target.params.multi_items(), *params])
            target = target.copy_with(query=query.encode("ascii"))
        kwargs: dict[str, Any] = {"headers": headers}
        kwargs.update(self._body(pool, headers))
        return client.build_request(data.method.upper(), target, **kwargs)

    def _auth_headers(self, pool: VariablePool) -> dict[str, str]:
        auth = self.data.authorization
        if auth.type == "no-auth" or auth.config is None:
            return {}
        key = pool.render(auth.config.api_key)
        if auth.config.type == "basic":
            token = base64.b64encode(key.encode()).decode() if ":" in key else key
            return {"Authorization": f"Basic {token}"}
        if auth.config.type == "bearer":
            return {"Authorization": f"Bearer {key}"}
        return {auth.config.header: key}

    def _body(self, pool: VariablePool, headers: dict[str, str]) -> dict[str, Any]:
        body = self.data.body
        has_type = any(k.lower() == "content-type" for k in headers)
        if body.type == "none":
            return {}
        if body.type in ("raw-text", "json"):
            text = "".join(pool.render(item.value) for item in body.data if item.type == "text")
            if body.type == "json":
                try:
                    json.loads(text, strict=False) if text.strip() else None
                except json.JSONDecodeError as exc:
                    raise NodeError(f"the JSON body is not valid JSON: {exc}", "RequestBodyError") from exc
                if not has_type:
                    headers["Content-Type"] = "application/json"
            return {"content": text.encode("utf-8")}
        if body.type == "x-www-form-urlencoded":
            form = {pool.render(i.key): pool.render(i.value) for i in body.data if i.key}
            return {"data": form}
        if body.type == "binary":
            item = next((i for i in body.data if i.type == "file" and i.file), None)
            if item is None:
                raise NodeError("the binary body names no file variable", "RequestBodyError")
            return {"content": read_bytes(self._file(pool, item))}
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, str, bytes, str]] = []
        for item in body.data:
            key = pool.render(item.key)
            if item.type == "file" and item.file:
                value = pool.get(as_selector(item.file))
                for f in value if isinstance(value, list) else [value]:
                    if is_file(f):
                        files.append((key, file_name(f), read_bytes(f), file_mime_type(f)))
            elif key:
                fields.append((key, pool.render(item.value)))
        content, content_type = encode_multipart(fields, files)
        for name in [k for k in headers if k.lower() == "content-type"]:
            del headers[name]
        headers["Content-Type"] = content_type
        return {"content": content}

    def _file(self, pool: VariablePool, item: BodyItem) -> dict[str, Any]:
        value = pool.get(as_selector(item.file))
        if isinstance(value, list) and value:
            value = value[0]
        if not is_file(value):
            raise NodeError(f"variable {'.'.join(item.file)} is not a file", "RequestBodyError")
        return value

    def run(self, ctx: NodeContext) -> NodeResult:
        data = self.data
        client = httpx.Client(verify=data.ssl_verify, timeout=data.timeout.to_httpx(), follow_redirects=True)
        try:
            request = self.build_request(client, ctx.pool)
            try:
                response = call_interruptibly(
                    lambda: client.send(request), ctx.cancel, client.close, name="flowdeck-http"
                )
            except httpx.HTTPError as exc:
                raise NodeError(
                    f"Request to {request.url} failed: {exc or type(exc).__name__}", "HTTPRequestError"
                ) from exc
        finally:
            client.close()
        return self._result(request, response)

    def _result(self, request: httpx.Request, response: httpx.Response) -> NodeResult:
        status = response.status_code
        headers = dict(response.headers)
        files: list[dict[str, Any]] = []
        if is_text_response(response):
            body = response.text
        else:
            mime = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
            name = request.url.path.rsplit("/", 1)[-1] or "download"
            files.append(save_bytes(response.content, name, mime))
            body = ""
        process = {"request": f"{request.method} {request.url}", "status_code": status}
        if not response.is_success and self.failure_on_error_status:
            raise NodeError(f"Request failed with status code {status}", "HTTPResponseCodeError")
        return NodeResult(
            inputs={"url": str(request.url), "method": request.method},
            process_data=process,
            outputs={"status_code": status, "body": body, "headers": headers, "files": files},
        )
