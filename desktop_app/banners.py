"""What the banner above the canvas says after an action or a backend change (text only, no Qt)."""

from __future__ import annotations

from collections.abc import Sequence

from desktop_app import formatting as fmt
from desktop_app.dialogs.terminate_dialog import terminate_outcome
from engine.api import NodeExecution, WorkflowExecution


def terminate_banner(run: WorkflowExecution, records: Sequence[NodeExecution]) -> tuple[str, str]:
    """``(level, text)``: what the records verify after a terminate."""
    outcome = terminate_outcome(run, list(records))
    n = len(outcome.cancelled)
    if outcome.verified:
        return "info", (
            f"Verified: run {fmt.short_id(run.id)} ended terminated · {n} node{'s' if n != 1 else ''} "
            f"cancelled · none left running · reason: {run.error}"
        )
    still = f"; still running: {', '.join(outcome.still_running)}" if outcome.still_running else ""
    return "warning", f"Run {fmt.short_id(run.id)} is {run.status} after terminate{still}"


def health_banner(what: str, ok: bool, error: str) -> tuple[str, str]:
    """``(level, text)``: the database or the broker went away or came back."""
    if ok:
        return "info", f"The {what} is reachable again."
    still = (
        "runs of this console go on; the list and records wait for it"
        if what == "database"
        else "runs here go on; records are kept in the local outbox until it is back"
    )
    return "error", f"The {what} is unreachable: {error}. {still}."
