"""``flowdeck run``: run a workflow with live progress, a summary, or one JSON object.

Exit codes: 0 succeeded or partial-succeeded, 1 failed, 2 bad input, 3 terminated,
4 the run database cannot be opened, 5 interrupted (its owner stopped reporting).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli import app
from engine.cli.inputs import (
    check_number_inputs,
    load_mock_file,
    parse_json_object,
    parse_system,
    parse_timeout,
)
from engine.cli.output import bad_input

WHERE_HELP = "Run on a Celery worker (queue workflow_runs) instead of in this process"


@app.command("run")
def run_command(
    workflow: Annotated[Path, typer.Argument(help="Dify DSL file (YAML)")],
    inputs: Annotated[str | None, typer.Option("--inputs", "-i", help="JSON object or @file.json")] = None,
    sys_values: Annotated[list[str] | None, typer.Option("--sys", help="System value KEY=VALUE")] = None,
    mock: Annotated[Path | None, typer.Option("--mock", help="YAML/JSON file of node mocks")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    persistence: Annotated[
        str | None, typer.Option("--persistence", help="sync | celery | none (default: settings)")
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker threads")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Max wall time in seconds (> 0)")] = None,
    on_worker: Annotated[bool, typer.Option("--on-worker", help=WHERE_HELP)] = False,
) -> None:
    """Run WORKFLOW (embedded, or on a worker with --on-worker) and persist its records."""
    from engine.api import CLI_TRIGGER, FlowdeckError, load_workflow
    from engine.cli.context import load_settings, open_flowdeck
    from engine.cli.session import follow_to_end

    run_inputs = parse_json_object(inputs)
    system = parse_system(sys_values or [])
    max_wall = parse_timeout(timeout)
    mocks = load_mock_file(mock)
    try:
        loaded = load_workflow(workflow)
    except (FlowdeckError, OSError, ValueError) as exc:
        raise bad_input(str(exc)) from None
    check_number_inputs(loaded, run_inputs)
    settings = load_settings(uses_broker=on_worker)
    options: dict[str, Any] = {}
    if workers is not None:
        options["worker_threads"] = workers
    if max_wall is not None:
        options["max_wall_time_s"] = max_wall
    if on_worker:
        options["where"] = "worker"  # the worker's records say it triggered them (REMOTE_TRIGGER)
    else:
        options["triggered_from"] = CLI_TRIGGER
    service = open_flowdeck(settings, persistence)
    try:
        try:
            handle = service.start(loaded, run_inputs, system, mocks, **options)
        except NotImplementedError as exc:
            raise bad_input(f"--on-worker: {exc}") from None
        except (FlowdeckError, OSError, TypeError, ValueError) as exc:
            raise bad_input(str(exc)) from None
        code = follow_to_end(service, handle, loaded, as_json=as_json)
    finally:
        service.close()  # terminates (and records) a run still going when anything above failed
    raise typer.Exit(code)
