"""Setting Flowdeck up from its settings: the record database, a facade, a worker process.

What ``flowdeck db upgrade``, ``flowdeck worker`` and every command that opens the
facade need, so that front ends never wire persistence, Celery or Alembic themselves.
Everything heavy is imported inside the functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from engine.service import Flowdeck
    from engine.settings import Settings

Persistence = Literal["sync", "celery", "none"]
PERSISTENCE_CHOICES: tuple[Persistence, ...] = ("sync", "celery", "none")


def upgrade_record_database(url: str) -> str | None:
    """Create or migrate the record database at ``url`` to the latest schema; its revision after."""
    from engine.persistence.sql.database import create_engine_for, current_revision, upgrade_database

    upgrade_database(url)
    engine = create_engine_for(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def open_flowdeck(settings: Settings, persistence: Persistence | None = None) -> Flowdeck:
    """The facade on ``settings``, its records kept as ``persistence`` says (default: the settings').

    ``none`` keeps them in memory only, for this process; ``sync`` and ``celery`` are
    :attr:`Settings.persistence`'s choices.
    """
    from engine.service import Flowdeck

    mode = persistence or settings.persistence
    if mode not in PERSISTENCE_CHOICES:
        raise ValueError(f"persistence {mode!r}: expected {', '.join(PERSISTENCE_CHOICES)}")
    if mode == "none":
        from engine.persistence.factory import Repositories
        from engine.persistence.memory import InMemoryRunStore

        memory = InMemoryRunStore()
        return Flowdeck(settings, repositories=Repositories(memory, memory))
    return Flowdeck(settings.model_copy(update={"persistence": mode}))


def run_worker(
    settings: Settings, *, queues: str, concurrency: int = 1, loglevel: str = "INFO", pool: str = "prefork"
) -> None:
    """A Celery worker in this process (blocks until it stops): it executes runs sent to workers
    and stores run records in the configured database (upgraded to the latest schema first)."""
    from engine.persistence.celery.app import celery_app_from_settings
    from engine.persistence.sql.database import upgrade_database
    from engine.remote.tasks import register_run_tasks

    upgrade_database(settings.database_url)
    celery_app = celery_app_from_settings(settings)
    register_run_tasks(celery_app, settings)  # run_workflow, and the sweep for orphaned runs
    argv = ["worker", "-Q", queues, "-c", str(concurrency), "-l", loglevel, "-P", pool]
    celery_app.worker_main([*argv, "--without-gossip", "--without-mingle"])
