"""Render the main window with a finished sample run selected to a PNG, without a display.

    python -m desktop_app.screenshot OUT.png [--workflow FILE] [--theme light|dark] [--size 1680x980]

Runs the workflow (default: the bundled sample, with the mocks beside it) on a temporary
SQLite database to its end, selects the run and its failed node, lets the views settle
and grabs the window.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from desktop_app import style
from desktop_app.app import SAMPLE, SAMPLE_INPUTS, application, mocks_beside
from desktop_app.states import run_final
from engine.api import Flowdeck, NodeStatus, Settings

SETTLE_S = 1.2


def _pump(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def render(
    out: Path,
    workflow: Path,
    *,
    dark: bool,
    size: tuple[int, int],
    timeout: float = 60.0,
    live_at: float | None = None,
) -> Path:
    """``live_at``: grab the window that many seconds into the run instead of at its end."""
    app = application()
    style.apply(app, dark)
    from desktop_app.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        flowdeck = Flowdeck(Settings(database_url=f"sqlite:///{Path(tmp) / 'runs.db'}"))
        window = MainWindow(flowdeck, dark=dark)
        window.resize(*size)
        window.show()
        inputs = SAMPLE_INPUTS if workflow == SAMPLE else {}
        _earlier_runs(flowdeck, workflow, inputs, timeout)
        window.start_run(workflow, inputs, mocks=mocks_beside(workflow))
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        while time.monotonic() < deadline:
            state = window.follower.state
            if live_at is not None and time.monotonic() - started >= live_at:
                break
            if live_at is None and state is not None and run_final(state.run):
                break
            _pump(0.05)
        else:
            raise TimeoutError(f"the run of {workflow} did not end within {timeout} s")
        state = window.follower.state
        assert state is not None
        failed = [r.node_id for r in state.records() if r.status in (NodeStatus.FAILED, NodeStatus.EXCEPTION)]
        retried = [r.node_id for r in state.records() if r.retry_count]
        window.select_node((failed or retried or [""])[0])
        if live_at is None:
            window.reload()
            _pump(SETTLE_S)
        window.canvas.fit()
        _pump(0.3)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise OSError(f"could not write {out}")
        window.close()
        flowdeck.close()
    return out


def _earlier_runs(flowdeck: Flowdeck, workflow: Path, inputs: dict[str, object], timeout: float) -> None:
    """Two earlier runs so the trend chart has history: one whose last node succeeded (mocked), one as is."""
    import yaml

    mocks_path = mocks_beside(workflow)
    mocks = yaml.safe_load(mocks_path.read_text(encoding="utf-8")) if mocks_path else {}
    if workflow == SAMPLE:
        published = {"outputs": {"url": "http://127.0.0.1:9/reports/2026-12-02"}, "delay_ms": 300}
        ok = dict(mocks, publish=published)
        flowdeck.runs.start(workflow, inputs, mocks=ok).wait(timeout)
    flowdeck.runs.start(workflow, inputs, mocks=mocks).wait(timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.screenshot")
    parser.add_argument("out", type=Path)
    parser.add_argument("--workflow", type=Path, default=SAMPLE)
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--live-at", type=float, default=None, help="grab this many seconds into the run")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    width, height = (int(v) for v in args.size.lower().split("x", 1))
    path = render(
        args.out,
        args.workflow.resolve(),
        dark=args.theme == "dark",
        size=(width, height),
        live_at=args.live_at,
    )
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
