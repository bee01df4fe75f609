"""A run on a real Celery worker, started and followed from the console through its Redis Stream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_app.main_window import MainWindow
from engine.api import Flowdeck, Settings
from tests.engine.remote.conftest import (  # the remote suite's private redis-server and worker
    _module_redis,
    _module_worker,
    redis_server,
    run_worker,
    worker_database_url,
)
from tests.support.celery_worker import CeleryWorkerProcess
from tests.support.redis_server import RedisServer

FIXTURES = (_module_redis, _module_worker, redis_server, run_worker, worker_database_url)


def _template(node_id: str) -> dict:
    return {
        "id": node_id,
        "data": {"type": "template-transform", "title": node_id, "variables": [], "template": "x"},
    }


FAN = {
    "nodes": [
        {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}},
        _template("slow"),
        _template("quick"),
    ],
    "edges": [{"source": "start", "target": "slow"}, {"source": "start", "target": "quick"}],
}


@pytest.fixture
def remote_window(qtbot, redis_server: RedisServer, worker_database_url: str) -> Iterator[MainWindow]:
    settings = Settings(
        database_url=worker_database_url,
        persistence="sync",
        celery={"broker_url": redis_server.url, "socket_timeout_s": 1.0},
    )
    deck = Flowdeck(settings)
    window = MainWindow(deck)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    deck.close(5)


def test_a_run_on_a_worker_is_followed_live_from_its_stream_and_terminated_from_the_console(
    qtbot, run_worker: CeleryWorkerProcess, remote_window: MainWindow
) -> None:
    window = remote_window
    mocks = {"slow": {"outputs": {"output": "late"}, "delay_ms": 30_000}}
    window.ops.start(FAN, {}, mocks=mocks, where="worker")
    qtbot.waitUntil(lambda: window.follower.run_id != "", timeout=15_000)
    run_id = window.follower.run_id
    qtbot.waitUntil(lambda: window.canvas.node_state("slow") == "running", timeout=15_000)
    assert window.canvas.node_state("quick") == "succeeded"
    qtbot.waitUntil(lambda: window.follower.live, timeout=5000)  # its stream's events, not only records
    window.terminate_run(run_id, "stop the worker's run")
    qtbot.waitUntil(lambda: "Verified" in window.header.banner_message(), timeout=15_000)
    run = window.flowdeck.get_run(run_id)
    assert run.status == "terminated" and run.triggered_from == "remote-run"
    qtbot.waitUntil(lambda: window.canvas.node_state("slow") == "terminated", timeout=5000)
    assert "running" not in {n.status for n in window.flowdeck.node_executions(run_id)}
