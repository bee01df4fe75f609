"""Dify's own engine (PyPI ``graphon`` 0.8.0) on the four benchmark shapes.

Runs INSIDE the graphon venv (Python >= 3.12), made by ``benchmarks/setup_graphon.sh``;
``engine_overhead.py`` starts it as a subprocess and prints its figures next to
Flowdeck's.  Standalone:

    benchmarks/.venv-graphon/bin/python benchmarks/graphon_peer.py --repeat 7 --json

How it is measured: ``graphon.dsl.loads(dsl, start_inputs=...)`` builds a
single-use ``Engine`` (the runtime state and variable pool are part of it), so every
run loads the graph again.  The load is timed apart from the run; the figures
compared with Flowdeck are the run (``list(engine.run())``, graphon's default 5
workers).  ``loads`` normally parses YAML with the pure-Python parser, which takes
seconds for 1,000 nodes; the document here is JSON, so the harness swaps
``_parse_yaml`` for ``json.loads`` (same mapping, only load time changes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workflow_shapes as ws


def _import_graphon() -> tuple[Any, Any, str]:
    try:
        from importlib.metadata import version

        import graphon.dsl.importer as importer
        from graphon.dsl import loads
        from graphon.engine_events import GraphRunSucceededEvent
    except ImportError as exc:
        raise SystemExit(
            f"graphon is not importable in {sys.executable} ({exc}); run benchmarks/setup_graphon.sh"
        ) from exc
    importer._parse_yaml = json.loads  # the document is JSON: skip the slow pure-Python YAML parser
    return loads, GraphRunSucceededEvent, version("graphon")


def _run_once(loads: Any, succeeded: Any, text: str, token: str) -> tuple[float, float]:
    """(load seconds, run seconds) of one run; raises unless it succeeded with ``token``."""
    t0 = time.perf_counter()
    engine = loads(text, start_inputs={ws.INPUT: token})
    t1 = time.perf_counter()
    events = list(engine.run())
    t2 = time.perf_counter()
    last = events[-1]
    if not isinstance(last, succeeded):
        raise RuntimeError(f"graphon run did not succeed: {type(last).__name__} {getattr(last, 'error', '')}")
    if last.outputs.get(ws.RESULT) != token:
        raise RuntimeError(f"graphon run produced {last.outputs!r}, expected {ws.RESULT}={token!r}")
    return t1 - t0, t2 - t1


def measure(repeat: int) -> dict[str, Any]:
    loads, succeeded, version = _import_graphon()
    results: list[dict[str, Any]] = []
    for shape in ws.shapes():
        text = json.dumps(ws.dify_app(shape.graph))
        _run_once(loads, succeeded, text, "warm-up")
        run_ms: list[float] = []
        load_ms: list[float] = []
        for rep in range(repeat):
            load_total = run_total = 0.0
            for i in range(shape.runs):
                load_s, run_s = _run_once(loads, succeeded, text, f"v{rep}-{i}")
                load_total += load_s
                run_total += run_s
            run_ms.append(run_total * 1000 / shape.runs)
            load_ms.append(load_total * 1000 / shape.runs)
        median_ms = statistics.median(run_ms)
        results.append(
            {
                "shape": shape.key,
                "impl": "graphon",
                "nodes": shape.nodes,
                "runs": shape.runs,
                "median_ms": median_ms,
                "per_node_us": median_ms * 1000 / shape.nodes,
                "samples_ms": run_ms,
                "load_median_ms": statistics.median(load_ms),
            }
        )
    return {
        "impl": "graphon",
        "version": version,
        "python": sys.version.split()[0],
        "repeat": repeat,
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    report = measure(max(1, args.repeat))
    if args.json:
        print(json.dumps(report))
        return
    print(f"graphon {report['version']} on Python {report['python']}, median of {args.repeat}")
    for r in report["results"]:
        unit = f"{r['median_ms']:.2f} ms/run" if r["runs"] > 1 else f"{r['per_node_us']:.0f} us/node"
        print(f"  {r['shape']}: {r['median_ms']:9.2f} ms  {unit}  (load {r['load_median_ms']:.1f} ms)")


if __name__ == "__main__":
    main()
