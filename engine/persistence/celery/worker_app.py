"""The app object for ``celery -A engine.persistence.celery.worker_app worker -Q workflow_storage``.

Built from :class:`~engine.settings.Settings` (``FLOWDECK_*`` variables and the TOML
file) when the worker imports it; nothing else imports this module.  ``flowdeck
worker`` is the same thing plus ``flowdeck db upgrade`` before it starts.
"""

from __future__ import annotations

import engine.persistence.sql.upserts  # noqa: F401 - import SQLAlchemy/alembic once, before the pool forks
from engine.persistence.celery.app import celery_app_from_settings
from engine.settings import Settings

app = celery_app_from_settings(Settings())
