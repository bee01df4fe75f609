"""The names the storage tasks are known by: their queue and task names (a leaf module).

Kept apart so that the app (:mod:`.app`), the tasks (:mod:`.tasks`) and whoever
sends a task name them without importing each other.
"""

from __future__ import annotations

from engine.queues import STORAGE_QUEUE  # the one spelling (a leaf module, read by `flowdeck worker --help`)

SAVE_EXECUTION_TASK = "save_workflow_execution_task"
SAVE_NODE_EXECUTION_TASK = "save_workflow_node_execution_task"
#: app.conf key holding the database URL the storage tasks write to
DATABASE_URL_CONF_KEY = "flowdeck_database_url"

__all__ = ["DATABASE_URL_CONF_KEY", "SAVE_EXECUTION_TASK", "SAVE_NODE_EXECUTION_TASK", "STORAGE_QUEUE"]
