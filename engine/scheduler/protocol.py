"""What the dispatcher's helpers (completion, errors, containers, control, snapshots) may use of it.

The seam that keeps the scheduler free of import circles: the helpers are
typed against this Protocol, and only ``dispatcher.py`` implements it.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from engine.scheduler.attempt import AttemptOutcome, Inbox
from engine.scheduler.frame import Frame
from engine.scheduler.run_context import RunContext


class Scheduler(Protocol):
    run: RunContext
    inbox: Inbox
    ready: deque[tuple[Frame, str]]
    top: Frame
    leaf_running: int  # leaf attempts on workers, over every frame
    timers_open: int  # retry timers pending, over every frame

    def emit_chunk(self, node_id: str, chunk: str, selector: list[str] | None) -> None: ...

    def enqueue(self, frame: Frame, node_ids: list[str], *, front: bool = False) -> None:
        """Put ready nodes of ``frame`` on the one ready queue."""
        ...

    def start_frame(self, frame: Frame) -> None:
        """Open a container round: its root becomes ready."""
        ...

    def complete(self, frame: Frame, outcome: AttemptOutcome) -> None:
        """An attempt of ``frame`` ended (a leaf's, or a container's after its last round)."""
        ...
