"""``flowdeck replay RUN_ID``: rerun a recorded run, or replay it from its failure.

``--plan`` prints which nodes the replay reuses and which run, with the time and
tokens the reuse saves, and starts nothing.  Without ``--detach`` the command
follows the new run live to its end (exit codes of ``flowdeck run``).  With
``--detach`` it starts the replay in a background ``flowdeck`` process of its own
(a run lives in the process that executes it), prints the new run's id and
returns; ``flowdeck watch`` follows it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from engine.cli import app
from engine.cli.inputs import load_mock_file, parse_json_object
from engine.cli.output import EXIT_BAD_INPUT, bad_input, dumps, esc, fail, out_console

if TYPE_CHECKING:
    from engine.api import ReplayPlan, WorkflowExecution

DETACH_ANNOUNCE_S = 60.0


@app.command("replay")
def replay_command(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one")],
    from_failure: Annotated[
        bool, typer.Option("--from-failure", help="Reuse what succeeded; run the failed and later nodes")
    ] = False,
    inputs: Annotated[
        str | None, typer.Option("--inputs", "-i", help="Edited inputs (JSON or @file), rerun only")
    ] = None,
    mock: Annotated[Path | None, typer.Option("--mock", help="YAML/JSON file of node mocks")] = None,
    plan: Annotated[
        bool, typer.Option("--plan", help="Show what would be reused and run; start nothing")
    ] = False,
    detach: Annotated[bool, typer.Option("--detach", help="Start it in the background and return")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    announce: Annotated[bool, typer.Option("--announce-run-id", hidden=True)] = False,
) -> None:
    """Replay RUN_ID (a whole rerun unless --from-failure), linked to it as replay_of."""
    from engine.api import FlowdeckError
    from engine.cli.context import load_settings, open_flowdeck, resolve_run
    from engine.cli.session import follow_to_end

    mode = "from-failure" if from_failure else "rerun"
    edited = parse_json_object(inputs) if inputs is not None else None
    mocks = load_mock_file(mock)
    if detach and plan:
        raise bad_input("--detach and --plan: a plan starts nothing, there is nothing to detach")
    service = open_flowdeck(load_settings())
    try:
        original = resolve_run(service, run_id)
        if plan:
            try:
                shown = service.replay_plan(original.id, mode)  # type: ignore[arg-type]
            except (FlowdeckError, ValueError) as exc:
                fail(str(exc), EXIT_BAD_INPUT)
            titles = {i: spec.title for i, spec in service.workflow_of(original).all_nodes().items()}
            _print_plan(original, shown, titles, as_json=as_json)
            raise typer.Exit(0)
        if detach:
            _detach(_child_argv(original.id, from_failure, inputs, mock), as_json=as_json)
            raise typer.Exit(0)
        try:
            handle = service.replay(original.id, mode, inputs=edited, mocks=mocks)  # type: ignore[arg-type]
        except (FlowdeckError, ValueError, LookupError) as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        if announce:
            _announce_and_go_quiet(handle.run_id)
        code = follow_to_end(service, handle, service.workflow_of(original), as_json=as_json or announce)
    finally:
        service.close()
    raise typer.Exit(code)


def _child_argv(run_id: str, from_failure: bool, inputs: str | None, mock: Path | None) -> list[str]:
    """The same replay for the background process (same cwd and environment), announcing its id."""
    argv = [sys.executable, "-m", "engine.cli", "replay", run_id, "--announce-run-id"]
    if from_failure:
        argv.append("--from-failure")
    if inputs is not None:
        argv += ["--inputs", inputs]
    if mock is not None:
        argv += ["--mock", str(mock.resolve())]
    return argv


def _announce_and_go_quiet(run_id: str) -> None:
    """Background child: tell the parent the new run id, then write nowhere (the parent has gone)."""
    sys.stdout.write(run_id + "\n")
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _detach(argv: list[str], *, as_json: bool) -> None:
    from engine.api import RunStatus

    child = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None and child.stderr is not None
    try:
        line = _read_line(child)
    except TimeoutError:
        child.kill()
        fail(f"the background replay did not start within {DETACH_ANNOUNCE_S:g} s")
    if not line:
        child.wait(10)
        error = child.stderr.read().strip().splitlines()
        fail(error[-1] if error else f"the background replay exited with code {child.returncode}")
    new_id = line.strip()
    if as_json:
        typer.echo(dumps({"run_id": new_id, "status": RunStatus.RUNNING, "pid": child.pid}))
    else:
        out_console().print(
            f"replay {esc(new_id)} started in the background (pid {child.pid});"
            f" follow it with `flowdeck watch {esc(new_id)}`"
        )


def _read_line(child: subprocess.Popen[str]) -> str:
    import selectors

    assert child.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(child.stdout, selectors.EVENT_READ)
        if not sel.select(DETACH_ANNOUNCE_S):
            raise TimeoutError
    return child.stdout.readline()


def _print_plan(
    original: WorkflowExecution, plan: ReplayPlan, titles: dict[str, str], *, as_json: bool
) -> None:
    from engine.api import NodeStatus
    from engine.cli.theme import status_style

    if as_json:
        typer.echo(
            dumps(
                {
                    "run_id": original.id,
                    "mode": plan.mode,
                    "reused": sorted(plan.reused),
                    "rerun": list(plan.rerun),
                    "saved_time_s": plan.saved_time_s,
                    "saved_tokens": plan.saved_tokens,
                }
            )
        )
        return
    out = out_console()
    table = Table(title=Text(f"replay plan for {original.id} ({plan.mode})"))
    table.add_column("node", overflow="fold")
    table.add_column("action")
    reused = Text(NodeStatus.REUSED, style=status_style(NodeStatus.REUSED))
    for node_id in plan.reused:
        table.add_row(Text(_label(node_id, titles)), reused.copy())
    for node_id in plan.rerun:
        table.add_row(Text(_label(node_id, titles)), Text("runs", style="bold"))
    out.print(table)
    out.print(
        Text(
            f"{len(plan.reused)} reused, {len(plan.rerun)} run; reuse saves"
            f" {plan.saved_time_s:.3f} s and {plan.saved_tokens} tokens. Nothing was started."
        )
    )


def _label(node_id: str, titles: dict[str, str]) -> str:
    title = titles.get(node_id, node_id)
    return node_id if title == node_id else f"{title} ({node_id})"
