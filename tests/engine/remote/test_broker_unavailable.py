"""Sending a run to a broker that is down or hung fails fast, naming the broker."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from engine.remote.client import BrokerUnavailable, create_run_app, start_remote
from engine.settings import Settings
from tests.engine.scheduler import graphs as g
from tests.support.redis_server import RedisServer, free_port


@pytest.fixture
def hung_port() -> Iterator[int]:
    """A listener that accepts connections and never answers (a hung broker)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        server.close()


def settings_for(url: str) -> Settings:
    return Settings(celery={"broker_url": url, "socket_timeout_s": 1.0})


@pytest.mark.parametrize("kind", ["dead", "hung"])
def test_start_remote_against_an_unreachable_broker_fails_fast_naming_it(kind: str, hung_port: int) -> None:
    port = free_port() if kind == "dead" else hung_port
    url = f"redis://user:hunter2@127.0.0.1:{port}/0"
    began = time.monotonic()
    with pytest.raises(BrokerUnavailable) as raised:
        start_remote(g.fan(2), {"x": "v"}, settings=settings_for(url))
    assert time.monotonic() - began < 6
    message = str(raised.value)
    assert f"redis://user:***@127.0.0.1:{port}/0" in message and "hunter2" not in message


def test_a_broker_that_fails_after_redis_answered_leaves_no_queued_run_behind(
    redis_server: RedisServer, hung_port: int
) -> None:
    """The run's Redis is up, the queue's broker hangs: the error names the broker, nothing stays queued."""
    settings = settings_for(redis_server.url)
    client = redis_server.client()
    hung = create_run_app(f"redis://127.0.0.1:{hung_port}/0", socket_timeout_s=1.0)
    began = time.monotonic()
    try:
        with pytest.raises(BrokerUnavailable, match=f"127.0.0.1:{hung_port}"):
            start_remote(
                g.fan(2), {"x": "v"}, settings=settings, app=hung, redis_conn=client, run_id="r-hung"
            )
        assert time.monotonic() - began < 6
        assert not client.exists("flowdeck:run:r-hung:heartbeat")
        assert client.zscore("flowdeck:runs:active", "r-hung") is None
    finally:
        hung.close()
        client.close()
