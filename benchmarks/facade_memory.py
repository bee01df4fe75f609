"""What the facade keeps, and how its queries fare while terminates are verified.

``python benchmarks/facade_memory.py memory --runs 10000``: tiny runs one after the
other through one :class:`Flowdeck` on a SQLite file; prints, at checkpoints, the run
handles still alive (``gc``), the events they hold and the traced Python memory.

``python benchmarks/facade_memory.py latency``: three runs owned by other processes,
stopped (SIGSTOP) for ``--hold`` seconds; three terminates are verified while a
``list_runs`` is asked for.  ``old`` is the console's former way (terminate, then wait
for the record, on its three I/O threads, the query queued behind them); ``facade`` the
non-blocking control (``flowdeck.control.terminate`` futures) with the query on the
caller's thread.  Prints the query's latency and when the first verification ended.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import bench_support  # noqa: F401  (puts the repository on sys.path)

from engine.dsl import load_workflow
from engine.run import RunHandle
from engine.service import Flowdeck
from engine.settings import Settings
from engine.status import RunStatus

TINY = {
    "nodes": [
        {"id": "start", "data": {"type": "start", "title": "Start", "variables": [{"variable": "x"}]}},
        {
            "id": "say",
            "data": {
                "type": "template-transform",
                "title": "say",
                "template": "hi {{ x }}",
                "variables": [{"variable": "x", "value_selector": ["start", "x"]}],
            },
        },
        {
            "id": "end",
            "data": {
                "type": "end",
                "title": "end",
                "outputs": [{"variable": "out", "value_selector": ["say", "output"]}],
            },
        },
    ],
    "edges": [{"source": "start", "target": "say"}, {"source": "say", "target": "end"}],
}


def _start(flowdeck: Flowdeck, workflow: Any, inputs: dict[str, Any]) -> Any:
    runs = getattr(flowdeck, "runs", None)
    return runs.start(workflow, inputs) if runs is not None else flowdeck.start(workflow, inputs)


def memory(runs: int, checkpoints: list[int], traced: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        flowdeck = Flowdeck(Settings(database_url=f"sqlite:///{Path(tmp) / 'runs.db'}", persistence="sync"))
        workflow = load_workflow(TINY)
        if traced:
            tracemalloc.start()
        t0 = time.perf_counter()
        print(f"{'runs':>6} {'handles':>8} {'events':>8} {'traced MB':>10} {'s':>7}")
        for i in range(1, runs + 1):
            _start(flowdeck, workflow, {"x": str(i)}).wait(30)
            if i in checkpoints:
                gc.collect()
                handles = [o for o in gc.get_objects() if isinstance(o, RunHandle)]
                events = sum(len(h.history()) for h in handles)
                mb = tracemalloc.get_traced_memory()[0] / 1e6 if traced else float("nan")
                print(f"{i:>6} {len(handles):>8} {events:>8} {mb:>10.2f} {time.perf_counter() - t0:>7.1f}")
                del handles  # else the next count finds these through this list
        flowdeck.close()


def latency(hold: float, mode: str) -> None:
    from tests.engine.control.conftest import OwnerProcess

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'runs.db'}"
        owners = []
        for i in range(3):
            gate = Path(tmp) / f"gate{i}"
            gate.touch()
            inputs = {"log_file": f"{tmp}/log{i}", "gate_file": str(gate)}
            owners.append(OwnerProcess(url, "gated_steps", inputs))
        flowdeck = Flowdeck(Settings(database_url=url, persistence="sync"))
        records = flowdeck.repositories.executions
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(_running(records.get_run(o.run_id)) for o in owners):
            time.sleep(0.05)
        for o in owners:
            os.kill(o.proc.pid, signal.SIGSTOP)  # the owners cannot act on the terminate for ``hold`` s
        t_start = time.perf_counter()
        ends: list[float] = []
        if mode == "old":  # the console's former way: three I/O threads, terminate then wait
            pool = ThreadPoolExecutor(max_workers=3)

            def verify(run_id: str) -> None:
                flowdeck.terminate(run_id, "bench")
                flowdeck.wait_for_end(run_id, 10.0)
                ends.append(time.perf_counter() - t_start)

            for o in owners:
                pool.submit(verify, o.run_id)
            t0 = time.perf_counter()
            query = pool.submit(flowdeck.list_runs)
            time.sleep(hold)
            for o in owners:
                os.kill(o.proc.pid, signal.SIGCONT)
            query.result(60)
            waited = time.perf_counter() - t0
            pool.shutdown(wait=True)
        else:
            futures = [flowdeck.control.terminate(o.run_id, "bench") for o in owners]
            for f in futures:
                f.add_done_callback(lambda _f: ends.append(time.perf_counter() - t_start))
            t0 = time.perf_counter()
            flowdeck.queries.list_runs()
            waited = time.perf_counter() - t0
            time.sleep(hold)
            for o in owners:
                os.kill(o.proc.pid, signal.SIGCONT)
            for f in futures:
                f.result(60)
        print(
            f"{mode}: list_runs answered after {waited * 1000:.1f} ms; "
            f"first verification ended after {min(ends):.2f} s (owners held {hold} s)"
        )
        flowdeck.close()
        for o in owners:
            o.finish(30)
            o.stop()


def _running(run: Any) -> bool:
    return run is not None and run.status == RunStatus.RUNNING


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="part", required=True)
    mem = sub.add_parser("memory")
    mem.add_argument("--runs", type=int, default=10_000)
    mem.add_argument("--no-trace", action="store_true", help="skip tracemalloc (faster)")
    lat = sub.add_parser("latency")
    lat.add_argument("--hold", type=float, default=3.0)
    lat.add_argument("--mode", choices=["old", "facade"], default="facade")
    args = parser.parse_args(argv)
    if args.part == "memory":
        marks = sorted({m for m in (100, 300, 1000, 2000, 5000, args.runs) if m <= args.runs})
        memory(args.runs, marks, traced=not args.no_trace)
    else:
        latency(args.hold, args.mode)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
