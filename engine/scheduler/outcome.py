"""How one dispatcher's graph level ended."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Outcome:
    status: str  # succeeded | failed | terminated (exceptions are counted on the run)
    error: str = ""
    error_type: str = ""
    failed_node: str | None = None
    loop_break: bool = False
