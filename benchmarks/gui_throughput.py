"""The console under a storm of events: a 1,000-node workflow whose nodes finish at ~10,000 events/s.

    .venv/bin/python benchmarks/gui_throughput.py [--seconds 5] [--rate 10000] [--json] [--strict]

A producer thread plays the part of the engine: it calls the bridge's listener (what an
engine thread calls) with started/succeeded events of a 1,000-node graph, node after node,
round after round, at the given rate.  The real main window (runs list, canvas, charts,
inspector) follows the run live.  Measured in the GUI thread:

- frames applied per second (bridge drains that carried events);
- event-to-screen delay: from an event's ``at`` to the end of the synchronous repaint of
  the canvas that showed it (median, p99);
- the GUI thread's busiest 100 ms (time spent draining, applying and painting);
- input latency: a posted event's wait in the queue, sampled every 20 ms (p99, max).

Goals (issue 7): >= 30 updates/s, p99 event-to-screen < 150 ms, input handled within 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import bench_support  # first: puts the project on sys.path
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app import style
from desktop_app.app import tune_garbage_collector
from desktop_app.main_window import MainWindow
from engine import events as ev
from engine.dsl import load_workflow
from engine.service import Flowdeck
from engine.settings import Settings

NODES = 1000
LAYER = 25  # nodes per layer: 40 layers


def thousand_node_graph() -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}}
    ]
    edges: list[dict[str, Any]] = []
    previous = ["start"]
    for i in range(NODES - 1):
        layer = i // LAYER
        node_id = f"n{i}"
        nodes.append(
            {
                "id": node_id,
                "data": {
                    "type": "variable-aggregator",
                    "title": f"Step {i}",
                    "output_type": "string",
                    "variables": [[previous[i % len(previous)], "output"]],
                },
            }
        )
        edges.append({"id": f"e{i}", "source": previous[i % len(previous)], "target": node_id})
        if (i + 1) % LAYER == 0 or i == NODES - 2:
            previous = [f"n{j}" for j in range(layer * LAYER, i + 1)]
    return {"nodes": nodes, "edges": edges}


class _Probe(QObject):
    """Measures how long a posted event waits before the GUI thread handles it."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []
        self._type = QEvent.Type(QEvent.registerEventType())

    def post(self) -> None:
        event = QEvent(self._type)
        event.posted_at = time.perf_counter()  # type: ignore[attr-defined]
        QCoreApplication.postEvent(self, event)

    def event(self, event: QEvent) -> bool:
        posted = getattr(event, "posted_at", None)
        if posted is not None:
            self.waits.append(time.perf_counter() - posted)
            return True
        return super().event(event)


