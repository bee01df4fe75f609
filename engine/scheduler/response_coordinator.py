"""Streams Answer and End templates in Dify's order.

A response node's session becomes active once a path from the root reaches it
through plain edges or *gate* edges that were taken (a gate edge leaves a
branch node, a container or a variable-writing node).  Active sessions stream
one at a time, in activation order (initially: distance from the root);
within a session the template streams part by part: literals at once, a
streamable producer's chunks as they arrive, any other variable when its
producer has finished.  A variable whose producer was skipped is dropped.

Variable aggregators (as graphon): a template variable naming an aggregator's
output (``[agg, output]``, or ``[agg, group, output]`` for grouped ones) is
streamed from the chunks of the aggregator's chosen input while it streams,
instead of waiting for the aggregator.  Within one response, a stream that was
already forwarded (by an earlier segment naming the same producer output,
directly or through an aggregator) is not emitted again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from engine.graph import Graph
from engine.variables import MISSING, RESERVED_NAMESPACES, TemplateVariable, VariablePool, to_markdown
from engine.variables.selectors import Selector, parse_template

EmitChunk = Callable[[str, str, "list[str] | None"], None]

GATE_TYPES = frozenset({"iteration", "loop", "assigner", "variable-assigner"})


def response_parts(graph: Graph, node_id: str) -> list[str | TemplateVariable] | None:
    spec = graph.nodes[node_id]
    if spec.type == "answer":
        return list(parse_template(spec.data.answer))  # type: ignore[attr-defined]
    if spec.type == "end":
        parts: list[str | TemplateVariable] = []
        for i, output in enumerate(spec.data.outputs):  # type: ignore[attr-defined]
            if i:
                parts.append("\n")
            if output.value_selector:
                parts.append(TemplateVariable(tuple(output.value_selector)))
        return parts
    return None


def is_gate(graph: Graph, node_id: str) -> bool:
    spec = graph.nodes[node_id]
    return spec.node.is_branch or spec.type in GATE_TYPES or spec.data.error_strategy == "fail-branch"


AGGREGATOR_TYPES = frozenset({"variable-aggregator", "variable-assigner"})

Key = tuple[str, str]  # (producer, output) of a stream
Aggregated = dict[Selector, tuple[Key, ...]]  # aggregator output selector -> its inputs, in order


def aggregator_inputs(graph: Graph, node_id: str) -> Aggregated:
    """The output selectors of aggregator ``node_id`` and the (node, output) inputs each picks from."""
    spec = graph.nodes[node_id]
    if spec.type not in AGGREGATOR_TYPES or not hasattr(spec.data, "advanced_settings"):
        return {}

    def keys(selectors: list[list[str]]) -> tuple[Key, ...]:
        return tuple((s[0], s[1]) for s in selectors if len(s) == 2)

    settings = spec.data.advanced_settings  # type: ignore[attr-defined]
    if settings is not None and settings.group_enabled:
        return {(node_id, g.group_name, "output"): keys(g.variables) for g in settings.groups}
    return {(node_id, "output"): keys(spec.data.variables)}  # type: ignore[attr-defined]


Facts = tuple[dict[str, list[str | TemplateVariable]], set[str], Aggregated]


def _static_facts(graph: Graph) -> Facts:
    """Response templates, gate nodes and aggregator inputs of ``graph``: computed once per loaded graph."""
    facts = graph.cache.get("responses")
    if facts is None:
        parts: dict[str, list[str | TemplateVariable]] = {}
        for node_id in graph.nodes:
            node_parts = response_parts(graph, node_id)
            if node_parts is not None:
                parts[node_id] = node_parts
        gates = {n for n in graph.nodes if is_gate(graph, n)} if parts else set()
        aggregated: Aggregated = {}
        if parts:
            for node_id in graph.nodes:
                aggregated.update(aggregator_inputs(graph, node_id))
        facts = graph.cache["responses"] = (parts, gates, aggregated)
    return facts


class ResponseCoordinator:
    def __init__(self, graph: Graph, pool: VariablePool, emit: EmitChunk) -> None:
        self._graph = graph
        self._pool = pool
        self._emit = emit
        self._parts, self._gate_sources, self._aggregated = _static_facts(graph)
        self._reached: set[str] = set()
        self._queue: deque[str] = deque()
        self._current: str | None = None
        self._part = 0
        self._forwarded = 0  # chunks of the current streamed variable already sent
        self._source: Key | None = None  # the stream the current variable forwards
        self._streamed: set[Key] = set()  # streams the current response already forwarded
        self._chunks: dict[tuple[str, str], list[str]] = {}
        self._resolved: set[str] = set()
        self._done: set[str] = set()
        # the producers whose chunks or end can move the current part (None: unknown, always pump)
        self._blocked_on: frozenset[str] | None = None

    @property
    def active(self) -> bool:
        return bool(self._parts)

    def start(self) -> None:
        if self._parts:
            self._reach(self._graph.root_id)
            self._pump()

    # -------------------------------------------------------------- inputs
    def is_gate(self, node_id: str) -> bool:
        return node_id in self._gate_sources

    def edge_taken(self, source: str, target: str) -> None:
        """A gate edge was taken: what it leads to becomes reachable."""
        if self._parts and source in self._reached and source in self._gate_sources:
            self._reach(target)
            self._pump()

    def chunk(self, producer: str, output: str, text: str) -> None:
        if not self._parts:
            return
        self._chunks.setdefault((producer, output), []).append(text)
        self._pump()

    def discard_chunks(self, producer: str) -> None:
        """A failed attempt's unsent chunks (the retry streams again)."""
        for key in [k for k in self._chunks if k[0] == producer]:
            if self._streaming_key() == key:
                del self._chunks[key][self._forwarded :]
            else:
                del self._chunks[key]

    def resolved(self, node_id: str) -> None:
        """``node_id`` finished (succeeded, exception, failed or skipped)."""
        if not self._parts:
            return
        self._resolved.add(node_id)
        blocked_on = self._blocked_on
        if blocked_on is not None and node_id not in blocked_on:
            return  # the current response waits for other producers: nothing can move
        self._pump()

    # ------------------------------------------------------------ internals
    def _reach(self, start: str) -> None:
        """Mark nodes reachable from ``start`` through non-gate edges (BFS order)."""
        if start in self._reached:
            return
        frontier = deque([start])
        self._reached.add(start)
        out_edges = self._graph.out_edges
        while frontier:
            node_id = frontier.popleft()
            if node_id in self._parts and node_id not in self._done and node_id != self._current:
                self._queue.append(node_id)
            if node_id in self._gate_sources:
                continue
            for edge in out_edges[node_id]:
                if edge.target not in self._reached:
                    self._reached.add(edge.target)
                    frontier.append(edge.target)

    def _streaming_key(self) -> Key | None:
        return self._source if self._current is not None else None

    def _stream_source(self, selector: Selector) -> Key | None:
        """The stream ``selector`` is read from: its own, or the chosen input of an aggregator."""
        if len(selector) == 2 and selector not in self._aggregated:
            return (selector[0], selector[1])
        inputs = self._aggregated.get(selector)
        if inputs is None:
            return None
        for key in inputs:
            if self._chunks.get(key):
                return key
            if key[0] not in self._resolved:
                return None  # an earlier input may still produce the chosen value
            value = self._pool.lookup(key)
            if value is not MISSING and value is not None:
                return None  # chosen without streaming: read it from the pool
        return None

    def _movers_of(self, selector: Selector) -> frozenset[str]:
        """What can unblock ``selector``: its producer's end and, for an aggregator's output, the
        end of the first input not resolved yet (an earlier input with a value was chosen, so then
        only the aggregator matters).  Chunks always pump."""
        producer = selector[0]
        inputs = self._aggregated.get(selector)
        if not inputs:
            return frozenset((producer,))
        for key in inputs:
            if key[0] not in self._resolved:
                return frozenset((producer, key[0]))
            value = self._pool.lookup(key)
            if value is not MISSING and value is not None:
                break
        return frozenset((producer,))

    def _pump(self) -> None:
        self._blocked_on = None
        while True:
            if self._current is None:
                if not self._queue:
                    return
                self._current = self._queue.popleft()
                self._part = 0
                self._forwarded = 0
                self._source = None
                self._streamed = set()
            if not self._advance(self._current):
                return
            self._done.add(self._current)
            self._current = None

    def _advance(self, node_id: str) -> bool:
        """Stream as much of ``node_id``'s template as possible; True when all of it is out."""
        parts = self._parts[node_id]
        while self._part < len(parts):
            part = parts[self._part]
            if isinstance(part, str):
                if part:
                    self._emit(node_id, part, None)
            elif not self._variable(node_id, part.selector):
                return False
            self._part += 1
            self._forwarded = 0
            self._source = None
        return True

    def _variable(self, node_id: str, selector: Selector) -> bool:
        producer = selector[0]
        in_graph = producer in self._graph.nodes and producer not in RESERVED_NAMESPACES
        if self._source is None:
            source = self._stream_source(selector)
            if source is not None and source in self._streamed:
                return True  # this response already streamed that text
            if source is not None and (source == selector[:2] or self._chunks.get(source)):
                self._source = source
        chunks = self._chunks.get(self._source) if self._source is not None else None
        if chunks:
            self._streamed.add(self._source)  # type: ignore[arg-type]
            while self._forwarded < len(chunks):
                self._emit(node_id, chunks[self._forwarded], list(selector))
                self._forwarded += 1
        if in_graph and producer not in self._resolved:
            self._blocked_on = self._movers_of(selector)
            return False
        if chunks:
            return True
        value: Any = self._pool.lookup(selector)
        if value is not MISSING and value is not None:
            text = to_markdown(value)
            if text:
                self._emit(node_id, text, list(selector))
        return True

    # ------------------------------------------------------------- snapshot
    def to_dict(self) -> dict[str, Any]:
        return {
            "reached": sorted(self._reached),
            "queue": list(self._queue),
            "current": self._current,
            "part": self._part,
            "forwarded": self._forwarded,
            "source": list(self._source) if self._source is not None else None,
            "streamed": sorted([p, o] for p, o in self._streamed),
            "chunks": [[p, o, list(c)] for (p, o), c in self._chunks.items()],
            "resolved": sorted(self._resolved),
            "done": sorted(self._done),
        }

    def load(self, data: dict[str, Any]) -> None:
        if not data:
            return
        self._reached = set(data["reached"])
        self._queue = deque(data["queue"])
        self._current = data["current"]
        self._part = int(data["part"])
        self._forwarded = int(data["forwarded"])
        source = data.get("source")
        self._source = (source[0], source[1]) if source else None
        self._streamed = {(p, o) for p, o in data.get("streamed", [])}
        self._chunks = {(p, o): list(c) for p, o, c in data["chunks"]}
        self._resolved = set(data["resolved"])
        self._done = set(data["done"])
