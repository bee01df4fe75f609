"""A run whose owner stopped reporting ends `interrupted`: its own state in `runs`, `show`, `watch`
and the run JSON, in a colour of its own, with exit code 5 (README, exit codes)."""

from __future__ import annotations

import pytest

from engine.api import NodeStatus, RunStatus
from engine.lifecycle import NodeExecution, WorkflowExecution
from engine.persistence.sql import open_run_store
from tests.engine.cli.conftest import Cli

RUN_ID = "5e6f-interrupted"
#: rich's 256-colour code of the theme's interrupted colour (dark_orange), of failed (red), terminated
ANSI_INTERRUPTED, ANSI_FAILED, ANSI_TERMINATED = "\x1b[38;5;208m", "\x1b[31m", "\x1b[35m"


@pytest.fixture
def interrupted(cli_env: dict[str, str]) -> str:
    """An interrupted run as the orphan sweep leaves it: one node done, the one that was running ended."""
    store = open_run_store(cli_env["FLOWDECK_DATABASE_URL"])
    run = WorkflowExecution.new(
        id=RUN_ID, workflow_id="wf-i", workflow_name="Nightly", version="1", graph={}, graph_hash="",
        inputs={"region": "eu"}, started_at=3_000.0, seq=1,
    )  # fmt: skip
    store.save(run)
    done = NodeExecution(
        id="ne-start", run_id=RUN_ID, index=1, node_id="start", node_type="start", title="Start",
        created_at=3_000.1, status=NodeStatus.SUCCEEDED, finished_at=3_000.2, elapsed_time=0.1, seq=2,
    )  # fmt: skip
    cut = NodeExecution(
        id="ne-fetch", run_id=RUN_ID, index=2, node_id="fetch", node_type="http-request", title="Fetch",
        created_at=3_000.2, status=NodeStatus.TERMINATED, error="interrupted: its owner stopped reporting",
        finished_at=3_012.0, elapsed_time=11.8, seq=4,
    )  # fmt: skip
    store.save(done)
    store.save(cut)
    run.status, run.error, run.finished_at, run.elapsed_time = (
        RunStatus.INTERRUPTED, "interrupted: its owner stopped reporting", 3_012.0, 12.0,
    )  # fmt: skip
    run.seq = 2**62  # the sweep's final seq
    store.save(run)
    assert store.flush(30)
    store.close()
    return RUN_ID


def test_runs_lists_interrupted_as_its_own_status(cli: Cli, interrupted: str) -> None:
    code, page = cli.json("runs", "--status", "interrupted")
    assert code == 0
    assert [(r["id"], r["status"]) for r in page["runs"]] == [(interrupted, "interrupted")]
    code, failed = cli.json("runs", "--status", "failed")
    assert (code, failed["total"]) == (0, 0)
    table = cli("runs")
    assert table.exit_code == 0, table.output
    assert "interrupted" in table.output


def test_show_colours_interrupted_apart_from_failed_and_terminated(cli: Cli, interrupted: str) -> None:
    colour = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLORTERM": "", "NO_COLOR": "", "COLUMNS": "240"}
    result = cli("show", interrupted[:4], env=colour)
    assert result.exit_code == 0, result.output
    assert f"{ANSI_INTERRUPTED}interrupted" in result.output
    assert f"{ANSI_TERMINATED}terminated" in result.output  # the node that was cut off
    assert f"{ANSI_FAILED}interrupted:" in result.output  # the error text, in the errors' red


def test_watch_of_an_interrupted_run_exits_5_with_its_run_json(cli: Cli, interrupted: str) -> None:
    code, data = cli.json("watch", interrupted, "--timeout", "10")
    assert code == 5
    assert data["status"] == "interrupted"
    assert data["error"] == "interrupted: its owner stopped reporting"
    nodes = [(n["node_id"], n["status"]) for n in data["nodes"]]
    assert nodes == [("start", "succeeded"), ("fetch", "terminated")]
    shown = cli("watch", interrupted, "--timeout", "10")
    assert shown.exit_code == 5, shown.output
    assert "interrupted in 12.000 s" in shown.stdout


def test_terminate_of_an_interrupted_run_says_it_already_ended(cli: Cli, interrupted: str) -> None:
    result = cli("terminate", interrupted)
    assert result.exit_code == 2, result.output
