"""How one frame (the top level, or one container round) ended."""

from __future__ import annotations

from dataclasses import dataclass

from engine.status import RunStatus


@dataclass(slots=True)
class Outcome:
    status: RunStatus  # SUCCEEDED | FAILED | TERMINATED (exceptions are counted on the run)
    error: str = ""
    error_type: str = ""
    failed_node: str | None = None
    loop_break: bool = False