def produce(
    listener: Any, run_id: str, workflow: Any, rate: float, seconds: float, stop: threading.Event
) -> int:
    seq = 0

    def emit(event: ev.EngineEvent) -> None:
        listener(event)

    seq += 1
    emit(
        ev.RunStartedEvent(
            run_id=run_id,
            seq=seq,
            at=time.time(),
            workflow_id=workflow.id,
            workflow_name=workflow.name,
            graph_hash=workflow.graph_hash,
        )
    )
    node_ids = list(workflow.graph.nodes)
    types = {n: s.type for n, s in workflow.graph.nodes.items()}
    t0 = time.perf_counter()
    sent = 0
    round_no = 0
    while not stop.is_set() and time.perf_counter() - t0 < seconds:
        for node_id in node_ids:
            execution_id = f"{node_id}-{round_no}"
            now = time.time()
            node = {"run_id": run_id, "at": now, "node_execution_id": execution_id, "node_id": node_id}
            node["node_type"] = types[node_id]
            emit(ev.NodeStartedEvent(seq=seq + 1, index=seq + 1, **node))
            emit(ev.NodeSucceededEvent(seq=seq + 2, started_at=now, **node))
            seq += 2
            sent += 2
            target = t0 + sent / rate  # pace to the rate
            delay = target - time.perf_counter()
            if delay > 0.002:
                time.sleep(delay)
            if stop.is_set() or time.perf_counter() - t0 >= seconds:
                break
        round_no += 1
    seq += 1
    emit(ev.RunSucceededEvent(run_id=run_id, seq=seq, at=time.time(), total_steps=sent // 2))
    return sent


def measure(rate: float, seconds: float) -> dict[str, Any]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    style.apply(app, False)
    workflow = load_workflow(thousand_node_graph())
    with tempfile.TemporaryDirectory() as tmp:
        flowdeck = Flowdeck(Settings(database_url=f"sqlite:///{Path(tmp) / 'runs.db'}"))
        window = MainWindow(flowdeck)
        window.resize(1600, 960)
        window.show()
        run_id = "bench-run"
        # follow the run as the console follows a run of its own process
        from desktop_app.run_state import RunState

        window.follower.state = RunState(run_id, workflow=workflow)
        window.follower._live = True
        window.canvas.set_workflow(workflow)
        window.canvas.fit()
        tune_garbage_collector()  # as the application does once its window is up
        warm_until = time.perf_counter() + 0.5  # the window is on screen before the run starts
        while time.perf_counter() < warm_until:
            app.processEvents()
            time.sleep(0.005)

        busy: list[tuple[float, float]] = []  # (start, duration) of each applied frame
        delays: list[float] = []
        original_drain = window.bridge.drain
        queue = window.bridge._queue

        def drain() -> None:
            start = time.perf_counter()
            ats = [e.at for e in list(queue)]
            if not ats:
                return
            original_drain()
            window.canvas.viewport().repaint()
            shown = time.time()
            delays.extend(shown - at for at in ats)
            busy.append((start, time.perf_counter() - start))

        window.bridge._timer.timeout.disconnect()
        window.bridge._timer.timeout.connect(drain)
        probe = _Probe()
        sampler = QTimer()
        sampler.setInterval(20)
        sampler.timeout.connect(probe.post)
        sampler.start()

        stop = threading.Event()
        result: dict[str, int] = {}
        producer = threading.Thread(
            target=lambda: result.setdefault(
                "sent", produce(window.bridge.listener, run_id, workflow, rate, seconds, stop)
            ),
            daemon=True,
        )
        t0 = time.perf_counter()
        producer.start()
        while producer.is_alive() or queue:
            app.processEvents()
            time.sleep(0.001)
        for _ in range(5):
            app.processEvents()
        wall = time.perf_counter() - t0
        sampler.stop()
        window.close()
        flowdeck.close()

    windows: dict[int, float] = {}
    for start, duration in busy:
        windows[int((start - t0) / 0.1)] = windows.get(int((start - t0) / 0.1), 0.0) + duration
    delays.sort()
    waits = sorted(probe.waits)
    return {
        "events": result.get("sent", 0),
        "event_rate": result.get("sent", 0) / wall,
        "frames_per_s": len(busy) / wall,
        "delay_median_ms": 1000 * statistics.median(delays) if delays else None,
        "delay_p95_ms": 1000 * delays[int(0.95 * (len(delays) - 1))] if delays else None,
        "delay_p99_ms": 1000 * delays[int(0.99 * (len(delays) - 1))] if delays else None,
        "delay_max_ms": 1000 * delays[-1] if delays else None,
        "busiest_100ms_ms": 1000 * max(windows.values(), default=0.0),
        "input_p99_ms": 1000 * waits[int(0.99 * (len(waits) - 1))] if waits else None,
        "input_max_ms": 1000 * waits[-1] if waits else None,
        "machine": bench_support.machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=10_000.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    figures = measure(args.rate, args.seconds)
    goals = {
        "frames_per_s": (figures["frames_per_s"] >= 30, ">= 30"),
        "delay_p99_ms": ((figures["delay_p99_ms"] or 0) < 150, "< 150"),
        "input_p99_ms": ((figures["input_p99_ms"] or 0) < 50, "< 50"),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        rows = [
            ("events sent", f"{figures['events']:,}", ""),
            ("event rate", f"{figures['event_rate']:,.0f}/s", ""),
            ("frames applied", f"{figures['frames_per_s']:.1f}/s", goals["frames_per_s"][1]),
            ("event-to-screen median", f"{figures['delay_median_ms']:.1f} ms", ""),
            ("event-to-screen p95", f"{figures['delay_p95_ms']:.1f} ms", ""),
            ("event-to-screen p99", f"{figures['delay_p99_ms']:.1f} ms", goals["delay_p99_ms"][1]),
            ("event-to-screen max", f"{figures['delay_max_ms']:.1f} ms", ""),
            ("busiest 100 ms of the GUI thread", f"{figures['busiest_100ms_ms']:.1f} ms", ""),
            (
                "input wait p99 / max",
                f"{figures['input_p99_ms']:.1f} / {figures['input_max_ms']:.1f} ms",
                goals["input_p99_ms"][1],
            ),
        ]
        print(bench_support.table(["measure", "value", "goal"], rows))
    missed = [k for k, (ok, _) in goals.items() if not ok]
    if missed:
        print("missed:", ", ".join(missed), file=sys.stderr)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
