"""The Celery queues Flowdeck uses, by name.

A leaf module (no imports), so that ``flowdeck worker --help`` names its default
queues without importing Celery.  ``tests/engine/cli/test_startup_imports.py``
holds these equal to the names the Celery app and the run tasks route to.
"""

from __future__ import annotations

#: runs sent to a worker (``run_workflow``: ``flowdeck run --on-worker``, the console's "on a worker")
RUN_QUEUE = "workflow_runs"
#: run and node records saved through Celery (``save_workflow_execution_task`` …)
STORAGE_QUEUE = "workflow_storage"
