"""The README's first command: the console opens on the embedded default and runs the sample."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from engine.api import Flowdeck, RunQuery, Settings
from tests.desktop_app.conftest import ROOT


def test_flowdeck_gui_is_a_command_of_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "engine.cli", "gui", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "--sample" in out.stdout and "console" in out.stdout


def test_the_console_opens_and_records_the_sample_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FLOWDECK_DATABASE_URL": url}
    log = tmp_path / "console.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "desktop_app", "--sample", "--theme", "dark"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        deck = Flowdeck(Settings(database_url=url))
        deadline = time.monotonic() + 60
        finished = None
        while time.monotonic() < deadline and proc.poll() is None:
            page = deck.list_runs(RunQuery(limit=5)) if (tmp_path / "runs.db").exists() else None
            if page is not None and page.items and page.items[0].is_final:
                finished = page.items[0]
                break
            time.sleep(0.2)
        assert proc.poll() is None, log.read_text()  # the window is still up
        assert finished is not None, "the sample run did not finish within 60 s"
        assert finished.workflow_name == "nightly-report" and finished.status == "failed"
        statuses = {n.node_id: n.status for n in deck.node_executions(finished.id)}
        assert statuses["publish"] == "failed" and statuses["fx_rates"] == "exception"
        deck.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
