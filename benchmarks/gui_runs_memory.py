"""Memory and fluidity of the console's runs list over 100,000 runs.

Writes ``--runs`` run records into a temporary SQLite through the SQL store's bulk
upsert, opens the real :class:`~desktop_app.runs.RunsPanel` offscreen, scrolls it
from the first row to the last one screen at a time (waiting at each stop until
the rows in view are loaded) and reports the resident memory:

* baseline: this process with an empty QApplication (and the engine imported),
* after writing the records, after opening the panel, after the full scroll,
* the longest time the event loop was busy in one go while scrolling (a freeze
  would show here), and how many pages the model read.

The run fails (exit 1) when the app holding the list exceeds ``--limit-mb`` (300).

    .venv/bin/python benchmarks/gui_runs_memory.py            # 100,000 runs
    .venv/bin/python benchmarks/gui_runs_memory.py --runs 20000
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

from bench_support import machine, table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from desktop_app.runs import RunsPanel
from desktop_app.tasks import TaskRunner
from engine.lifecycle.records import WorkflowExecution
from engine.persistence.sql import upsert_runs
from engine.service import Flowdeck
from engine.settings import Settings

STATUSES = ("succeeded", "failed", "partial-succeeded", "terminated", "succeeded", "running")
WORKFLOWS = ("billing-sync", "nightly-etl", "report-llm", "crm-import", "invoice-ocr")
GRAPH = {"nodes": [{"id": "start"}, {"id": "llm"}], "edges": [{"source": "start", "target": "llm"}]}


def rss_mb() -> float:
    """Resident set size of this process (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def record(n: int, now: float) -> WorkflowExecution:
    status = STATUSES[n % len(STATUSES)]
    run = WorkflowExecution.new(
        id=f"bench-{n:07d}",
        workflow_id=f"wf-{WORKFLOWS[n % len(WORKFLOWS)]}",
        workflow_name=WORKFLOWS[n % len(WORKFLOWS)],
        version="1",
        graph=GRAPH,
        graph_hash="",
        inputs={"region": "us", "n": n},
        started_at=now - 30.0 * n,
        seq=1 if status == "running" else 10,
    )
    run.status = status
    if status != "running":
        run.elapsed_time = 3.0 + n % 50
        run.finished_at = run.started_at + run.elapsed_time
        run.error = "HTTP 503 from the upstream" if status == "failed" else ""
    run.total_steps = 4 + n % 9
    run.total_tokens = (n * 37) % 9000
    return run


def write_records(flowdeck: Flowdeck, count: int, chunk: int = 5000) -> float:
    engine = flowdeck.repositories.executions.engine  # the SQL store's engine
    now = time.time()
    t0 = time.perf_counter()
    for start in range(0, count, chunk):
        upsert_runs(engine, [record(n, now) for n in range(start, min(count, start + chunk))], validate=False)
    return time.perf_counter() - t0


def pump_until(app: QApplication, done: object, timeout: float, stalls: list[float]) -> bool:
    """Process events until ``done()`` (bounded by ``timeout``); record each busy stretch."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t0 = time.perf_counter()
        app.processEvents()
        stalls.append(time.perf_counter() - t0)
        if done():  # type: ignore[operator]
            return True
        time.sleep(0.002)
    return False


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--runs", type=int, default=100_000, help="run records to write (default 100000)")
    parser.add_argument("--limit-mb", type=float, default=300.0, help="RSS the app must stay under")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    app = QApplication.instance() or QApplication(sys.argv[:1])
    gc.collect()
    baseline = rss_mb()
    stalls: list[float] = []
    with tempfile.TemporaryDirectory(prefix="flowdeck-gui-bench-") as tmp:
        flowdeck = Flowdeck(Settings(database_url=f"sqlite:///{tmp}/runs.db"))
        write_s = write_records(flowdeck, args.runs)
        gc.collect()
        after_write = rss_mb()
        tasks = TaskRunner()
        panel = RunsPanel(flowdeck, tasks)
        panel.resize(1200, 700)
        panel.show()
        model = panel.model
        t_open = time.perf_counter()
        if not pump_until(app, lambda: model.rowCount() == args.runs and model.run_at(0), 30, stalls):
            print(f"the panel did not list {args.runs} runs within 30 s (shows {model.rowCount()})")
            return 1
        open_s = time.perf_counter() - t_open
        after_open = rss_mb()

        bar = panel.table.verticalScrollBar()
        pump_until(app, lambda: bar.maximum() > 0 or args.runs < 40, 10, stalls)  # the view laid out its rows
        screen = max(1, bar.pageStep())
        stalls.clear()
        t_scroll = time.perf_counter()
        stops = 0
        for value in [*range(0, bar.maximum(), screen), bar.maximum()]:
            bar.setValue(value)
            stops += 1
            first, last = value, min(args.runs - 1, value + screen)
            if not pump_until(app, lambda f=first, la=last: model.run_at(f) and model.run_at(la), 10, stalls):
                print(f"rows {first}..{last} were not loaded within 10 s")
                return 1
        scroll_s = time.perf_counter() - t_scroll
        gc.collect()
        after_scroll = rss_mb()
        cache = model.cache
        tasks.close()
        flowdeck.close()

    held = after_scroll
    print(f"runs list memory, {args.runs:,} runs, machine {machine()}")
    print(
        table(
            ["measure", "value"],
            [
                ["RSS baseline (empty QApplication + engine imported), MiB", round(baseline, 1)],
                ["RSS after writing the records, MiB", round(after_write, 1)],
                ["RSS with the panel open, MiB", round(after_open, 1)],
                ["RSS after scrolling through every row, MiB", round(after_scroll, 1)],
                ["growth over the baseline, MiB", round(after_scroll - baseline, 1)],
                ["growth from opening the panel to the end, MiB", round(after_scroll - after_open, 1)],
                ["writing the records, s", round(write_s, 2)],
                ["first page shown after, s", round(open_s, 3)],
                [f"scroll to the end ({stops} screens), s", round(scroll_s, 2)],
                ["longest busy event-loop stretch scrolling, ms", round(max(stalls, default=0) * 1e3, 1)],
                ["pages read / held at the end", f"{cache.pages_fetched} / {len(cache.loaded_pages())}"],
                ["rows held at the end", cache.loaded_rows],
            ],
        )
    )
    if held > args.limit_mb:
        print(f"FAIL: {held:.1f} MiB is over the limit of {args.limit_mb:.0f} MiB")
        return 1
    print(f"ok: under {args.limit_mb:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
