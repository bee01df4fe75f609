"""Skipped nodes appear in `flowdeck run`'s summary and JSON, and in `flowdeck show`."""

from __future__ import annotations

from engine.lifecycle import NodeExecution, WorkflowExecution
from engine.persistence.sql import open_run_store
from tests.engine.cli.conftest import Cli
from tests.engine.cli.workflows import GREETING


def test_run_lists_the_branch_not_taken_as_skipped(cli: Cli) -> None:
    code, data = cli.json("run", str(GREETING), "--inputs", '{"name": "Al"}')
    assert code == 0
    statuses = {n["node_id"]: n["status"] for n in data["nodes"]}
    assert statuses["note_long"] == "skipped" and statuses["note_short"] == "succeeded"
    summary = cli("run", str(GREETING), "--inputs", '{"name": "Al"}')
    assert summary.exit_code == 0
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in summary.stdout.splitlines()]
    assert ["Long", "template-transform", "skipped", "-", "-"] in rows


def test_show_renders_skipped_records(cli: Cli, cli_env: dict[str, str]) -> None:
    store = open_run_store(cli_env["FLOWDECK_DATABASE_URL"])
    run = WorkflowExecution.new(
        id="run-skip", workflow_id="wf", workflow_name="W", version="1", graph={}, graph_hash="",
        inputs={}, started_at=1_000.0, seq=1,
    )  # fmt: skip
    run.status, run.seq = "succeeded", 3
    skipped = NodeExecution(
        id="ne-skip", run_id=run.id, index=2, node_id="note_long", node_type="template-transform",
        title="Long", status="skipped", created_at=1_000.5, seq=2,
    )  # fmt: skip
    store.save(run)
    store.save(skipped)
    assert store.flush(10)
    store.close()
    shown = cli("show", "run-skip")
    assert shown.exit_code == 0, shown.output
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in shown.stdout.splitlines()]
    # no retries, timings or attempts for a node that never ran
    assert ["2", "Long (note_long)", "template-transform", "skipped", "-", "-", "-", "-", ""] in rows
