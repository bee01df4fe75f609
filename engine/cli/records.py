"""``flowdeck runs``, ``flowdeck show RUN_ID`` and ``flowdeck db upgrade``.

The database URL comes from :class:`engine.settings.Settings` and is only ever
printed masked.  An unknown or ambiguous run id exits with code 2.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from engine.cli import app
from engine.cli.theme import STATUS_STYLE
from engine.lifecycle.records import NodeExecution, RunStatus, WorkflowExecution
from engine.persistence.protocols import RunQuery
from engine.persistence.sql import SqlRunStore, open_run_store, upgrade_database
from engine.persistence.sql.database import create_engine_for, current_revision
from engine.settings import Settings, mask_url

db_app = typer.Typer(help="Manage the run-record database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _out() -> Console:
    # piped output (scripts, tests) gets a wide page instead of rich's 80 columns
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=200)


def _fail(message: str, code: int = 1) -> NoReturn:
    Console(stderr=True, highlight=False).print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _safe_error(exc: Exception, url: str) -> str:
    """The error text without the URL's password."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    password = make_url(url).password
    return text.replace(str(password), "***") if password else text


def _open() -> SqlRunStore:
    url = Settings().database_url
    try:
        return open_run_store(url)
    except (SQLAlchemyError, OSError) as exc:
        _fail(f"cannot open the database {mask_url(url)}: {_safe_error(exc, url)}")


def _when(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _secs(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _status(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def _table(title: str, columns: list[tuple[str, str]]) -> Table:
    """A table with ``(name, justify)`` columns that fold long cells."""
    table = Table(title=title)
    for column, justify in columns:
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return table


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
    if status is not None and status not in RunStatus.ALL:
        raise typer.BadParameter(f"must be one of {', '.join(sorted(RunStatus.ALL))}", param_hint="--status")
    store = _open()
    try:
        query = RunQuery(status=status, workflow_id=workflow, text=search, limit=limit, page=page)
        result = store.list_runs(query)
        if workflow is not None and result.total == 0:  # not an id: try it as a name
            query = RunQuery(status=status, workflow_name=workflow, text=search, limit=limit, page=page)
            result = store.list_runs(query)
    finally:
        store.close()
    if as_json:
        payload = {
            "total": result.total,
            "page": result.page,
            "limit": result.limit,
            "runs": [_run_json(r) for r in result.items],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    out = _out()
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
            r.id,
            r.workflow_name or r.workflow_id,
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


def _resolve(store: SqlRunStore, run_id: str) -> WorkflowExecution:
    run = store.get_run(run_id)
    if run is not None:
        return run
    matches = store.find_run_ids(run_id, limit=5)
    if len(matches) == 1:
        found = store.get_run(matches[0])
        if found is not None:
            return found
    if matches:
        _fail(f"run id {run_id!r} is ambiguous: {', '.join(matches)}", code=2)
    _fail(f"no run with id {run_id!r} (see `flowdeck runs`)", code=2)


@app.command("show")
def show_command(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show one run: its summary and every node execution with attempts and timings."""
    store = _open()
    try:
        run = _resolve(store, run_id)
        nodes = store.get_node_executions(run.id)
    finally:
        store.close()
    if as_json:
        payload = {"run": _run_json(run), "nodes": [n.to_dict() for n in nodes]}
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    out = _out()
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    rows: list[tuple[str, Any]] = [
        ("run", run.id),
        (
            "workflow",
            f"{run.workflow_name or run.workflow_id} ({run.workflow_id}, version {run.version or '-'})",
        ),
        ("status", _status(run.status)),
        ("started", _when(run.started_at)),
        ("finished", _when(run.finished_at)),
        ("elapsed", _secs(run.elapsed_time)),
        ("steps / tokens / exceptions", f"{run.total_steps} / {run.total_tokens} / {run.exceptions_count}"),
        ("triggered from", run.triggered_from),
    ]
    if run.replay_of:
        rows.append(("replay of", run.replay_of))
    if run.error:
        rows.append(("error", Text(run.error, style="red")))
    rows.append(("inputs", _short_json(run.inputs)))
    rows.append(("outputs", _short_json(run.outputs)))
    for key, value in rows:
        summary.add_row(key, value)
    out.print(summary)
    out.print(_node_table(nodes))


def _short_json(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_table(nodes: list[NodeExecution]) -> Table:
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
        attempts = "\n".join(
            f"{a.index + 1}. {a.status} {_secs(a.elapsed_time)}" + (f": {a.error}" if a.error else "")
            for a in n.attempts
        )
        label = n.node_id if not n.title or n.title == n.node_id else f"{n.title} ({n.node_id})"
        if "reused_from" in n.metadata:
            attempts = f"reused from {n.metadata['reused_from']}"
        table.add_row(
            str(n.index),
            label,
            n.node_type,
            _status(n.status),
            str(n.retry_count),
            _secs(n.queue_wait),
            _secs(n.elapsed_time),
            attempts or "-",
            Text(n.error, style="red") if n.error else "",
        )
    return table


@db_app.command("upgrade")
def db_upgrade_command() -> None:
    """Create or migrate the run-record database to the latest schema."""
    url = Settings().database_url
    try:
        upgrade_database(url)
        engine = create_engine_for(url)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
    except (SQLAlchemyError, OSError) as exc:
        _fail(f"cannot upgrade the database {mask_url(url)}: {_safe_error(exc, url)}")
    _out().print(f"database {mask_url(url)} is at revision {revision}")
