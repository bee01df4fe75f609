"""The app object for ``celery -A engine.remote.worker_app worker -Q workflow_runs``.

Built from :class:`~engine.settings.Settings` (``FLOWDECK_*`` variables, the TOML file)
when the worker imports it: the storage tasks and ``run_workflow`` on one app, so one
worker may serve both queues (``-Q workflow_runs,workflow_storage``).  Its workers sweep
for orphaned runs every ``FLOWDECK_REMOTE_SWEEP_INTERVAL_S`` seconds (default 5).
"""

from __future__ import annotations

import os

from engine.persistence.celery.app import celery_app_from_settings
from engine.remote.tasks import register_run_tasks
from engine.remote.worker_sweep import SWEEP_INTERVAL_CONF_KEY
from engine.settings import Settings

settings = Settings()
app = celery_app_from_settings(settings)
if os.environ.get("FLOWDECK_REMOTE_SWEEP_INTERVAL_S"):  # the orphan sweep's period (default 5 s; 0: off)
    app.conf[SWEEP_INTERVAL_CONF_KEY] = float(os.environ["FLOWDECK_REMOTE_SWEEP_INTERVAL_S"])
register_run_tasks(app, settings)
