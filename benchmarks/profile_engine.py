"""cProfile one benchmark shape on Flowdeck, with the run on the calling thread.

    .venv/bin/python benchmarks/profile_engine.py W1 [--runs 5] [--top 30] [--sort tottime]
        [--persistence none|sqlite|postgres|celery]

``run_workflow`` normally runs the dispatcher on a thread of its own, which cProfile
does not see; here ``RunHandle._start`` is replaced so the dispatcher (and the inline
pure nodes, the default) run on the profiled thread.  Nodes handed to worker threads
are not profiled, nor are the persistence threads (SQL writer, Celery flusher): their
cost shows up as time the profiled thread waits (``flush``, lock acquires).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from typing import Any

import bench_support as bs  # noqa: F401  (puts the project root on sys.path)
import workflow_shapes as ws
from persistence_backends import BACKENDS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shape", choices=[s.key for s in ws.shapes()])
    parser.add_argument("--runs", type=int, default=0, help="runs to profile (default: 5, W4: 100)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative, ...)")
    parser.add_argument("--persistence", choices=list(BACKENDS), default="none")
    args = parser.parse_args(argv)
    with BACKENDS[args.persistence]() as backend:
        _profile(args, backend.run_options())


def _profile(args: argparse.Namespace, run_options: dict[str, Any]) -> None:
    from engine import load_workflow, run_workflow
    from engine.run import RunHandle

    def start_inline(self: RunHandle) -> RunHandle:
        self._run()  # type: ignore[attr-defined]
        return self

    RunHandle._start = start_inline  # type: ignore[method-assign]
    shape = next(s for s in ws.shapes() if s.key == args.shape)
    workflow = load_workflow(shape.graph)
    runs = args.runs or (100 if shape.runs > 1 else 5)

    def body() -> Any:
        for i in range(runs):
            result = run_workflow(workflow, inputs={ws.INPUT: f"v{i}"}, **run_options)
            assert result.status == "succeeded" and result.outputs[ws.RESULT] == f"v{i}", result

    body()  # warm-up
    profiler = cProfile.Profile()
    profiler.runcall(body)
    stats = pstats.Stats(profiler)
    print(f"{shape.key}: {runs} runs of {shape.nodes} nodes, persistence {args.persistence}")
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
