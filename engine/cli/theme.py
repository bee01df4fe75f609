"""The colours the CLI gives run and node statuses (rich styles)."""

from __future__ import annotations

STATUS_STYLE: dict[str, str] = {
    "running": "cyan",
    "paused": "yellow",
    "succeeded": "green",
    "partial-succeeded": "yellow",
    "exception": "yellow",
    "failed": "red",
    "terminated": "magenta",
    "skipped": "dim",
}
