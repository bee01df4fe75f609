"""``flowdeck run``: run a workflow with live progress, a summary, or one JSON object.

Exit codes: 0 succeeded or partial-succeeded, 1 failed, 2 bad input, 3 terminated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from engine.cli import app
from engine.cli.theme import STATUS_STYLE
from engine.errors import FlowdeckError
from engine.events import (
    NodeEndedEvent,
    NodeRetryEvent,
    NodeSkippedEvent,
    NodeStartedEvent,
    NodeStreamChunkEvent,
)
from engine.run import RunResult, start_workflow
from engine.settings import Settings, mask_url

EXIT_CODES = {"succeeded": 0, "partial-succeeded": 0, "failed": 1, "terminated": 3, "paused": 0}


def bad_input(message: str) -> typer.Exit:
    """One paragraph on stderr, exit code 2 (never a traceback)."""
    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(2)


def parse_inputs(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    source = "--inputs"
    if raw.startswith("@"):
        path = Path(raw[1:])
        source = str(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise bad_input(f"{source}: cannot read the inputs file: {exc.strerror or exc}") from None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise bad_input(
            f"{source}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(value, dict):
        raise bad_input(f"{source}: inputs must be a JSON object, not {type(value).__name__}")
    return value


def parse_system(pairs: list[str]) -> dict[str, Any]:
    system: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise bad_input(f"--sys {pair!r}: expected KEY=VALUE")
        system[key.strip()] = value
    return system


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
    workers: Annotated[int | None, typer.Option("--workers", help="Worker threads")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Max wall time in seconds")] = None,
) -> None:
    """Run WORKFLOW on the embedded engine and persist its records."""
    run_inputs = parse_inputs(inputs)
    system = parse_system(sys_values or [])
    settings = Settings()
    mode = persistence or settings.persistence
    if mode not in ("sync", "celery", "none"):
        raise bad_input(f"--persistence {mode!r}: expected sync, celery or none")
    options: dict[str, Any] = {}
    if workers is not None:
        options["worker_threads"] = workers
    if timeout is not None:
        options["max_wall_time_s"] = timeout
    repos = None
    try:
        if mode != "none":
            from engine.persistence.factory import build_repositories

            repos = build_repositories(settings.model_copy(update={"persistence": mode}))
        handle = start_workflow(
            workflow,
            run_inputs,
            system,
            mock,
            settings=settings,
            execution_repository=repos.executions if repos else None,
            node_execution_repository=repos.node_executions if repos else None,
            triggered_from="cli",
            **options,
        )
    except (FlowdeckError, OSError, TypeError, ValueError) as exc:
        if repos is not None:
            repos.close()
        raise bad_input(str(exc)) from None
    except Exception as exc:  # the database or broker could not be opened
        raise bad_input(f"cannot open run storage ({mask_url(settings.database_url)}): {exc}") from None
    try:
        result = _watch(handle, quiet=as_json)
    except KeyboardInterrupt:
        handle.terminate("interrupted (Ctrl-C)")
        result = handle.wait(30)
    finally:
        if repos is not None:
            repos.close()
    if as_json:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False, default=str))
    else:
        _summary(result)
    raise typer.Exit(EXIT_CODES.get(result.status, 1))


def _watch(handle: Any, *, quiet: bool) -> RunResult:
    if quiet:
        return handle.wait()
    console = Console(stderr=True, highlight=False)
    console.print(f"[bold]run[/] {handle.run_id}")
    streamed = False
    for event in handle.events():
        if isinstance(event, NodeStreamChunkEvent):
            sys.stdout.write(event.chunk)
            sys.stdout.flush()
            streamed = True
        elif isinstance(event, NodeStartedEvent):
            console.print(f"  [cyan]▶[/] {event.title or event.node_id} [dim]({event.node_type})[/]")
        elif isinstance(event, NodeRetryEvent):
            console.print(
                f"  [yellow]↻[/] {event.title or event.node_id} retry {event.retry_index}: {event.error}"
            )
        elif isinstance(event, NodeSkippedEvent):
            console.print(f"  [dim]· {event.title or event.node_id} skipped[/]")
        elif isinstance(event, NodeEndedEvent):
            status = event.name.removeprefix("node_")
            style = STATUS_STYLE.get(status, "white")
            error = getattr(event, "error", "") or getattr(event, "reason", "")
            tail = f": {error}" if error else ""
            took = f"{event.elapsed_time * 1000:.1f} ms"
            console.print(f"  [{style}]■[/] {event.title or event.node_id} {status} ({took}){tail}")
    if streamed:
        sys.stdout.write("\n")
    return handle.wait()


def _summary(result: RunResult) -> None:
    console = Console(highlight=False)
    table = Table(title=f"run {result.run_id}", show_lines=False)
    for column in ("node", "type", "status", "retries", "elapsed ms"):
        table.add_column(column)
    for n in result.node_executions:
        style = STATUS_STYLE.get(n.status, "white")
        table.add_row(
            n.title or n.node_id,
            n.node_type,
            f"[{style}]{n.status}[/]",
            str(n.retry_count),
            f"{n.elapsed_time * 1000:.1f}",
        )
    console.print(table)
    style = STATUS_STYLE.get(result.status, "white")
    console.print(
        f"[{style}]{result.status}[/] in {result.elapsed_time:.3f} s, {result.total_steps} steps,"
        f" {result.total_tokens} tokens"
    )
    if result.error:
        console.print(f"[red]{result.error}[/]")
    console.print_json(json.dumps(result.outputs, ensure_ascii=False, default=str))


def result_json(result: RunResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "status": result.status,
        "outputs": result.outputs,
        "error": result.error or None,
        "stream": result.stream,
        "total_steps": result.total_steps,
        "total_tokens": result.total_tokens,
        "elapsed_time": result.elapsed_time,
        "nodes": [
            {
                "node_id": n.node_id,
                "title": n.title,
                "type": n.node_type,
                "status": n.status,
                "retry_count": n.retry_count,
                "elapsed_time": n.elapsed_time,
            }
            for n in result.node_executions
        ],
    }
