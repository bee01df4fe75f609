"""``flowdeck worker``: a Celery worker that stores run records (``workflow_storage``) and
executes runs sent to it (``workflow_runs``: ``flowdeck run --on-worker``, the console's "on a worker")."""

from __future__ import annotations

import typer

from engine.cli import app

#: engine.persistence.celery.app.STORAGE_QUEUE and engine.remote.tasks.RUN_QUEUE, not imported
#: here: Celery is slow to load
STORAGE_QUEUE = "workflow_storage"
RUN_QUEUE = "workflow_runs"


@app.command()
def worker(
    queues: str = typer.Option(
        f"{RUN_QUEUE},{STORAGE_QUEUE}", "--queues", "-Q", help="Comma-separated queues to consume."
    ),
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, help="Worker processes."),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l", help="DEBUG, INFO, WARNING or ERROR."),
    pool: str = typer.Option("prefork", "--pool", "-P", help="prefork, solo or threads."),
) -> None:
    """Execute runs sent to workers and store run records in the configured database."""
    from engine.persistence.celery.app import celery_app_from_settings
    from engine.persistence.sql.database import upgrade_database
    from engine.remote.tasks import register_run_tasks
    from engine.settings import Settings, mask_url

    settings = Settings()
    upgrade_database(settings.database_url)
    celery_app = celery_app_from_settings(settings)
    register_run_tasks(celery_app, settings)  # run_workflow, and the sweep for orphaned runs
    typer.echo(
        f"flowdeck worker: broker {mask_url(settings.celery.broker_url)}, "
        f"database {mask_url(settings.database_url)}, queues {queues}"
    )
    celery_app.worker_main(
        [
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "-l",
            loglevel,
            "-P",
            pool,
            "--without-gossip",
            "--without-mingle",
        ]
    )
