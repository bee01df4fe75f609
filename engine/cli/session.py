"""Following a run to its end: live progress, then the summary or the JSON object, and the exit code.

Output is never allowed to break a run: an error while printing progress is
reported in one line and the run goes on to its end (and its record); Ctrl-C
terminates the run and waits for it to be recorded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import typer

from engine.cli.output import dumps, err_console, out_console, run_exit_code, run_json, warn
from engine.cli.progress import ProgressView

if TYPE_CHECKING:
    from engine.api import EngineEvent, Flowdeck, RunResult, Workflow

TERMINATE_WAIT_S = 30.0
RECORDS_WAIT_S = 30.0


def follow_events(view: ProgressView, events: Iterable[EngineEvent]) -> None:
    """Render ``events``; an output error stops the rendering, never the run."""
    try:
        view.follow(events)
    except (KeyboardInterrupt, TimeoutError):
        raise
    except Exception as exc:
        with contextlib.suppress(Exception):  # stderr itself may be what broke
            warn(f"live progress stopped ({type(exc).__name__}: {exc}); the run goes on")


def follow_to_end(service: Flowdeck, handle: Any, workflow: Workflow | None, *, as_json: bool) -> int:
    """Show ``handle``'s run live (unless ``as_json``), wait for its end, print the result; the exit code."""
    try:
        if not as_json:
            view = ProgressView(err_console())
            view.header(handle.run_id, workflow.name if workflow is not None else "")
            follow_events(view, handle.events())
        result = handle.wait()
    except KeyboardInterrupt:
        handle.terminate("interrupted (Ctrl-C)")
        result = handle.wait(TERMINATE_WAIT_S)
    return print_result(result_json(service, result, workflow), as_json=as_json)


def result_json(service: Flowdeck, result: RunResult, workflow: Workflow | None) -> dict[str, Any]:
    """The ``--json`` object of a finished run: its record and node records, as ``watch`` prints it.

    The stored node records are used when they hold every node of the result (they
    also hold the skipped nodes, in run order); otherwise (records still on their way
    through Celery) the result's own, with the skipped nodes appended.
    """
    run = result.execution
    if run is None:  # a remote run: its worker writes the records, maybe a moment after the end
        run = service.wait_for_end(result.run_id, RECORDS_WAIT_S)
    stored = service.node_executions(result.run_id)
    if {n.id for n in result.node_executions} <= {n.id for n in stored}:
        return run_json(run, stored, stream=result.stream)
    skipped: dict[str, tuple[str, str]] = {}
    if workflow is not None:
        specs = workflow.all_nodes()
        for node_id in result.skipped_node_ids:
            spec = specs.get(node_id)
            skipped[node_id] = (spec.title, spec.type) if spec is not None else (node_id, "")
    return run_json(run, result.node_executions, stream=result.stream, skipped=skipped)


def print_result(data: dict[str, Any], *, as_json: bool) -> int:
    """The JSON object, or the summary (falling back to the JSON if the summary cannot print)."""
    if as_json:
        typer.echo(dumps(data))
    else:
        from engine.cli.summary import print_summary

        try:
            print_summary(out_console(), data)
        except Exception as exc:
            warn(f"cannot print the summary ({type(exc).__name__}: {exc}); the run as JSON:")
            typer.echo(dumps(data))
    return run_exit_code(str(data["status"]))
