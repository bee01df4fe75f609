"""Real components for the Celery persistence tests.

- ``redis_server``: a private ``redis-server`` on a free 127.0.0.1 port (no
  persistence, ``tests/support/redis_server.py``), with ``stop()``/``start()`` for
  fault injection.  Skipped when the binary is missing, except under ``CI=true``
  where that is a failure.
- ``celery_workers``: starts real ``python -m celery ... worker`` subprocesses
  (``tests/support/celery_worker.py``) against that Redis, writing to
  ``database_url`` (a temp SQLite database upgraded with the SQL package's
  migrations).  The test config uses a 3 s ``visibility_timeout`` so a killed
  worker's messages come back within the test (production: 900 s, see
  ``engine/persistence/celery/app.py``).
- ``celery_support.py`` (plain helpers): ``drive_run`` feeds a synthetic run through
  the real ``WorkflowCycleManager``; ``assert_stored_like`` compares the database with it.

Every wait is bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.persistence.celery.app import STORAGE_QUEUE
from engine.persistence.sql.database import create_engine_for, upgrade_database
from tests.support.celery_worker import CeleryWorkerProcess, worker_env
from tests.support.redis_server import RedisServer, running_redis

TEST_VISIBILITY_TIMEOUT_S = 3.0
STORAGE_WORKER_APP = "engine.persistence.celery.worker_app"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path / "redis") as server:
        yield server


# ---------------------------------------------------------------- database
@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    upgrade_database(url)
    return url


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Any]:
    engine = create_engine_for(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


# ----------------------------------------------------------- celery worker
@pytest.fixture
def celery_workers(
    redis_server: RedisServer, database_url: str, tmp_path: Path
) -> Iterator[Callable[..., CeleryWorkerProcess]]:
    """``start(pool="solo", cli=False)`` starts one more worker (``cli``: via ``flowdeck worker``)."""
    started: list[CeleryWorkerProcess] = []
    env = worker_env(redis_server.url, database_url, visibility_timeout_s=TEST_VISIBILITY_TIMEOUT_S)

    def start_worker(pool: str = "solo", cli: bool = False) -> CeleryWorkerProcess:
        name = f"w{len(started) + 1}"
        worker = CeleryWorkerProcess(
            STORAGE_WORKER_APP, STORAGE_QUEUE, env, tmp_path / f"{name}.log", name, pool=pool, cli=cli
        )
        started.append(worker)
        return worker.start()

    try:
        yield start_worker
    finally:
        for worker in started:
            worker.kill()  # the test has checked what it needed; a warm shutdown costs ~2 s
