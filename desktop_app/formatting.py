"""Text the console shows for times, durations and values (no Qt)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any


def duration(seconds: float | None) -> str:
    """``0.42 s`` under a minute, ``3:12`` under an hour, ``1:03:12`` beyond; ``—`` when unknown."""
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def milliseconds(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    ms = max(0.0, seconds) * 1000
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def clock(epoch: float | None, *, now: float | None = None) -> str:
    """Local wall-clock time: ``14:03:07`` today, ``Dec 01 14:03`` before."""
    if not epoch:
        return "—"
    at = datetime.fromtimestamp(epoch)
    today = datetime.fromtimestamp(now if now is not None else time.time()).date()
    return at.strftime("%H:%M:%S") if at.date() == today else at.strftime("%b %d %H:%M")


def short_id(run_id: str | None) -> str:
    return run_id[:8] if run_id else ""


def pretty_json(value: Any) -> str:
    """Readable JSON of a record's inputs/outputs (never raises)."""
    if value in (None, {}, []):
        return ""
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def tokens_of(metadata: dict[str, Any]) -> int:
    value = metadata.get("total_tokens", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
