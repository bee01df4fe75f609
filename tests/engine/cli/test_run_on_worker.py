"""`flowdeck run --on-worker`: the run executes on a real celery worker, the CLI follows it live."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.cli.conftest import Cli
from tests.engine.cli.workflows import GREETING, ROOT, write_mocks
from tests.support.celery_worker import CeleryWorkerProcess, worker_env
from tests.support.redis_server import RedisServer, running_redis
from tests.support.waiting import wait_until


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def worker(
    redis_server: RedisServer, cli_env: dict[str, str], tmp_path: Path
) -> Iterator[CeleryWorkerProcess]:
    extra = {"FLOWDECK_PERSISTENCE": "sync", "FLOWDECK_DATA_DIR": str(tmp_path / "worker-data")}
    env = worker_env(redis_server.url, cli_env["FLOWDECK_DATABASE_URL"], extra=extra)
    # `flowdeck worker`, as an operator starts one: it executes runs and stores records
    proc = CeleryWorkerProcess("", "workflow_runs", env, tmp_path / "w.log", "cli", cli=True)
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


@contextlib.contextmanager
def running_on_worker(
    request: pytest.FixtureRequest, cli: Cli, tmp_path: Path, name: str, mock: dict
) -> Iterator[tuple[subprocess.Popen[str], str, dict[str, str]]]:
    """A `flowdeck run --on-worker --json` in a subprocess, once its run is recorded running:
    (the process, the run id, the broker settings); the process is killed if still up after."""
    redis_server = request.getfixturevalue("redis_server")
    request.getfixturevalue("worker")
    broker = {"FLOWDECK_CELERY__BROKER_URL": redis_server.url, "FLOWDECK_CELERY__SOCKET_TIMEOUT_S": "1.0"}
    mocks = write_mocks(tmp_path, {"count": mock}, "slow.yml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "run", str(GREETING), "--inputs", json.dumps({"name": name}),
         "--mock", str(mocks), "--on-worker", "--json"],
        cwd=ROOT, env={**os.environ, **cli.env, **broker}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_until(lambda: cli.json("runs", "--status", "running")[1]["total"] == 1, 60, "the worker's run")
        yield proc, cli.json("runs")[1]["runs"][0]["id"], broker
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)


def test_run_on_worker_prints_the_same_json_and_records_the_run(
    request: pytest.FixtureRequest, cli: Cli
) -> None:
    redis_server = request.getfixturevalue("redis_server")
    request.getfixturevalue("worker")
    broker = {"FLOWDECK_CELERY__BROKER_URL": redis_server.url, "FLOWDECK_CELERY__SOCKET_TIMEOUT_S": "1.0"}
    live = cli("run", str(GREETING), "--inputs", '{"name": "Ada Lovelace"}', "--on-worker", env=broker)
    assert live.exit_code == 0, live.output
    assert "▶ Count letters (code)" in live.stderr
    assert "warning" not in live.stderr  # the broker URL is used, not ignored
    result = cli("run", str(GREETING), "--inputs", '{"name": "Bo"}', "--on-worker", "--json", env=broker)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["outputs"]["greeting"] == "Hello, Bo!"
    assert {n["node_id"]: n["status"] for n in data["nodes"]}["note_long"] == "skipped"
    code, listed = cli.json("runs")
    assert code == 0 and data["run_id"] in {r["id"] for r in listed["runs"]}


def test_terminate_and_watch_a_run_on_a_worker(
    request: pytest.FixtureRequest, cli: Cli, tmp_path: Path
) -> None:
    slow = {"outputs": {"letters": 1}, "delay_ms": 30_000}
    with running_on_worker(request, cli, tmp_path, "Al", slow) as (proc, run_id, broker):
        code, data = cli.json("terminate", run_id, "--reason", "stop it", env=broker)
        assert code == 3, data
        assert data["status"] == "terminated" and "stop it" in data["error"]
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    assert json.loads(out)["status"] == "terminated"


def test_watch_a_run_on_a_worker_from_its_event_stream(
    request: pytest.FixtureRequest, cli: Cli, tmp_path: Path
) -> None:
    slow = {"outputs": {"letters": 11}, "delay_ms": 1_500}
    with running_on_worker(request, cli, tmp_path, "Ada Lovelace", slow) as (proc, run_id, broker):
        watched = cli("watch", run_id, "--timeout", "60", env=broker)
        out, err = proc.communicate(timeout=60)
    assert watched.exit_code == 0, watched.output
    assert "▶ Count letters (code)" in watched.stderr and "■ Count letters succeeded" in watched.stderr
    assert proc.returncode == 0, err
    assert json.loads(out)["outputs"]["note"] == "That is a long name (11 letters)."
