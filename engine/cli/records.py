"""``flowdeck runs``, ``flowdeck show RUN_ID`` and ``flowdeck db upgrade``.

The database URL comes from the settings (``engine.api.Settings``) and is only ever
printed masked.  An unknown or ambiguous run id exits with code 2, a database
that cannot be opened with code 4.  Names, titles and errors are the user's
text: they are printed as :class:`rich.text.Text`, never as markup.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from engine.cli import app
from engine.cli.output import (
    EXIT_BAD_INPUT,
    dumps,
    fail,
    out_console,
    record_elapsed,
    storage_unreachable,
)
from engine.cli.theme import status_style

if TYPE_CHECKING:
    from engine.api import NodeExecution, RecordReader, RunPage, RunQuery, WorkflowExecution

db_app = typer.Typer(help="Manage the run-record database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _when(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _secs(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _status(status: str) -> Text:
    return Text(status, style=status_style(status, ""))


def _table(title: str, columns: list[tuple[str, str]]) -> Table:
    """A table with ``(name, justify)`` columns that fold long cells."""
    table = Table(title=Text(title))
    for column, justify in columns:
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return table


def _list_sqlite_fast(url: str, query: RunQuery, by_name: RunQuery | None) -> RunPage | None:
    """The page from a SQLite file without SQLAlchemy (``engine.api.list_runs_quick``)."""
    from engine.api import list_runs_quick

    result = list_runs_quick(url, query)
    if result is not None and by_name is not None and result.total == 0:  # not an id: try it as a name
        result = list_runs_quick(url, by_name)
    return result


@app.command("runs")
def runs_command(
    status: Annotated[str | None, typer.Option(help="Only runs with this status.")] = None,
    workflow: Annotated[str | None, typer.Option(help="Only runs of this workflow (id or name).")] = None,
    search: Annotated[str | None, typer.Option(help="Text in the run id, workflow, error or inputs.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Runs per page.")] = 20,
    page: Annotated[int, typer.Option(min=1, help="Page number, 1 = newest.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List recorded runs, newest first."""
    from engine.api import RunQuery, RunStatus
    from engine.cli.context import load_settings, open_store, read

    if status is not None and status not in set(RunStatus):
        raise typer.BadParameter(f"must be one of {', '.join(RunStatus)}", param_hint="--status")
    settings = load_settings()
    query = RunQuery(status=status, workflow_id=workflow, text=search, limit=limit, page=page)
    by_name = RunQuery(status=status, workflow_name=workflow, text=search, limit=limit, page=page)
    result = _list_sqlite_fast(settings.database_url, query, by_name if workflow is not None else None)
    if result is None:  # not SQLite, not there yet, another schema revision: the full path
        store = open_store(settings)
        try:
            result = read(store, settings.database_url, lambda s: s.list_runs(query))
            if workflow is not None and result.total == 0:  # not an id: try it as a name
                result = read(store, settings.database_url, lambda s: s.list_runs(by_name))
        finally:
            store.close()
    if as_json:
        payload = {
            "total": result.total,
            "page": result.page,
            "limit": result.limit,
            "runs": [_run_json(r) for r in result.items],
        }
        typer.echo(dumps(payload))
        return
    out = out_console()
    if not result.items:
        out.print(
            "no runs recorded" + (" that match" if result.total or status or workflow or search else "")
        )
        return
    table = _table(
        f"Runs (page {result.page}/{result.pages}, {result.total} in all)",
        [
            ("run id", "left"),
            ("workflow", "left"),
            ("status", "left"),
            ("started", "left"),
            ("elapsed", "right"),
            ("steps", "right"),
            ("tokens", "right"),
        ],
    )
    for r in result.items:
        table.add_row(
            Text(r.id),
            Text(r.workflow_name or r.workflow_id),
            _status(r.status),
            _when(r.started_at),
            _secs(r.elapsed_time),
            str(r.total_steps),
            str(r.total_tokens),
        )
    out.print(table)


def _run_json(run: WorkflowExecution) -> dict[str, Any]:
    data = run.to_dict()
    data.pop("graph", None)
    return data


