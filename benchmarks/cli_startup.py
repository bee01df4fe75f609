"""How long `flowdeck --help` and `flowdeck runs` take before they do anything, against `python -c pass`.

Each command runs as a fresh process (what a user waits for), N times, interleaved
with the floor so that load from other work hits them alike; the table shows the
median of each and its excess over the floor.  `flowdeck runs` reads a small
SQLite database (20 runs) made once before timing; a third row shows the floor of
what `runs` must import (typer, SQLAlchemy, pydantic-settings) in the same run.

    .venv/bin/python benchmarks/cli_startup.py [-n 9] [--strict] [--json]

``--strict`` exits 1 when a command's median misses its target (0.4 s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_support import ROOT, machine, median, table

TARGET_S = 0.4
IMPORT_FLOOR = "import typer, sqlalchemy, pydantic_settings"


def _seed(url: str) -> None:
    """20 finished runs of the greeting workflow, recorded in ``url``."""
    code = (
        "from engine.lifecycle import WorkflowExecution\n"
        "from engine.persistence.sql import open_run_store\n"
        f"store = open_run_store({url!r})\n"
        "for i in range(20):\n"
        "    run = WorkflowExecution.new(id=f'run-{i:02d}', workflow_id='wf', workflow_name='greeting',"
        " version='1', graph={}, graph_hash='', inputs={'name': 'Ada'}, started_at=1_000.0 + i, seq=1)\n"
        "    run.status, run.elapsed_time, run.seq = 'succeeded', 0.05, 2\n"
        "    store.save(run)\n"
        "assert store.flush(30)\n"
        "store.close()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def _once(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=9, help="runs of each command (median reported)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="flowdeck-cli-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        env = {
            **os.environ,
            "FLOWDECK_DATABASE_URL": url,
            "FLOWDECK_CONFIG_FILE": str(Path(tmp) / "none.toml"),
            "FLOWDECK_DATA_DIR": tmp,
        }
        _seed(url)
        commands: dict[str, list[str]] = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "flowdeck --help": [sys.executable, "-m", "engine.cli", "--help"],
            "flowdeck runs (20 runs, SQLite)": [sys.executable, "-m", "engine.cli", "runs"],
            f"python -c '{IMPORT_FLOOR}'": [sys.executable, "-c", IMPORT_FLOOR],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # warm the file cache and .pyc files
            _once(argv, env)
        for _ in range(args.n):
            for name, argv in commands.items():
                times[name].append(_once(argv, env))

    floor = median(times["python -c pass"])
    targets = {"flowdeck --help": TARGET_S, "flowdeck runs (20 runs, SQLite)": TARGET_S}
    results = []
    for name, values in times.items():
        m = median(values)
        target = targets.get(name)
        results.append(
            {
                "command": name,
                "median_s": round(m, 3),
                "over_floor_s": round(m - floor, 3),
                "target_s": target,
                "met": None if target is None else m <= target,
            }
        )
    missed = [r for r in results if r["met"] is False]
    if args.json:
        print(json.dumps({"machine": machine(), "runs": args.n, "results": results}, indent=2))
    else:
        print(f"CLI startup, median of {args.n} (machine: {machine()})")
        rows = [
            [
                r["command"],
                f"{r['median_s']:.3f}",
                f"{r['over_floor_s']:+.3f}",
                "" if r["target_s"] is None else f"≤ {r['target_s']:.1f}",
                "" if r["met"] is None else ("yes" if r["met"] else "MISSED"),
            ]
            for r in results
        ]
        print(table(["command", "median s", "vs python -c pass", "target s", "met"], rows))
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
