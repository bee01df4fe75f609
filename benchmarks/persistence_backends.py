"""The persistence set-ups of ``persistence_overhead.py``, each a context manager.

Each yields a :class:`Backend` (its repositories for ``run_workflow`` and a way to ask
whether a run's final records are all in the database), or raises
:class:`Unavailable` with the reason.  Everything it starts (PostgreSQL database,
redis-server, celery worker, temp files) is removed on exit.

The Redis and Celery worker processes are the ones the Celery persistence tests use
(``tests/support/``): a private ``redis-server`` on a free loopback port and one
``celery worker -Q workflow_storage -P solo``.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bench_support as bs  # noqa: F401  (puts the project root on sys.path)
from sqlalchemy import Engine, text

from engine.persistence.celery.app import STORAGE_QUEUE
from engine.persistence.factory import Repositories, build_repositories
from engine.persistence.sql.database import create_engine_for, upgrade_database
from engine.settings import Settings

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


class Unavailable(Exception):
    """The backend cannot be set up here (the reason is the message)."""


@dataclass
class Backend:
    name: str
    repos: Repositories | None  # None: no persistence
    db: Engine | None  # for polling what is stored

    def run_options(self) -> dict[str, Any]:
        if self.repos is None:
            return {}
        return {
            "execution_repository": self.repos.executions,
            "node_execution_repository": self.repos.node_executions,
        }

    def stored(self, run_id: str, run_seq: int, node_seqs: list[int]) -> bool:
        """The run and every node execution are in the database with their final ``seq``."""
        if self.db is None:
            return True
        with self.db.connect() as conn:
            seq = conn.execute(text("SELECT seq FROM workflow_runs WHERE id = :r"), {"r": run_id}).scalar()
            if seq != run_seq:
                return False
            count, total = conn.execute(
                text(
                    "SELECT COUNT(*), COALESCE(SUM(seq), 0) FROM workflow_node_executions WHERE run_id = :r"
                ),
                {"r": run_id},
            ).one()
        return (int(count), int(total)) == (len(node_seqs), sum(node_seqs))


@contextlib.contextmanager
def _tempdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="flowdeck-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _sync(name: str, url: str) -> Iterator[Backend]:
    repos = build_repositories(Settings(persistence="sync", database_url=url))
    db = create_engine_for(url)
    try:
        yield Backend(name, repos, db)
    finally:
        repos.close()
        db.dispose()


@contextlib.contextmanager
def no_persistence() -> Iterator[Backend]:
    yield Backend("none", None, None)


@contextlib.contextmanager
def sync_sqlite() -> Iterator[Backend]:
    with _tempdir() as tmp, _sync("sync SQLite", f"sqlite:///{tmp / 'runs.sqlite'}") as backend:
        yield backend


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=3
    )


@contextlib.contextmanager
def sync_postgres() -> Iterator[Backend]:
    import psycopg
    from psycopg import sql

    name = f"flowdeck_bench_{uuid.uuid4().hex[:12]}"
    try:
        with _pg_admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise Unavailable(
            f"PostgreSQL unreachable on {PG_HOST}:{PG_PORT}: {' '.join(str(exc).split())}"
        ) from exc
    try:
        with _sync(
            "sync PostgreSQL", f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
        ) as backend:
            yield backend
    finally:
        with _pg_admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def celery_remote() -> Iterator[Backend]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise Unavailable("redis-server is not on PATH")
    try:
        from tests.support.celery_worker import CeleryWorkerProcess, worker_env
        from tests.support.redis_server import RedisServer
    except ImportError as exc:
        raise Unavailable(f"cannot import the Celery test helpers: {exc}") from exc
    with _tempdir() as tmp:
        url = f"sqlite:///{tmp / 'runs.sqlite'}"
        upgrade_database(url)
        (tmp / "redis").mkdir()
        redis_server = RedisServer(binary, tmp / "redis")
        # the visibility timeout the Celery persistence tests use (the figures were measured with it)
        env = worker_env(redis_server.url, url, visibility_timeout_s=3.0)
        worker = CeleryWorkerProcess(
            "engine.persistence.celery.worker_app", STORAGE_QUEUE, env, tmp / "worker.log", "bench"
        )
        repos: Repositories | None = None
        db = create_engine_for(url)
        try:
            redis_server.start()
            worker.start(timeout=60)
            settings = Settings(
                persistence="celery",
                database_url=url,
                celery={"backend": "remote", "broker_url": redis_server.url},
            )
            repos = build_repositories(settings, outbox=tmp / "outbox.sqlite")
            yield Backend("Celery remote", repos, db)
        finally:
            if repos is not None:
                repos.close()
            worker.stop()
            redis_server.stop()
            db.dispose()


BACKENDS = {
    "none": no_persistence,
    "sqlite": sync_sqlite,
    "postgres": sync_postgres,
    "celery": celery_remote,
}
