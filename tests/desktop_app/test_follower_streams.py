"""The follower's watch threads: they only hand events on; the GUI thread alone owns the table of streams."""

from __future__ import annotations

import threading
from typing import Any

from desktop_app.bridge import EventBridge
from desktop_app.follower import RunFollower
from desktop_app.tasks import TaskRunner
from engine.api import Flowdeck, RunEndedEvent


def _template(node_id: str) -> dict[str, Any]:
    data = {"type": "template-transform", "title": node_id, "variables": [], "template": "x"}
    return {"id": node_id, "data": data}


FAN = {
    "nodes": [
        {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}},
        _template("slow"),
        _template("quick"),
    ],
    "edges": [{"source": "start", "target": "slow"}, {"source": "start", "target": "quick"}],
}


class _WritersOf(dict):  # type: ignore[type-arg]
    """A dict that remembers which threads changed it."""

    def __init__(self) -> None:
        super().__init__()
        self.writers: set[str] = set()

    def _wrote(self) -> None:
        self.writers.add(threading.current_thread().name)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._wrote()
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._wrote()
        super().__delitem__(key)

    def pop(self, *args: Any) -> Any:
        self._wrote()
        return super().pop(*args)

    def popitem(self) -> Any:
        self._wrote()
        return super().popitem()

    def clear(self) -> None:
        self._wrote()
        super().clear()


def _follower(qtbot: Any, flowdeck: Flowdeck) -> tuple[RunFollower, EventBridge, list[Any]]:
    bridge = EventBridge()
    tasks = TaskRunner()
    follower = RunFollower(flowdeck, tasks, listener=bridge.listener)
    seen: list[Any] = []
    bridge.batch.connect(lambda _run, events: seen.extend(events))
    return follower, bridge, seen


def test_a_stream_that_ends_is_forgotten_by_the_gui_thread_not_by_its_watch_thread(
    qtbot: Any, flowdeck: Flowdeck
) -> None:
    follower, bridge, seen = _follower(qtbot, flowdeck)
    follower._streams = table = _WritersOf()
    handle = flowdeck.start(FAN, {}, mocks={"slow": {"outputs": {"output": "late"}, "delay_ms": 300}})
    follower._watch_stream(handle.run_id)
    assert follower.streaming(handle.run_id)
    qtbot.waitUntil(lambda: any(isinstance(e, RunEndedEvent) for e in seen), timeout=15_000)
    qtbot.waitUntil(lambda: not follower.streaming(handle.run_id), timeout=5000)
    assert handle.run_id in table  # its thread ended and left the table alone
    follower.follow("")  # the GUI thread looks again: the ended stream is forgotten
    assert handle.run_id not in table
    assert table.writers == {threading.main_thread().name}
    assert [e.seq for e in seen] == [e.seq for e in handle.history()]  # every event, once, in order
    follower.stop()
    bridge.stop()


def test_reselecting_a_run_whose_stream_was_told_to_stop_follows_its_stream_again(
    qtbot: Any, flowdeck: Flowdeck
) -> None:
    follower, bridge, seen = _follower(qtbot, flowdeck)
    handle = flowdeck.start(FAN, {}, mocks={"slow": {"outputs": {"output": "late"}, "delay_ms": 30_000}})
    follower._watch_stream(handle.run_id)
    follower.follow("")  # another selection: the stream is told to stop (its thread waits for an event)
    assert not follower.streaming(handle.run_id)
    follower._watch_stream(handle.run_id)  # selected again while the old thread still waits
    assert follower.streaming(handle.run_id)
    before = len(seen)
    flowdeck.terminate(handle.run_id, "enough")
    qtbot.waitUntil(lambda: any(isinstance(e, RunEndedEvent) for e in seen[before:]), timeout=15_000)
    ended = [e for e in seen if isinstance(e, RunEndedEvent)]
    assert len(ended) == 1  # the stopped thread handed nothing on: one end, from the new stream
    follower.stop()
    bridge.stop()
