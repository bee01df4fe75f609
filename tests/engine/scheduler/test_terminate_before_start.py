"""A node stopped between dispatch and start (waiting for a worker) reports no elapsed time."""

from __future__ import annotations

import time

from engine import start_workflow


def _sleeper(node_id: str) -> dict:
    code = "import time\ndef main() -> dict:\n    time.sleep(30)\n    return {'x': 1}\n"
    return {
        "id": node_id,
        "data": {
            "type": "code",
            "title": node_id.upper(),
            "code_language": "python3",
            "variables": [],
            "code": code,
            "outputs": {"x": {"type": "number"}},
        },
    }


def test_a_node_waiting_for_a_worker_when_terminated_took_no_time() -> None:
    graph = {
        "nodes": [
            {"id": "start", "data": {"type": "start", "title": "S", "variables": []}},
            _sleeper("a"),
            _sleeper("b"),
        ],
        "edges": [{"source": "start", "target": "a"}, {"source": "start", "target": "b"}],
    }
    handle = start_workflow(graph, worker_threads=1)  # one worker: a or b waits for it
    deadline = time.monotonic() + 10
    while not any(e.name == "node_started" and e.node_id in ("a", "b") for e in handle.history()):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)
    handle.terminate("stop")
    result = handle.wait(15)
    assert result.status == "terminated"
    ended = {e.node_id: e for e in handle.history() if e.name == "node_terminated"}
    assert set(ended) == {"a", "b"}
    waiting = [e for e in ended.values() if not e.started_at]
    assert len(waiting) == 1
    assert waiting[0].elapsed_time == 0.0
    assert all(0.0 <= e.elapsed_time < 15 for e in ended.values())
    assert all(0.0 <= n.elapsed_time < 15 for n in result.node_executions)
