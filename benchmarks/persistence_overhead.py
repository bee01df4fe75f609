"""Persistence overhead: W1 and W2 of the engine benchmark with run records stored.

    .venv/bin/python benchmarks/persistence_overhead.py [--repeat 7] [--json]
        [--backends none,sqlite,postgres,celery]

Backends (``persistence_backends.py``): no persistence; sync SQLite (a file in a temp
dir); sync PostgreSQL (a temp database on 127.0.0.1:5432, dropped afterwards; the row
is skipped with the reason when unreachable); Celery remote (a private redis-server
and one ``celery worker`` on ``workflow_storage`` writing to a temp SQLite file).
Repositories come from ``engine.persistence.factory.build_repositories`` and go to
``engine.run_workflow(..., execution_repository=..., node_execution_repository=...)``.

For each shape and repetition every backend runs once, in turn.  ``run_workflow``
returns after the run's repositories flushed (sync: written; Celery: handed to the
broker or the outbox).  Reported: median wall time of ``run_workflow``, its ratio to
no persistence, and "stored after": the time from ``run_workflow`` returning until
the run and every node execution are in the database with their final ``seq``
(polled every 5 ms; the next run starts only after that).  Also reported: the
engine run alone (the run's ``elapsed_time``, start to terminal event) and its ratio.
Goals (issue 4): sync SQLite <= 1.5x, Celery <= 1.2x, all records stored <= 2 s
after the run ends; both readings of "the run" get a verdict.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from typing import Any

import bench_support as bs
import workflow_shapes as ws
from persistence_backends import BACKENDS, Backend, Unavailable

GOALS = {"sync SQLite": 1.5, "Celery remote": 1.2}
STORED_GOAL_S = 2.0
STORED_TIMEOUT_S = 60.0
POLL_S = 0.005


def _run_once(backend: Backend, workflow: Any, token: str) -> tuple[float, float, float]:
    """(run seconds, stored-after seconds, engine seconds) of one checked run.

    The engine time is the run's own ``elapsed_time`` (start to terminal event);
    the run time adds what ``run_workflow`` does after it (a sync store's flush).
    """
    from engine import run_workflow

    t0 = time.perf_counter()
    result = run_workflow(workflow, inputs={ws.INPUT: token}, timeout=120, **backend.run_options())
    run_s = time.perf_counter() - t0
    if result.status != "succeeded" or result.outputs.get(ws.RESULT) != token:
        raise RuntimeError(f"{backend.name}: run ended {result.status} {result.outputs!r} {result.error}")
    if backend.db is None:
        return run_s, 0.0, result.elapsed_time
    assert result.execution is not None
    run_seq = result.execution.seq
    node_seqs = [n.seq for n in result.node_executions]
    deadline = t0 + run_s + STORED_TIMEOUT_S
    while not backend.stored(result.run_id, run_seq, node_seqs):
        if time.perf_counter() > deadline:
            raise RuntimeError(
                f"{backend.name}: records of run {result.run_id} not stored within {STORED_TIMEOUT_S} s"
            )
        time.sleep(POLL_S)
    return run_s, time.perf_counter() - t0 - run_s, result.elapsed_time


def measure(repeat: int, names: list[str]) -> dict[str, Any]:
    from engine import load_workflow

    machine = bs.machine()  # load average before we add ours
    skipped: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        backends: list[Backend] = []
        for name in names:
            try:
                backends.append(stack.enter_context(BACKENDS[name]()))
            except Unavailable as exc:
                skipped[name] = str(exc)
            except Exception as exc:  # a set-up failure skips that row, the others still run
                skipped[name] = f"set-up failed: {type(exc).__name__}: {exc}"
        for shape in ws.shapes()[:2]:  # W1, W2
            workflow = load_workflow(shape.graph)
            runs: dict[str, list[float]] = {b.name: [] for b in backends}
            lags: dict[str, list[float]] = {b.name: [] for b in backends}
            engine: dict[str, list[float]] = {b.name: [] for b in backends}
            for backend in backends:
                _run_once(backend, workflow, "warm-up")
            for rep in range(repeat):
                for backend in backends:
                    run_s, lag_s, engine_s = _run_once(backend, workflow, f"v{rep}")
                    runs[backend.name].append(run_s * 1000)
                    lags[backend.name].append(lag_s * 1000)
                    engine[backend.name].append(engine_s * 1000)
            base = bs.median(runs["none"]) if "none" in runs else None
            engine_base = bs.median(engine["none"]) if "none" in engine else None
            for backend in backends:
                median_ms = bs.median(runs[backend.name])
                rows.append(
                    {
                        "shape": shape.key,
                        "backend": backend.name,
                        "nodes": shape.nodes,
                        "median_ms": median_ms,
                        "per_node_us": median_ms * 1000 / shape.nodes,
                        "x_none": median_ms / base if base else None,
                        "engine_ms": bs.median(engine[backend.name]),
                        "engine_x_none": bs.median(engine[backend.name]) / engine_base
                        if engine_base
                        else None,
                        "stored_after_median_ms": bs.median(lags[backend.name]),
                        "stored_after_max_ms": max(lags[backend.name]),
                        "samples_ms": runs[backend.name],
                    }
                )
    return {"machine": machine, "repeat": repeat, "results": rows, "skipped": skipped}


def verdicts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        goal = GOALS.get(row["backend"])
        if goal is not None and row["x_none"] is not None:
            out.append(
                {
                    "shape": row["shape"],
                    "what": f"{row['backend']} run until run_workflow returns <= {goal}x",
                    "value": row["x_none"],
                    "verdict": "PASS" if row["x_none"] <= goal else "FAIL",
                }
            )
            out.append(
                {
                    "shape": row["shape"],
                    "what": f"{row['backend']} engine run (start to terminal event) <= {goal}x",
                    "value": row["engine_x_none"],
                    "verdict": "PASS" if row["engine_x_none"] <= goal else "FAIL",
                }
            )
        if row["backend"] == "Celery remote":
            ok = row["stored_after_max_ms"] <= STORED_GOAL_S * 1000
            out.append(
                {
                    "shape": row["shape"],
                    "what": f"Celery all stored <= {STORED_GOAL_S:g} s after the run (max)",
                    "value": row["stored_after_max_ms"] / 1000,
                    "verdict": "PASS" if ok else "FAIL",
                }
            )
    return out


def print_report(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(
        f"Persistence overhead: median of {report['repeat']} repetitions, "
        f"Python {m['python']}, {m['cpus']} CPUs, load average before the run {m['load_average_1m']}"
    )
    titles = {s.key: f"{s.key} {s.title}" for s in ws.shapes()}
    rows = []
    last = ""
    for r in report["results"]:
        shape = titles[r["shape"]] if r["shape"] != last else ""
        last = r["shape"]
        rows.append(
            [
                shape,
                r["backend"],
                r["median_ms"],
                r["per_node_us"],
                r["x_none"],
                r["engine_ms"],
                r["engine_x_none"],
                r["stored_after_median_ms"],
                r["stored_after_max_ms"],
            ]
        )
    headers = [
        "shape",
        "persistence",
        "run ms",
        "us/node",
        "x none",
        "engine ms",
        "x none",
        "stored after ms (median)",
        "(max)",
    ]
    print(bs.table(headers, rows))
    for name, reason in report["skipped"].items():
        print(f"skipped {name}: {reason}")
    for v in report["verdicts"]:
        print(f"{v['shape']} {v['what']}: {v['value']:.2f} {v['verdict']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run-record persistence overhead on W1 and W2.")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--backends", default=",".join(BACKENDS), help=f"subset of {','.join(BACKENDS)}")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    unknown = set(names) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    if "none" not in names:
        names.insert(0, "none")
    report = measure(max(1, args.repeat), names)
    report["verdicts"] = verdicts(report["results"])
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    failed = any(v["verdict"] == "FAIL" for v in report["verdicts"])
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
