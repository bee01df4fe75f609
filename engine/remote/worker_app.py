"""The app object for ``celery -A engine.remote.worker_app worker -Q workflow_runs``.

Built from :class:`~engine.settings.Settings` (``FLOWDECK_*`` variables, the TOML file)
when the worker imports it: the storage tasks and ``run_workflow`` on one app, so one
worker may serve both queues (``-Q workflow_runs,workflow_storage``).
"""

from __future__ import annotations

from engine.persistence.celery.app import celery_app_from_settings
from engine.remote.tasks import register_run_tasks
from engine.settings import Settings

settings = Settings()
app = celery_app_from_settings(settings)
register_run_tasks(app, settings)