def resolve_run_id(store: RecordReader, url: str, run_id: str) -> WorkflowExecution:
    """The run with id ``run_id`` or the one run whose id starts with it; exit 2 otherwise."""
    from engine.api import AmbiguousRunId, UnknownRun, find_run
    from engine.cli.context import read

    try:
        return read(store, url, lambda s: find_run(s, run_id))
    except AmbiguousRunId as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    except UnknownRun:
        fail(f"no run with id {run_id!r} (see `flowdeck runs`)", EXIT_BAD_INPUT)


@app.command("show")
def show_command(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show one run: its summary and every node execution (skipped ones too) with attempts and timings."""
    from engine.cli.context import load_settings, open_store, read

    settings = load_settings()
    store = open_store(settings)
    try:
        run = resolve_run_id(store, settings.database_url, run_id)
        nodes = read(store, settings.database_url, lambda s: s.get_node_executions(run.id))
    finally:
        store.close()
    if as_json:
        typer.echo(dumps({"run": _run_json(run), "nodes": [n.to_dict() for n in nodes]}))
        return
    out = out_console()
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    rows: list[tuple[str, Text]] = [
        ("run", Text(run.id)),
        (
            "workflow",
            Text(f"{run.workflow_name or run.workflow_id} ({run.workflow_id}, version {run.version or '-'})"),
        ),
        ("status", _status(run.status)),
        ("started", Text(_when(run.started_at))),
        ("finished", Text(_when(run.finished_at))),
        ("elapsed", Text(_secs(run.elapsed_time))),
        (
            "steps / tokens / exceptions",
            Text(f"{run.total_steps} / {run.total_tokens} / {run.exceptions_count}"),
        ),
        ("triggered from", Text(run.triggered_from or "-")),
    ]
    if run.replay_of:
        rows.append(("replay of", Text(run.replay_of)))
    if run.error:
        rows.append(("error", Text(run.error, style="red")))
    rows.append(("inputs", Text(_short_json(run.inputs))))
    rows.append(("outputs", Text(_short_json(run.outputs))))
    for key, value in rows:
        summary.add_row(key, value)
    out.print(summary)
    out.print(node_table(nodes))


def _short_json(value: Any, limit: int = 300) -> str:
    text = dumps(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_table(nodes: list[NodeExecution]) -> Table:
    """Every node record; a skipped node shows ``-`` for what it never had (attempts, timings)."""
    from engine.api import NodeStatus

    table = _table(
        f"Node executions ({len(nodes)})",
        [
            ("#", "right"),
            ("node", "left"),
            ("type", "left"),
            ("status", "left"),
            ("retries", "right"),
            ("queue wait", "right"),
            ("elapsed", "right"),
            ("attempts", "left"),
            ("error", "left"),
        ],
    )
    for n in nodes:
        skipped = n.status == NodeStatus.SKIPPED
        attempts = "\n".join(
            f"{a.index + 1}. {a.status} {_secs(a.elapsed_time)}" + (f": {a.error}" if a.error else "")
            for a in n.attempts
        )
        label = n.node_id if not n.title or n.title == n.node_id else f"{n.title} ({n.node_id})"
        if "reused_from" in n.metadata:
            attempts = f"reused from {n.metadata['reused_from']}"
        table.add_row(
            str(n.index),
            Text(label),
            Text(n.node_type),
            _status(n.status),
            "-" if skipped else str(n.retry_count),
            "-" if skipped else _secs(n.queue_wait),
            "-" if skipped else _secs(record_elapsed(n)),
            Text(attempts or "-"),
            Text(n.error, style="red") if n.error else "",
        )
    return table


@db_app.command("upgrade")
def db_upgrade_command() -> None:
    """Create or migrate the run-record database to the latest schema."""
    from engine.api import mask_url, storage_errors, upgrade_record_database
    from engine.cli.context import load_settings

    url = load_settings().database_url
    try:
        revision = upgrade_record_database(url)
    except storage_errors() as exc:
        storage_unreachable(url, exc)
    out_console().print(Text(f"database {mask_url(url)} is at revision {revision}"))
