"""``flowdeck check WORKFLOW``: what the workflow needs from outside, and whether it is there.

Lists every model (llm, question-classifier, parameter-extractor), tool and
retriever the workflow's nodes use, with its status (``engine.api.check_requirements``).
Exit code 0 when all are available, 1 when something is missing, 2 when the file
does not load or the settings are invalid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.cli import app


@app.command()
def check(
    workflow: Annotated[Path, typer.Argument(help="A Dify DSL file (YAML).")],
) -> None:
    """List the models, tools and retrievers WORKFLOW needs and whether each is available."""
    from pydantic import ValidationError

    from engine.api import DslError, check_requirements, load_workflow

    try:
        loaded = load_workflow(workflow)
    except DslError as exc:
        typer.echo(f"cannot load workflow: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        report = check_requirements(loaded)
    except ValidationError as exc:
        typer.echo(f"invalid Flowdeck settings: {exc}", err=True)
        raise typer.Exit(2) from None
    requirements = report.requirements
    console = Console()
    if not requirements:
        console.print(Text(f"{loaded.name}: needs no models, tools or retrievers"))
        raise typer.Exit(0)
    table = Table(title=Text(f"{loaded.name}: external requirements"))
    for column in ("kind", "name", "status", "nodes", "detail"):
        table.add_column(column, overflow="fold")
    for req in requirements:
        status = "[green]available[/green]" if req.available else "[red]missing[/red]"
        table.add_row(Text(req.kind), Text(req.name), status, Text(", ".join(req.nodes)), Text(req.detail))
    console.print(table)
    for registry_name, errors in report.load_errors.items():
        for message in errors:
            typer.echo(f"warning: a {registry_name} entry point failed to load: {message}", err=True)
    if report.missing:
        typer.echo(f"{len(report.missing)} of {len(requirements)} requirement(s) missing", err=True)
        raise typer.Exit(1)
