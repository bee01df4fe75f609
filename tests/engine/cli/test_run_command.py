"""`flowdeck run`: live output, --json, exit codes, and bad input without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parents[3]
GREETING = ROOT / "resources" / "workflows" / "greeting.yml"


#: the keys of `flowdeck run --json` (every command that ends with a run prints the same object)
RUN_KEYS = {
    "run_id",
    "status",
    "outputs",
    "error",
    "stream",
    "total_steps",
    "total_tokens",
    "elapsed_time",
    "nodes",
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "FLOWDECK_DATABASE_URL": f"sqlite:///{tmp_path / 'flowdeck.db'}",
        "FLOWDECK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "FLOWDECK_DATA_DIR": str(tmp_path / "data"),
    }


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, ["run", *args], env=env)


def test_json_output_has_the_documented_fields(env: dict[str, str]) -> None:
    result = run(env, str(GREETING), "--inputs", '{"name": "Ada Lovelace"}', "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == RUN_KEYS
    assert data["status"] == "succeeded"
    assert data["outputs"] == {
        "greeting": "Hello, Ada Lovelace!",
        "note": "That is a long name (11 letters).",
    }
    assert {"node_id", "title", "type", "status", "retry_count", "elapsed_time"} <= set(data["nodes"][0])
    assert {n["node_id"]: n["status"] for n in data["nodes"]}["long_name"] == "succeeded"


def test_runs_are_persisted_and_listed(env: dict[str, str]) -> None:
    first = run(env, str(GREETING), "--inputs", '{"name": "Bo"}', "--json")
    run_id = json.loads(first.stdout)["run_id"]
    listed = CliRunner().invoke(app, ["runs", "--json"], env=env)
    assert run_id in listed.stdout
    shown = CliRunner().invoke(app, ["show", run_id], env=env)
    assert shown.exit_code == 0 and "Count letters" in shown.stdout


def test_inputs_from_file_sys_values_and_mocks(env: dict[str, str], tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text('{"name": "Al"}')
    mocks = tmp_path / "mocks.yml"
    mocks.write_text(yaml.safe_dump({"count": {"outputs": {"letters": 99}}}))
    result = run(
        env, str(GREETING), "--inputs", f"@{inputs}", "--mock", str(mocks), "--sys", "user_id=op", "--json"
    )
    data = json.loads(result.stdout)
    assert data["outputs"]["note"] == "That is a long name (99 letters)."


def test_failed_run_exits_1(env: dict[str, str], tmp_path: Path) -> None:
    mocks = tmp_path / "mocks.yml"
    mocks.write_text(yaml.safe_dump({"count": {"error": "no counting today"}}))
    result = run(env, str(GREETING), "--inputs", '{"name": "Al"}', "--mock", str(mocks), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "failed" and "no counting today" in data["error"]


def test_terminated_run_exits_3(env: dict[str, str], tmp_path: Path) -> None:
    mocks = tmp_path / "mocks.yml"
    mocks.write_text(yaml.safe_dump({"count": {"outputs": {"letters": 1}, "delay_ms": 10_000}}))
    result = run(
        env, str(GREETING), "--inputs", '{"name": "Al"}', "--mock", str(mocks), "--timeout", "0.3", "--json"
    )
    assert result.exit_code == 3
    assert json.loads(result.stdout)["status"] == "terminated"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["missing.yml"], "missing.yml: file not found"),
        ([str(GREETING), "--inputs", "{not json"], "--inputs: not valid JSON"),
        ([str(GREETING), "--inputs", "[1]"], "inputs must be a JSON object"),
        ([str(GREETING), "--sys", "novalue"], "expected KEY=VALUE"),
        ([str(GREETING)], "name"),  # a required input is missing
    ],
)
def test_bad_input_exits_2_with_a_message(env: dict[str, str], args: list[str], needle: str) -> None:
    result = run(env, *args)
    assert result.exit_code == 2, result.output
    assert needle in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_broken_dsl_in_a_real_process_prints_no_traceback(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "kind: app\napp: {mode: workflow, name: b}\n"
        "workflow:\n  graph:\n    nodes: [{id: a, data: {type: nonsense}}]\n    edges: []\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "run", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "broken.yml" in proc.stderr and "unknown node type 'nonsense'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_live_progress_shows_nodes_and_streamed_text(env: dict[str, str]) -> None:
    result = run(env, str(GREETING), "--inputs", '{"name": "Ada"}')
    assert result.exit_code == 0
    assert "Count letters" in result.stderr and "succeeded" in result.stdout
    assert "Hello, Ada!" in result.stdout
