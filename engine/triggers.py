"""What started a run: the ``triggered_from`` values the engine writes on run records.

A leaf module (no imports), so readers of records (the console, the CLI) name a
trigger without importing the adapters that write it (Redis, Celery).
"""

from __future__ import annotations

#: a run started in this process through the facade (the default)
APP_TRIGGER = "app-run"
#: a run executed by a Celery worker (``run_workflow`` on queue ``workflow_runs``)
REMOTE_TRIGGER = "remote-run"
#: a run started by ``flowdeck run`` in a terminal
CLI_TRIGGER = "cli"
