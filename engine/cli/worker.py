"""``flowdeck worker``: a Celery worker that stores run records from ``workflow_storage``."""

from __future__ import annotations

import typer

from engine.cli import app

#: engine.persistence.celery.app.STORAGE_QUEUE, not imported here: Celery is slow to load
STORAGE_QUEUE = "workflow_storage"


@app.command()
def worker(
    queues: str = typer.Option(STORAGE_QUEUE, "--queues", "-Q", help="Comma-separated queues to consume."),
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, help="Worker processes."),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l", help="DEBUG, INFO, WARNING or ERROR."),
    pool: str = typer.Option("prefork", "--pool", "-P", help="prefork, solo or threads."),
) -> None:
    """Consume storage tasks and write run records to the configured database."""
    from engine.persistence.celery.app import celery_app_from_settings
    from engine.persistence.sql.database import upgrade_database
    from engine.settings import Settings, mask_url

    settings = Settings()
    upgrade_database(settings.database_url)
    celery_app = celery_app_from_settings(settings)
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
