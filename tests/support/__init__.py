"""Real-process helpers shared by tests (private redis-server, celery worker subprocesses)."""
