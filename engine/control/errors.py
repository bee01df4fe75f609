"""What operator control raises (re-exported by :mod:`engine.service`)."""

from __future__ import annotations


class UnknownRun(LookupError):
    """No live or recorded run has this id (or none that this call can reach)."""


class RunAlreadyEnded(ValueError):
    """terminate / pause / resume of a run that already ended."""


class RunTakenOver(RuntimeError):
    """Another process took over the run first (two resumes of an orphaned paused run)."""
