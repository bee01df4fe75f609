"""The engine's frozen configuration (built from Settings or keyword options)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from engine.settings import EngineSettings


@dataclass(frozen=True, slots=True)
class EngineConfig:
    worker_threads: int = 8
    max_steps: int = 10_000
    max_wall_time_s: float | None = None
    max_output_bytes: int | None = None
    #: run cheap pure nodes (start, end, answer, if-else, aggregators...) in the
    #: dispatcher thread instead of handing them to a worker
    inline_pure_nodes: bool = True

    @classmethod
    def from_settings(cls, settings: EngineSettings, **overrides: Any) -> EngineConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in settings.model_dump().items() if k in known}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown engine option(s): {', '.join(sorted(unknown))}")
        values.update(overrides)
        if values["worker_threads"] < 1:
            raise ValueError("worker_threads must be at least 1")
        if values["max_steps"] < 1:
            raise ValueError("max_steps must be at least 1")
        return cls(**values)
