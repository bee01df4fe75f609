"""Operator control from the shell: ``watch``, ``terminate``, ``pause``, ``resume`` and ``replay``.

Every command reaches the run wherever it executes, through the facade (``engine.api.Flowdeck``).
Those that end with a run print, with ``--json``, the object ``flowdeck run --json``
prints for it.  Exit codes: those of ``flowdeck run`` for the run the command ended
with (0 succeeded / partial-succeeded / paused, 1 failed, 3 terminated, 5 interrupted);
2 for an unknown run, a run that already ended, or bad options; 4 when the database
cannot be opened; 1 when a wait timed out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from engine.api import NodeStatus, RunStatus
from engine.cli import app
from engine.cli.output import EXIT_BAD_INPUT, EXIT_FAILED, esc, fail, out_console, run_exit_code
from engine.cli.theme import status_style

if TYPE_CHECKING:
    from engine.api import Flowdeck, WorkflowExecution

T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="Print the run as `flowdeck run --json` does")]
WaitOption = Annotated[float, typer.Option("--wait", min=0.1, help="Seconds to wait for the run's answer")]


def _service() -> Flowdeck:
    from engine.cli.context import load_settings, open_flowdeck

    return open_flowdeck(load_settings())


def _control_errors() -> tuple[type[BaseException], ...]:
    from engine.api import RunAlreadyEnded, UnknownRun

    return (RunAlreadyEnded, UnknownRun)


@contextlib.contextmanager
def _session(run_id: str) -> Iterator[tuple[Flowdeck, WorkflowExecution]]:
    """The facade and the run ``run_id`` names (exit 2 when there is none); the facade closed after."""
    from engine.cli.context import resolve_run

    service = _service()
    try:
        yield service, resolve_run(service, run_id)
    finally:
        service.close()


def _control(action: Callable[[], T]) -> T:
    """``action()``, a terminate/pause/resume of the facade; an unknown or ended run exits 2."""
    try:
        return action()
    except _control_errors() as exc:
        fail(str(exc), EXIT_BAD_INPUT)


def _print_record(service: Flowdeck, run: WorkflowExecution, *, as_json: bool, stream: str = "") -> int:
    from engine.cli.output import run_json
    from engine.cli.session import print_result

    return print_result(run_json(run, service.node_executions(run.id), stream=stream), as_json=as_json)


def _wait(service: Flowdeck, run_id: str, timeout: float) -> WorkflowExecution:
    try:
        return service.wait_for_end(run_id, timeout)
    except TimeoutError as exc:
        fail(str(exc), EXIT_FAILED)


@app.command("watch")
def watch_command(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one")],
    as_json: JsonOption = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0.1, help="Give up after this many seconds")
    ] = None,
) -> None:
    """Follow RUN_ID live until it ends (the progress `flowdeck run` shows), then its summary."""
    from engine.api import UnknownRun
    from engine.cli.context import resolve_run
    from engine.cli.output import err_console
    from engine.cli.progress import ProgressView
    from engine.cli.record_events import record_events
    from engine.cli.session import follow_events

    service = _service()
    try:
        run = resolve_run(service, run_id)
        try:
            events = service.watch(run.id, timeout)
        except UnknownRun:  # owned by another local process (or ended): follow its records
            events = record_events(service, run.id, timeout)
        stream: list[str] = []

        def collecting() -> Any:
            for event in events:
                if event.name == "node_stream_chunk":
                    stream.append(event.chunk)  # type: ignore[attr-defined]
                yield event

        if as_json:
            for _event in collecting():
                pass
        else:
            view = ProgressView(err_console())
            view.header(run.id, run.workflow_name)
            try:
                follow_events(view, collecting())
            except TimeoutError as exc:
                fail(str(exc), EXIT_FAILED)
        final = _wait(service, run.id, timeout or 30.0)
        code = _print_record(service, final, as_json=as_json, stream="".join(stream))
    except TimeoutError as exc:
        fail(str(exc), EXIT_FAILED)
    finally:
        service.close()
    raise typer.Exit(code)


@app.command("terminate")
def terminate_command(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the run record)")] = (
        "terminated by the operator"
    ),
    as_json: JsonOption = False,
    wait: WaitOption = 30.0,
) -> None:
    """Terminate RUN_ID wherever it runs and report what it ended with."""
    with _session(run_id) as (service, run):
        _control(lambda: service.terminate(run.id, reason))
        final = _wait(service, run.id, wait)
        if as_json:
            code = _print_record(service, final, as_json=True)
        else:
            nodes = service.node_executions(run.id)
            cancelled = sum(1 for n in nodes if n.status == NodeStatus.TERMINATED)
            running = sum(1 for n in nodes if n.status == NodeStatus.RUNNING)
            style = status_style(final.status, "bold")
            out_console().print(
                f"run {esc(final.id)} ended [{style}]{esc(final.status)}[/]: {esc(final.error or '-')};"
                f" {cancelled} node(s) cancelled, {running} left running"
            )
            code = run_exit_code(final.status)
    raise typer.Exit(code)


@app.command("pause")
def pause_command(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one")],
    wait: WaitOption = 30.0,
) -> None:
    """Pause RUN_ID: running nodes finish, then it holds with a snapshot (`flowdeck resume` continues it)."""
    import time

    with _session(run_id) as (service, run):
        _control(lambda: service.pause(run.id))
        deadline = time.monotonic() + wait
        status = run.status
        while time.monotonic() < deadline:
            status = service.get_run(run.id).status
            if status != RunStatus.RUNNING:
                break
            time.sleep(0.1)
    if status == RunStatus.PAUSED:
        out_console().print(f"run {esc(run.id)} is [{status_style(status)}]{status}[/]")
        raise typer.Exit(0)
    if status == RunStatus.RUNNING:
        fail(f"run {run.id} was asked to pause but is still running after {wait:g} s", EXIT_FAILED)
    fail(f"run {run.id} ended {status} instead of pausing", run_exit_code(status) or EXIT_FAILED)


@app.command("resume")
def resume_command(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one")],
    as_json: JsonOption = False,
    wait: WaitOption = 3600.0,
) -> None:
    """Resume paused RUN_ID: its owner continues it, or (owner gone) this process does, live."""
    from engine.cli.session import follow_to_end

    with _session(run_id) as (service, run):
        handle = _control(lambda: service.resume(run.id))
        if handle is not None:  # continued in this process: it lives as long as we wait
            code = follow_to_end(service, handle, service.workflow_of(run), as_json=as_json)
        elif as_json:
            code = _print_record(service, _wait(service, run.id, wait), as_json=True)
        else:
            out_console().print(f"run {esc(run.id)} resumed by its owner (`flowdeck watch {esc(run.id)}`)")
            code = 0
    raise typer.Exit(code)
