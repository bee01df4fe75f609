"""``flowdeck worker``: a Celery worker that stores run records (``workflow_storage``) and
executes runs sent to it (``workflow_runs``: ``flowdeck run --on-worker``, the console's "on a worker")."""

from __future__ import annotations

import typer

from engine.api import RUN_QUEUE, STORAGE_QUEUE
from engine.cli import app


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
    from engine.api import Settings, mask_url, run_worker

    settings = Settings()
    typer.echo(
        f"flowdeck worker: broker {mask_url(settings.celery.broker_url)}, "
        f"database {mask_url(settings.database_url)}, queues {queues}"
    )
    run_worker(settings, queues=queues, concurrency=concurrency, loglevel=loglevel, pool=pool)
