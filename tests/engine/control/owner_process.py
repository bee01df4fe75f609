"""A second process that owns a run: ``python -m tests.engine.control.owner_process DB WORKFLOW INPUTS``.

Starts the run through its own Flowdeck on database ``DB``, prints ``run_id <id>``
(flushed), waits for the run to end (at most 120 s) and prints ``status <status>``.
With ``--close-when-paused`` it closes its Flowdeck as soon as the run is paused
(leaving it resumable) and prints ``closed``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from engine.service import Flowdeck
from engine.settings import Settings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("workflow")
    parser.add_argument("inputs")
    parser.add_argument("--close-when-paused", action="store_true")
    args = parser.parse_args(argv)
    flowdeck = Flowdeck(Settings(database_url=args.database_url, persistence="sync"))
    handle = flowdeck.start(args.workflow, json.loads(args.inputs))
    print(f"run_id {handle.run_id}", flush=True)
    if args.close_when_paused:
        handle.wait_paused(120)
        time.sleep(0.2)  # let the writer store the paused record before closing
        flowdeck.close()
        print("closed", flush=True)
        return 0
    result = handle.wait(120)
    flowdeck.close()
    print(f"status {result.status}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
