"""`flowdeck runs`, `flowdeck show`, `flowdeck db upgrade` against a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.lifecycle import NodeAttempt, NodeExecution, WorkflowExecution
from engine.persistence.sql import open_run_store


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "FLOWDECK_DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'flowdeck.db'}",
        "FLOWDECK_CONFIG_FILE": "/nonexistent/flowdeck.toml",
    }


def invoke(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def recorded(env: dict[str, str]) -> dict[str, str]:
    store = open_run_store(env["FLOWDECK_DATABASE_URL"])
    ok = WorkflowExecution.new(
        id="0f1e2d3c-ok",
        workflow_id="wf-a",
        workflow_name="Alpha",
        version="2",
        graph={"nodes": []},
        graph_hash="h",
        inputs={"q": "hi"},
        started_at=1_000.0,
        seq=1,
    )
    ok.status, ok.elapsed_time, ok.total_steps, ok.total_tokens, ok.seq = "succeeded", 1.5, 2, 30, 9
    bad = WorkflowExecution.new(
        id="7a8b-failed",
        workflow_id="wf-b",
        workflow_name="Beta",
        version="1",
        graph={},
        graph_hash="",
        inputs={},
        started_at=2_000.0,
        seq=1,
    )
    bad.status, bad.error, bad.seq = "failed", "HTTP 503 from upstream", 5
    node = NodeExecution(
        id="ne-1",
        run_id=bad.id,
        index=1,
        node_id="fetch",
        node_type="http-request",
        created_at=2_000.1,
        title="Fetch",
        status="failed",
        error="HTTP 503 from upstream",
        retry_count=1,
        elapsed_time=0.7,
        queue_wait=0.002,
        seq=4,
        attempts=[
            NodeAttempt(0, 2_000.1, 2_000.3, "HTTP 502", "failed"),
            NodeAttempt(1, 2_000.5, 2_000.8, "HTTP 503 from upstream", "failed"),
        ],
    )
    for record in (ok, bad, node):
        store.save(record)
    assert store.close()
    return env


def test_runs_table_lists_newest_first(recorded) -> None:
    result = invoke(recorded, "runs")
    assert result.exit_code == 0, result.output
    assert result.output.index("7a8b-failed") < result.output.index("0f1e2d3c-ok")
    assert "Alpha" in result.output and "failed" in result.output and "2 in all" in result.output


def test_runs_filters_and_json(recorded) -> None:
    result = invoke(recorded, "runs", "--status", "succeeded", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 1 and [r["id"] for r in data["runs"]] == ["0f1e2d3c-ok"]
    assert "graph" not in data["runs"][0]
    by_name = json.loads(invoke(recorded, "runs", "--workflow", "Beta", "--json").output)
    by_id = json.loads(invoke(recorded, "runs", "--workflow", "wf-b", "--json").output)
    assert [r["id"] for r in by_name["runs"]] == [r["id"] for r in by_id["runs"]] == ["7a8b-failed"]
    limited = json.loads(invoke(recorded, "runs", "--limit", "1", "--json").output)
    assert len(limited["runs"]) == 1 and limited["total"] == 2


def test_runs_rejects_an_unknown_status(recorded) -> None:
    result = invoke(recorded, "runs", "--status", "exploded")
    assert result.exit_code == 2 and "must be one of" in result.output


def test_runs_on_an_empty_database(env) -> None:
    result = invoke(env, "runs")
    assert result.exit_code == 0 and "no runs recorded" in result.output


def test_show_prints_summary_nodes_and_attempts(recorded) -> None:
    result = invoke(recorded, "show", "7a8b-failed")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Beta" in out and "HTTP 503 from upstream" in out
    assert "Fetch (fetch)" in out and "http-request" in out
    assert "1. failed 200 ms: HTTP 502" in out and "2. failed 300 ms" in out


def test_show_accepts_a_unique_prefix_and_prints_json(recorded) -> None:
    result = invoke(recorded, "show", "7a8b", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["run"]["id"] == "7a8b-failed"
    assert [a["error"] for a in data["nodes"][0]["attempts"]] == ["HTTP 502", "HTTP 503 from upstream"]


@pytest.mark.parametrize("run_id", ["nope", ""])
def test_show_unknown_run_exits_2(recorded, run_id: str) -> None:
    result = invoke(recorded, "show", run_id or "%")
    assert result.exit_code == 2
    assert "no run with id" in result.output


def test_db_upgrade_reports_revision_and_masks_the_password(env, tmp_path: Path) -> None:
    result = invoke(env, "db", "upgrade")
    assert result.exit_code == 0, result.output
    from alembic.script import ScriptDirectory

    from engine.persistence.sql.database import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert f"is at revision {head}" in result.output
    assert (tmp_path / "db" / "flowdeck.db").exists()
    unreachable = {**env, "FLOWDECK_DATABASE_URL": "postgresql://ana:s3cret@127.0.0.1:1/flowdeck"}
    failed = invoke(unreachable, "db", "upgrade")
    assert failed.exit_code == 4  # the one exit code of an unreachable database
    assert "ana:***@127.0.0.1:1" in failed.output and "s3cret" not in failed.output
