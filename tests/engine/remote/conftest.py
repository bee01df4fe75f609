"""Fixtures for the remote-execution tests: one private Redis and one celery worker per module.

- ``redis_server``: a private ``redis-server`` on a free 127.0.0.1 port with the
  append-only file on, so a restart keeps the streams and the queue (as a production
  Redis with AOF would); a test may ``restart()`` it.  Skipped when the binary is
  missing, unless ``CI=true`` (then the test fails).
- ``run_worker``: a real ``celery -A engine.remote.worker_app worker -Q workflow_runs``
  (solo pool) against that Redis, storing run records in a temp SQLite database
  (``worker_database_url``).  A test that kills it gets a fresh one in the next test.
- ``remote_settings``: client settings pointing at that Redis.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from engine.settings import Settings
from tests.support.celery_worker import CeleryWorkerProcess, worker_env
from tests.support.redis_server import RedisServer, running_redis


@pytest.fixture(scope="module")
def _module_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis"), persistent=True) as server:
        yield server


@pytest.fixture
def redis_server(_module_redis: RedisServer) -> RedisServer:
    if _module_redis.proc is None:  # a test stopped it and failed before starting it again
        _module_redis.start()
    return _module_redis


@pytest.fixture
def rclient(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis_server.client()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="module")
def worker_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('worker-db') / 'runs.sqlite'}"


@pytest.fixture(scope="module")
def _module_worker(
    _module_redis: RedisServer, worker_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CeleryWorkerProcess]:
    workdir = tmp_path_factory.mktemp("worker")
    extra = {
        "FLOWDECK_PERSISTENCE": "sync",
        "FLOWDECK_DATA_DIR": str(workdir / "data"),
        "FLOWDECK_REMOTE_SWEEP_INTERVAL_S": "0.5",
    }
    env = worker_env(_module_redis.url, worker_database_url, extra=extra)
    worker = CeleryWorkerProcess(
        "engine.remote.worker_app", "workflow_runs", env, workdir / "worker.log", "runs"
    )
    try:
        yield worker
    finally:
        worker.kill()


@pytest.fixture
def run_worker(redis_server: RedisServer, _module_worker: CeleryWorkerProcess) -> CeleryWorkerProcess:
    if not _module_worker.alive:
        _module_worker.start()
    return _module_worker


@pytest.fixture
def remote_settings(redis_server: RedisServer) -> Settings:
    return Settings(celery={"broker_url": redis_server.url, "socket_timeout_s": 1.0})
