"""What the CLI prints: escaped user text, strict JSON, one-line errors, the run JSON object.

Every text a user or a workflow provides (node titles, workflow names, error
messages, hints) goes through :func:`esc` or a :class:`rich.text.Text`, never
straight into rich markup: ``Raise [/x]`` is a title, not a closing tag.

This module imports nothing heavy (no SQLAlchemy, no engine core: ``engine.api``
loads its names on first use) so that ``flowdeck --help`` stays fast.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from engine.api import NodeStatus, RunStatus

if TYPE_CHECKING:
    from engine.api import NodeExecution, WorkflowExecution

#: exit codes shared by every command (the README's table)
EXIT_FAILED, EXIT_BAD_INPUT, EXIT_TERMINATED, EXIT_STORAGE, EXIT_INTERRUPTED = 1, 2, 3, 4, 5
#: the exit code of a command that ends with a run in this status (a run still going: 1)
RUN_EXIT_CODES: dict[str, int] = {
    RunStatus.SUCCEEDED: 0,
    RunStatus.PARTIAL_SUCCEEDED: 0,
    RunStatus.PAUSED: 0,
    RunStatus.FAILED: EXIT_FAILED,
    RunStatus.TERMINATED: EXIT_TERMINATED,
    RunStatus.INTERRUPTED: EXIT_INTERRUPTED,
}


def run_exit_code(status: str) -> int:
    """The exit code for a run that ended (or holds) in ``status``; 1 for one still queued or running."""
    return RUN_EXIT_CODES.get(status, EXIT_FAILED)


def esc(text: object) -> str:
    """``text`` safe to embed in rich markup."""
    return escape(str(text))


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def out_console() -> Console:
    # piped output (scripts, tests) gets a wide page instead of rich's 80 columns
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=200)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """One paragraph on stderr (``message`` is plain text, escaped here), then exit ``code``."""
    err_console().print(f"[bold red]error:[/] {esc(message)}")
    raise typer.Exit(code)


def bad_input(message: str) -> typer.Exit:
    """Exit code 2 with ``message`` on stderr; ``raise bad_input(...)``."""
    err_console().print(f"[bold red]error:[/] {esc(message)}")
    return typer.Exit(EXIT_BAD_INPUT)


def warn(message: str) -> None:
    err_console().print(f"[yellow]warning:[/] {esc(message)}")


def finite_only(value: Any) -> Any:
    """``value`` with every NaN/Infinity float replaced by None (strict JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_only(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_only(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """Strict JSON (RFC 8259): never ``NaN`` or ``Infinity``; odd objects as their text."""
    try:
        return json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:  # a workflow produced a non-finite number
        return json.dumps(finite_only(value), ensure_ascii=False, default=str, allow_nan=False)


def one_line(exc: BaseException) -> str:
    """The first line of an exception's text (driver errors wrapped by SQLAlchemy unwrapped)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def storage_unreachable(url: str, exc: BaseException) -> NoReturn:
    """The database cannot be opened: one line naming the (masked) URL, exit code 4."""
    from engine.api import mask_url

    text = one_line(exc)
    password = _password(url)
    if password:
        text = text.replace(password, "***")
    fail(f"cannot open the run database {mask_url(url)}: {text}", EXIT_STORAGE)


def _password(url: str) -> str | None:
    if "://" not in url or "@" not in url:
        return None
    creds = url.split("://", 1)[1].rsplit("@", 1)[0]
    return creds.split(":", 1)[1] if ":" in creds else None


def node_elapsed(started_at: float, elapsed_time: float) -> float:
    """A node's elapsed time, 0 for a node that never started (no start time to measure from)."""
    return elapsed_time if started_at > 0 else 0.0


def record_elapsed(n: NodeExecution) -> float:
    """A node record's elapsed time, never more than its recorded wall span.

    A node terminated before it started is reported by the engine with an elapsed
    time measured from 0 (the epoch); its record then spans no time at all.
    """
    if n.finished_at is not None and n.elapsed_time > (n.finished_at - n.created_at) + 1.0:
        return max(0.0, n.finished_at - n.created_at)
    return n.elapsed_time


def node_json(n: NodeExecution) -> dict[str, Any]:
    return {
        "node_id": n.node_id,
        "title": n.title,
        "type": n.node_type,
        "status": n.status,
        "retry_count": n.retry_count,
        "elapsed_time": record_elapsed(n),
    }


def run_json(
    run: WorkflowExecution,
    nodes: list[NodeExecution],
    *,
    stream: str = "",
    skipped: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The object ``flowdeck run --json`` prints, from a run record and its node records.

    ``skipped``: node id -> (title, type) of skipped nodes that have no record (yet).
    """
    items = [node_json(n) for n in nodes]
    recorded = {n.node_id for n in nodes}
    for node_id, (title, node_type) in (skipped or {}).items():
        if node_id not in recorded:
            items.append(
                {
                    "node_id": node_id,
                    "title": title,
                    "type": node_type,
                    "status": NodeStatus.SKIPPED,
                    "retry_count": 0,
                    "elapsed_time": 0.0,
                }
            )
    return {
        "run_id": run.id,
        "status": run.status,
        "outputs": run.outputs,
        "error": run.error or None,
        "stream": stream,
        "total_steps": run.total_steps,
        "total_tokens": run.total_tokens,
        "elapsed_time": run.elapsed_time,
        "nodes": items,
    }
