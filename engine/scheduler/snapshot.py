"""The runtime state of a paused run as JSON, and the dispatcher rebuilt from it.

A snapshot holds the top frame (pool, node and edge states, failed attempts,
the response streamer's position) and, nested in it, every container open in
it with its open rounds (each a frame of its own, recursively), the one ready
queue (each entry naming its frame by path), counters, accumulated answers and
outputs, so resuming (also in another process) produces the same outputs and
stream as an uninterrupted run.  Version 1 snapshots (no container open) load too.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from engine.nodes.cancel import CancelToken
from engine.scheduler.attempt import Attempt
from engine.scheduler.containers import IterationRun, LoopRun
from engine.scheduler.frame import Frame
from engine.scheduler.protocol import Scheduler
from engine.variables import VariablePool

SNAPSHOT_VERSION = 2
Path = tuple[tuple[str, int], ...]  # (container node id, round index) from the top frame down


def take_snapshot(d: Scheduler) -> dict[str, Any]:
    run = d.run
    if d.leaf_running or d.timers_open:
        raise RuntimeError("a snapshot needs a quiet run (no node in flight)")
    paths = {id(frame): path for path, frame in _frames(d.top, ())}
    top = d.top.to_dict()
    return {
        "version": SNAPSHOT_VERSION,
        "run_id": run.run_id,
        "workflow_hash": run.workflow.graph_hash,
        **top,
        "ready": [[_path_list(paths[id(f)]), node_id] for f, node_id in d.ready if not f.closed],
        "counters": run.counters.to_dict(),
        "answers": list(run.answers),
        "outputs": dict(run.outputs),
        "elapsed": run.elapsed(),
        "last_seq": run.emitter.last_seq,
        "mock_calls": run.mock_calls.to_dict(),
    }


def restore(d: Scheduler, snapshot: dict[str, Any]) -> None:
    """Load ``snapshot`` into a fresh dispatcher (and its run context) whose top frame has its pool."""
    version = snapshot.get("version")
    if version not in (1, SNAPSHOT_VERSION):
        raise ValueError(f"unsupported snapshot version {version!r}")
    run = d.run
    if snapshot.get("workflow_hash") != run.workflow.graph_hash:
        raise ValueError("the snapshot belongs to a different workflow graph")
    frames: dict[Path, Frame] = {}
    _load_frame(d, d.top, snapshot, (), frames)
    d.ready = deque()
    for entry in snapshot["ready"]:
        path, node_id = ((), entry) if isinstance(entry, str) else (_path_tuple(entry[0]), entry[1])
        frame = frames[path]
        frame.on_queue += 1
        d.ready.append((frame, node_id))
    counters = snapshot["counters"]
    run.counters.steps = counters["steps"]
    run.counters.tokens = counters["tokens"]
    run.counters.exceptions = counters["exceptions"]
    run.counters.index = counters["index"]
    run.answers[:] = snapshot.get("answers", [])
    run.outputs.update(snapshot.get("outputs", {}))
    run.elapsed_before = float(snapshot.get("elapsed", 0.0))
    run.mock_calls.load(snapshot.get("mock_calls", {}))
    d._started = True  # type: ignore[attr-defined]


def _frames(frame: Frame, path: Path) -> list[tuple[Path, Frame]]:
    found = [(path, frame)]
    for container in frame.containers.values():
        for index, child in container.rounds.items():
            found += _frames(child, (*path, (container.node.id, index)))
    return found


def _load_frame(
    d: Scheduler, frame: Frame, data: dict[str, Any], path: Path, frames: dict[Path, Frame]
) -> None:
    frames[path] = frame
    frame.state.load(data["graph"])
    frame.ready_at = dict(data.get("ready_at", {}))
    frame.failed_attempts = {k: list(v) for k, v in data.get("failed_attempts", {}).items()}
    frame.coordinator.load(data.get("responses", {}))
    frame.loop_break = bool(data.get("loop_break", False))
    for node_id, saved in data.get("containers", {}).items():
        spec = frame.graph.nodes[node_id]
        a = saved["attempt"]
        attempt = Attempt(node_id, a["execution_id"], int(a["number"]), CancelToken(), float(a["started_at"]))
        frame.attempts[node_id] = attempt
        container = (IterationRun if saved["kind"] == "iteration" else LoopRun)(d, frame, attempt, spec.node)
        container.load(saved)
        frame.containers[node_id] = container
        subgraph = d.run.workflow.subgraphs[node_id]
        for index_text, round_data in saved["rounds"].items():
            index = int(index_text)
            pool = (
                container.pool
                if isinstance(container, LoopRun)
                else VariablePool.from_dict(round_data["pool"])
            )
            child = Frame(subgraph, pool, d.emit_chunk, container=(node_id, index), owner=container)
            container.rounds[index] = child
            _load_frame(d, child, round_data, (*path, (node_id, index)), frames)


def _path_list(path: Path) -> list[list[Any]]:
    return [[node_id, index] for node_id, index in path]


def _path_tuple(path: list[list[Any]]) -> Path:
    return tuple((str(node_id), int(index)) for node_id, index in path)
