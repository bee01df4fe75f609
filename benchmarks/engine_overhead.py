"""Engine overhead: Flowdeck vs a graphlib + ThreadPoolExecutor floor (and graphon).

    .venv/bin/python benchmarks/engine_overhead.py [--repeat 7] [--json] [--graphon|--no-graphon]

Four shapes of trivial nodes (variable-aggregator copies, see ``workflow_shapes.py``):
W1 a chain of 1,000; W2 start -> 200 parallel -> join -> end; W3 50 layers of 4
parallel nodes joined between layers; W4 100 separate runs of start -> 3 nodes -> end.
Each workflow is loaded once with ``engine.load_workflow`` and run with
``engine.run_workflow`` (engine defaults); every run is checked to succeed with the
input value at the end.  One warm-up run per shape and implementation, then
``--repeat`` repetitions, Flowdeck and the floor interleaved.  Reported: the median
wall time of a run, µs per node (nodes = every node of the graph, start and end
included; W4: ms per run) and the ratio to the floor.

``flowdeck`` is the default configuration (cheap pure nodes such as aggregators run
inline in the dispatcher thread); ``flowdeck/workers`` (``inline_pure_nodes=False``)
hands every node to the worker pool, like the floor does.  Targets (issue 13: <= 40 us/node,
<= 1 ms per tiny run) apply to ``flowdeck``.  Dify's engine runs in its own Python 3.12 venv when
``benchmarks/.venv-graphon`` exists (``benchmarks/setup_graphon.sh``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

import bench_support as bs
import workflow_shapes as ws

TARGET_US_PER_NODE = 40.0  # W1-W3 (issue 13; the goal beyond it: 10)
TARGET_MS_PER_RUN = 1.0  # W4
GRAPHON_TIMEOUT_S = 1200.0


def _flowdeck_runner(shape: ws.Shape, **options: Any) -> Any:
    from engine import load_workflow, run_workflow

    workflow = load_workflow(shape.graph)

    def run(token: str) -> None:
        result = run_workflow(workflow, inputs={ws.INPUT: token}, timeout=120, **options)
        if result.status != "succeeded":
            raise RuntimeError(f"Flowdeck {shape.key} ended {result.status}: {result.error}")
        if result.outputs.get(ws.RESULT) != token:
            raise RuntimeError(f"Flowdeck {shape.key} output {result.outputs!r}, expected {token!r}")

    return run


def _floor_runner(shape: ws.Shape, workers: int) -> Any:
    floor = ws.Floor(shape.graph, workers)

    def run(token: str) -> None:
        out = floor.run({ws.INPUT: token})
        if out.get(ws.RESULT) != token:
            raise RuntimeError(f"floor {shape.key} output {out!r}, expected {token!r}")

    return run


def _row(shape: ws.Shape, impl: str, samples_ms: list[float]) -> dict[str, Any]:
    median_ms = bs.median(samples_ms)
    return {
        "shape": shape.key,
        "impl": impl,
        "nodes": shape.nodes,
        "runs": shape.runs,
        "median_ms": median_ms,
        "per_node_us": median_ms * 1000 / shape.nodes,
        "samples_ms": samples_ms,
    }


def measure_local(repeat: int, workers: int, only: set[str] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for shape in ws.shapes():
        if only and shape.key not in only:
            continue
        runners = {
            "flowdeck": _flowdeck_runner(shape),
            "flowdeck/workers": _flowdeck_runner(shape, inline_pure_nodes=False),
            "floor": _floor_runner(shape, workers),
        }
        samples: dict[str, list[float]] = {name: [] for name in runners}
        for run in runners.values():
            run("warm-up")
        for rep in range(repeat):
            for name, run in runners.items():
                total = 0.0
                for i in range(shape.runs):
                    seconds, _ = bs.timed(lambda run=run, token=f"v{rep}-{i}": run(token))
                    total += seconds
                samples[name].append(total * 1000 / shape.runs)
        floor_ms = bs.median(samples["floor"])
        for name in runners:
            row = _row(shape, name, samples[name])
            row["x_floor"] = row["median_ms"] / floor_ms
            rows.append(row)
    return rows


def measure_graphon(repeat: int) -> dict[str, Any]:
    """graphon's figures from its own venv, or ``{"error": ...}``."""
    if not bs.GRAPHON_PYTHON.exists():
        return {"error": f"{bs.GRAPHON_PYTHON} not found: run benchmarks/setup_graphon.sh"}
    cmd = [str(bs.GRAPHON_PYTHON), str(bs.BENCH_DIR / "graphon_peer.py"), "--repeat", str(repeat), "--json"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=GRAPHON_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"graphon peer did not finish within {GRAPHON_TIMEOUT_S:.0f} s"}
    if proc.returncode != 0:
        return {"error": f"graphon peer exited {proc.returncode}: {proc.stderr.strip()[-1500:]}"}
    try:
        return dict(json.loads(proc.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"error": f"graphon peer printed no JSON: {proc.stdout[-500:]!r}"}


def verdicts(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["impl"] != "flowdeck":
            continue
        if row["runs"] > 1:
            value, target, unit = row["median_ms"], TARGET_MS_PER_RUN, "ms/run"
        else:
            value, target, unit = row["per_node_us"], TARGET_US_PER_NODE, "us/node"
        out[row["shape"]] = {
            "value": value,
            "target": target,
            "unit": unit,
            "verdict": "PASS" if value <= target else "FAIL",
        }
    return out


def print_report(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(
        f"Engine overhead: median of {report['repeat']} repetitions, "
        f"worker_threads={report['worker_threads']} (default), Python {m['python']}, {m['cpus']} CPUs, "
        f"load average before the run {m['load_average_1m']}"
    )
    graphon = report.get("graphon", {})
    by_shape: dict[str, dict[str, dict[str, Any]]] = {}
    for row in report["results"] + graphon.get("results", []):
        by_shape.setdefault(row["shape"], {})[row["impl"]] = row
    rows: list[list[Any]] = []
    for shape in ws.shapes():
        impls = by_shape.get(shape.key)
        if not impls:
            continue
        floor_ms = impls["floor"]["median_ms"]
        flowdeck_ms = impls["flowdeck"]["median_ms"]
        verdict = report["verdicts"][shape.key]
        for impl, row in impls.items():
            label = f"graphon {graphon.get('version', '')}".strip() if impl == "graphon" else impl
            per = f"{row['median_ms']:.2f} ms/run" if row["runs"] > 1 else f"{row['per_node_us']:.1f} us/node"
            rows.append(
                [
                    f"{shape.key} {shape.title}" if impl == "flowdeck" else "",
                    label,
                    row["median_ms"],
                    per,
                    row["median_ms"] / floor_ms,
                    row["median_ms"] / flowdeck_ms,
                    f"<= {verdict['target']:g} {verdict['unit']}: {verdict['verdict']}"
                    if impl == "flowdeck"
                    else "",
                ]
            )
    print(bs.table(["shape", "impl", "median ms", "per node / run", "x floor", "x flowdeck", "target"], rows))
    if "error" in graphon:
        print(f"graphon: not measured ({graphon['error']})")
    elif graphon:
        print(
            f"graphon {graphon['version']} (Python {graphon['python']}, default 5 workers): run time only; "
            "loads() is timed apart: "
            + ", ".join(f"{r['shape']} {r['load_median_ms']:.1f} ms" for r in graphon["results"])
        )
    failed = [k for k, v in report["verdicts"].items() if v["verdict"] == "FAIL"]
    print(
        f"Targets (issue 13): <= {TARGET_US_PER_NODE:g} us/node on W1-W3, "
        f"<= {TARGET_MS_PER_RUN:g} ms per W4 run: " + ("FAIL " + ", ".join(failed) if failed else "PASS")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Flowdeck engine overhead vs a floor (and graphon).")
    parser.add_argument("--repeat", type=int, default=7, help="repetitions per shape (median reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--graphon", dest="graphon", action="store_true", default=None, help="require the graphon peer"
    )
    group.add_argument("--no-graphon", dest="graphon", action="store_false", help="skip the graphon peer")
    parser.add_argument("--shapes", default="", help="comma-separated subset, e.g. W1,W4")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    from engine.settings import default_settings

    workers = default_settings().engine.worker_threads
    repeat = max(1, args.repeat)
    only = {s.strip().upper() for s in args.shapes.split(",") if s.strip()} or None
    machine = bs.machine()  # load average before we add ours
    rows = measure_local(repeat, workers, only)
    report: dict[str, Any] = {
        "machine": machine,
        "repeat": repeat,
        "worker_threads": workers,
        "targets": {"us_per_node_W1_W3": TARGET_US_PER_NODE, "ms_per_run_W4": TARGET_MS_PER_RUN},
        "results": rows,
        "verdicts": verdicts(rows),
    }
    want_graphon = args.graphon if args.graphon is not None else bs.GRAPHON_PYTHON.exists()
    if want_graphon:
        graphon = measure_graphon(repeat)
        if only and "results" in graphon:
            graphon["results"] = [r for r in graphon["results"] if r["shape"] in only]
        report["graphon"] = graphon
        if args.graphon and "error" in graphon:
            print(f"graphon peer failed: {graphon['error']}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    failed = any(v["verdict"] == "FAIL" for v in report["verdicts"].values())
    return 1 if (args.strict and failed) or (args.graphon and "error" in report.get("graphon", {})) else 0


if __name__ == "__main__":
    raise SystemExit(main())
