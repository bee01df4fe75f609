"""watch / terminate / pause / resume / replay against runs of another `flowdeck run` process.

Every run here is real: a `flowdeck run` subprocess on a private SQLite database,
steered from this process through the CLI (CliRunner) and the records.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.cli.conftest import Cli
from tests.engine.cli.test_run_command import RUN_KEYS
from tests.engine.cli.workflows import GREETING, ROOT, write_mocks
from tests.support.waiting import wait_until


class Background:
    """A `flowdeck run` process and the id of its run."""

    def __init__(self, cli: Cli, tmp_path: Path, delay_ms: int, name: str = "Ada Lovelace") -> None:
        mocks = write_mocks(
            tmp_path, {"count": {"outputs": {"letters": 11}, "delay_ms": delay_ms}}, "slow.yml"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", "run", str(GREETING), "--inputs", json.dumps({"name": name}),
             "--mock", str(mocks), "--json"],
            cwd=ROOT, env={**os.environ, **cli.env}, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.run_id = ""

        def started() -> bool:
            code, data = cli.json("runs", "--status", "running")
            if code == 0 and data["runs"]:
                self.run_id = data["runs"][0]["id"]
            return bool(self.run_id) or self.proc.poll() is not None

        wait_until(started, 60, "the background run to be recorded as running")
        assert self.run_id, self.proc.communicate()

    def finish(self, timeout: float = 60) -> tuple[int, dict]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, json.loads(out) if out.strip() else {"stderr": err}


@pytest.fixture
def background(cli: Cli, tmp_path: Path) -> Iterator[list[Background]]:
    started: list[Background] = []
    yield started
    for bg in started:
        if bg.proc.poll() is None:
            bg.proc.kill()
        if bg.proc.stdout is not None and not bg.proc.stdout.closed:
            bg.proc.communicate(timeout=10)


def test_terminate_stops_a_run_of_another_process_and_prints_its_record(
    cli: Cli, tmp_path: Path, background: list[Background]
) -> None:
    bg = Background(cli, tmp_path, delay_ms=30_000)
    background.append(bg)
    wait_until(
        lambda: any(n["node_id"] == "count" for n in cli.json("show", bg.run_id)[1]["nodes"]),
        30,
        "the slow node to start",
    )
    code, data = cli.json("terminate", bg.run_id, "--reason", "ops said [stop]")
    assert code == 3, data
    assert set(data) == RUN_KEYS
    assert data["status"] == "terminated" and "ops said [stop]" in data["error"]
    assert {n["node_id"]: n["status"] for n in data["nodes"]}["count"] == "terminated"
    assert not any(n["status"] == "running" for n in data["nodes"])
    exit_code, ran = bg.finish()
    assert exit_code == 3 and ran["status"] == "terminated"


def test_control_of_an_ended_or_unknown_run_is_refused_clearly(cli: Cli) -> None:
    code, data = cli.json("run", str(GREETING), "--inputs", '{"name": "Al"}')
    assert code == 0
    for command in ("terminate", "pause", "resume"):
        result = cli(command, data["run_id"])
        assert result.exit_code == 2, result.output
        assert f"run {data['run_id']} already ended succeeded" in " ".join(result.stderr.split())
    unknown = cli("terminate", "no-such-run")
    assert unknown.exit_code == 2 and "no run with id 'no-such-run'" in unknown.stderr


def test_watch_follows_a_run_of_another_process_to_its_end(
    cli: Cli, tmp_path: Path, background: list[Background]
) -> None:
    bg = Background(cli, tmp_path, delay_ms=1_500)
    background.append(bg)
    watched = cli("watch", bg.run_id, "--timeout", "60")
    assert watched.exit_code == 0, watched.output
    assert "▶ Count letters (code)" in watched.stderr
    assert "■ Count letters succeeded" in watched.stderr
    assert "That is a long name (11 letters)." in watched.stdout  # the summary's outputs
    exit_code, ran = bg.finish()
    assert exit_code == 0
    code, again = cli.json("watch", bg.run_id)  # an ended run: its record at once
    assert code == 0 and set(again) == RUN_KEYS
    assert again["outputs"] == ran["outputs"] and again["status"] == "succeeded"
    assert again["nodes"] == ran["nodes"]  # the same object as `flowdeck run --json`, skipped nodes too


def test_pause_then_resume_a_run_of_another_process(
    cli: Cli, tmp_path: Path, background: list[Background]
) -> None:
    bg = Background(cli, tmp_path, delay_ms=1_500)
    background.append(bg)
    paused = cli("pause", bg.run_id, "--wait", "30")
    assert paused.exit_code == 0, paused.output
    assert f"run {bg.run_id} is paused" in paused.stdout
    assert cli.json("show", bg.run_id)[1]["run"]["status"] == "paused"
    resumed = cli("resume", bg.run_id, "--json", "--wait", "60")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["status"] == "succeeded"
    exit_code, ran = bg.finish()
    assert exit_code == 0 and ran["outputs"]["note"] == "That is a long name (11 letters)."


@pytest.fixture
def failed_run(cli: Cli, tmp_path: Path) -> str:
    mocks = write_mocks(tmp_path, {"count": {"error": "counter offline"}}, "broken.yml")
    code, data = cli.json("run", str(GREETING), "--inputs", '{"name": "Ada Lovelace"}', "--mock", str(mocks))
    assert code == 1 and data["status"] == "failed"
    return data["run_id"]


def test_replay_plan_shows_what_is_reused_and_starts_nothing(cli: Cli, failed_run: str) -> None:
    code, plan = cli.json("replay", failed_run, "--from-failure", "--plan")
    assert code == 0, plan
    assert plan["mode"] == "from-failure"
    assert {"start", "greet"} <= set(plan["reused"]) and "count" in plan["rerun"]
    assert plan["saved_time_s"] >= 0 and plan["saved_tokens"] == 0
    shown = cli("replay", failed_run, "--from-failure", "--plan")
    assert "Greeting (greet)" in shown.stdout and "Nothing was started" in shown.stdout
    assert cli.json("runs")[1]["total"] == 1


def test_replay_from_failure_blocks_until_the_new_run_ends(cli: Cli, failed_run: str) -> None:
    code, data = cli.json("replay", failed_run, "--from-failure")
    assert code == 0, data
    assert set(data) == RUN_KEYS and data["run_id"] != failed_run
    assert data["outputs"] == {
        "greeting": "Hello, Ada Lovelace!",
        "note": "That is a long name (11 letters).",
    }
    record = cli.json("show", data["run_id"])[1]
    assert record["run"]["replay_of"] == failed_run
    reused = {n["node_id"] for n in record["nodes"] if "reused_from" in n["metadata"]}
    assert "greet" in reused and "count" not in reused


def test_replay_with_edited_inputs_reruns_the_whole_run(cli: Cli, failed_run: str) -> None:
    code, data = cli.json("replay", failed_run, "--inputs", '{"name": "Bo"}')
    assert code == 0, data
    assert data["outputs"]["greeting"] == "Hello, Bo!"
    refused = cli("replay", failed_run, "--from-failure", "--inputs", '{"name": "Bo"}')
    assert refused.exit_code == 2 and "rerun instead" in refused.stderr


def test_replay_detach_returns_at_once_and_the_replay_runs_on(cli: Cli, failed_run: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "replay", failed_run, "--from-failure", "--detach", "--json"],
        cwd=ROOT, env={**os.environ, **cli.env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    new_id = json.loads(proc.stdout)["run_id"]
    wait_until(
        lambda: cli.json("show", new_id)[1]["run"]["status"] == "succeeded", 60, "the detached replay to end"
    )
    assert cli.json("show", new_id)[1]["run"]["replay_of"] == failed_run


def test_ctrl_c_terminates_the_run_and_records_it(cli: Cli, tmp_path: Path) -> None:
    import signal

    mocks = write_mocks(tmp_path, {"count": {"outputs": {"letters": 1}, "delay_ms": 30_000}}, "slow.yml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "run", str(GREETING), "--inputs", '{"name": "Al"}',
         "--mock", str(mocks)],
        cwd=ROOT, env={**os.environ, **cli.env}, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_until(lambda: cli.json("runs", "--status", "running")[1]["total"] == 1, 60, "the run to start")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, err
    assert "Traceback" not in err and "terminated" in out
    run = cli.json("runs")[1]["runs"][0]
    assert run["status"] == "terminated" and "Ctrl-C" in run["error"]


def test_resume_continues_here_a_paused_run_whose_process_died(
    cli: Cli, tmp_path: Path, background: list[Background]
) -> None:
    bg = Background(cli, tmp_path, delay_ms=1_000)
    background.append(bg)
    assert cli("pause", bg.run_id, "--wait", "30").exit_code == 0
    bg.proc.kill()
    bg.proc.communicate(timeout=10)  # reaped, its pipes closed
    resumed = cli("resume", bg.run_id, "--json")
    assert resumed.exit_code == 0, resumed.output
    data = json.loads(resumed.stdout)
    assert data["run_id"] == bg.run_id and data["status"] == "succeeded"
    assert data["outputs"]["note"] == "That is a long name (11 letters)."
