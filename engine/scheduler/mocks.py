"""Mocked nodes: keep the node's type, retry and error strategy; replace its work.

A mock spec (as in ../shared/dify-dsl/README.md): ``{outputs: {...}}``,
``{error: msg, error_type: Name}``, ``{sequence: [spec, ...]}`` (the k-th call
gets the k-th spec, the last repeats), plus ``delay_ms`` (cancellable) and
``usage`` (tokens reported).  A node whose type streams ``text`` (LLM) streams
the mocked text word by word.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from engine.errors import InputError, NodeError
from engine.nodes.base import Node, NodeContext, NodeResult

_WORDS = re.compile(r"\s*\S+\s*")
_SPEC_KEYS = frozenset({"outputs", "error", "error_type", "sequence", "delay_ms", "usage", "edge_handle"})


class MockError(NodeError):
    pass


def load_mocks(source: str | Path | Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Mocks from a mapping, a YAML/JSON file or text; validated, with errors naming the node."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        data: Any = source
    else:
        text = (
            Path(source).read_text(encoding="utf-8")
            if isinstance(source, Path) or ("\n" not in str(source) and Path(str(source)).exists())
            else str(source)
        )
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"mock file is not valid YAML/JSON: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InputError("mocks must be a mapping of node id to mock spec")
    mocks: dict[str, dict[str, Any]] = {}
    for node_id, spec in data.items():
        _check_spec(str(node_id), spec)
        mocks[str(node_id)] = dict(spec)
    return mocks


def _check_spec(node_id: str, spec: Any) -> None:
    if not isinstance(spec, Mapping):
        raise InputError(f"mock for node {node_id!r} must be a mapping")
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise InputError(f"mock for node {node_id!r} has unknown key(s) {sorted(unknown)}")
    if "outputs" in spec and not isinstance(spec["outputs"], Mapping | None):
        raise InputError(f"mock for node {node_id!r}: outputs must be a mapping")
    if "sequence" in spec:
        seq = spec["sequence"]
        if not isinstance(seq, list) or not seq:
            raise InputError(f"mock for node {node_id!r}: sequence must be a non-empty list")
        for item in seq:
            _check_spec(node_id, item)


class MockCalls:
    """Per-run call counter (nodes in parallel iterations call concurrently)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, int] = {}

    def next(self, node_id: str) -> int:
        with self._lock:
            k = self._calls.get(node_id, 0)
            self._calls[node_id] = k + 1
            return k

    def to_dict(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    def load(self, calls: Mapping[str, int]) -> None:
        with self._lock:
            self._calls.update({str(k): int(v) for k, v in calls.items()})


class MockedNode(Node):
    """Wraps a real node: same id, type, data (so retry and strategies apply)."""

    def __init__(self, real: Node, spec: Mapping[str, Any], calls: MockCalls) -> None:
        super().__init__(real.id, real.data)
        self.real = real
        self.spec = spec
        self.calls = calls
        self.type = real.type  # type: ignore[misc]
        self.is_branch = real.is_branch  # type: ignore[misc]
        self.streamable_outputs = real.streamable_outputs  # type: ignore[misc]

    def selectors(self) -> list[Any]:
        return self.real.selectors()

    def run(self, ctx: NodeContext) -> NodeResult:
        spec: Mapping[str, Any] = self.spec
        k = self.calls.next(self.id)
        if "sequence" in spec:
            seq = spec["sequence"]
            spec = {**{k2: v for k2, v in self.spec.items() if k2 != "sequence"}, **seq[min(k, len(seq) - 1)]}
        delay = spec.get("delay_ms")
        if delay:
            ctx.cancel.sleep(float(delay) / 1000.0)
        ctx.cancel.raise_if_cancelled()
        if spec.get("error") is not None:
            raise MockError(str(spec["error"]), spec.get("error_type") or "MockError")
        outputs = dict(spec.get("outputs") or {})
        for name in self.streamable_outputs:
            text = outputs.get(name)
            if isinstance(text, str):
                for word in _WORDS.findall(text):
                    ctx.stream(name, word)
        usage = spec.get("usage") or {}
        tokens = int(usage.get("total_tokens", 0)) if isinstance(usage, Mapping) else int(usage or 0)
        handle = spec.get("edge_handle") or self._branch_handle(outputs)
        return NodeResult(outputs=outputs, edge_handle=handle, total_tokens=tokens)

    def _branch_handle(self, outputs: Mapping[str, Any]) -> str:
        if not self.is_branch:
            return "source"
        for key in ("class_id", "selected_case_id"):
            if outputs.get(key):
                return str(outputs[key])
        return "false"
