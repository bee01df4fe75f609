"""Terminate a run owned by another process on the same SQLite file, through run_commands.

The owner is a real subprocess (``owner_process``); this process only knows the
run from the database.  Each run must end ``terminated`` within ~2 s of the
command, with no node left ``running``.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.control.identity import pid_alive
from engine.service import Flowdeck
from tests.engine.control.conftest import OwnerProcess, node_record
from tests.support.waiting import wait_until

TERMINATED_WITHIN_S = 2.0


def terminate_and_check(flowdeck: Flowdeck, run_id: str) -> float:
    """Terminate ``run_id``; returns seconds until its record said terminated."""
    started = time.monotonic()
    flowdeck.terminate(run_id, "stop from the test")
    record = flowdeck.wait_for_end(run_id, 10)
    took = time.monotonic() - started
    assert record.status == "terminated" and record.error == "stop from the test"
    assert record.finished_at is not None
    nodes = flowdeck.node_executions(run_id)
    assert nodes and not [n.node_id for n in nodes if n.status == "running"]
    assert took < TERMINATED_WITHIN_S, f"terminated after {took:.2f} s"
    return took


def wait_node_running(flowdeck: Flowdeck, run_id: str, node_id: str, timeout: float = 20) -> None:
    def running() -> bool:
        node = node_record(flowdeck, run_id, node_id)
        return node is not None and node.status == "running"

    wait_until(running, timeout, f"node {node_id} of run {run_id} to be running")


def test_terminate_during_a_code_node_kills_its_process(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess], tmp_path: Path
) -> None:
    pid_file = tmp_path / "code.pid"
    owner = owner_process("slow_code", {"pid_file": str(pid_file), "seconds": 60})
    flowdeck = make_flowdeck()
    wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "", 20, "the code node's pid")
    code_pid = int(pid_file.read_text())
    assert pid_alive(code_pid)
    wait_node_running(flowdeck, owner.run_id, "nap")
    terminate_and_check(flowdeck, owner.run_id)
    assert node_record(flowdeck, owner.run_id, "nap").status == "terminated"
    wait_until(lambda: not pid_alive(code_pid), 5, "the code node's process to be killed")
    rc, out, _err = owner.finish()
    assert rc == 0 and "status terminated" in out


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self.server.closing.is_set():  # type: ignore[attr-defined]
            time.sleep(0.05)
        self.send_response(200)
        self.end_headers()


@pytest.fixture
def slow_server() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    server.hits = 0  # type: ignore[attr-defined]
    server.closing = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.closing.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_terminate_during_a_slow_http_call(
    make_flowdeck: Callable[..., Flowdeck],
    owner_process: Callable[..., OwnerProcess],
    slow_server: http.server.ThreadingHTTPServer,
) -> None:
    url = f"http://127.0.0.1:{slow_server.server_address[1]}/slow"
    owner = owner_process("slow_http", {"url": url})
    flowdeck = make_flowdeck()
    wait_until(lambda: slow_server.hits >= 1, 20, "the request to reach the server")  # type: ignore[attr-defined]
    wait_node_running(flowdeck, owner.run_id, "fetch")
    terminate_and_check(flowdeck, owner.run_id)
    assert node_record(flowdeck, owner.run_id, "fetch").status == "terminated"
    rc, out, _err = owner.finish()
    assert rc == 0 and "status terminated" in out


def test_terminate_during_a_retry_wait(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess]
) -> None:
    owner = owner_process("retry_wait", {})
    flowdeck = make_flowdeck()

    def waiting_for_retry() -> bool:
        node = node_record(flowdeck, owner.run_id, "flaky")
        return node is not None and node.retry_count >= 1

    wait_until(waiting_for_retry, 20, "the first failed attempt (then a 10 s retry wait)")
    terminate_and_check(flowdeck, owner.run_id)
    node = node_record(flowdeck, owner.run_id, "flaky")
    assert node.status == "terminated" and node.retry_count == 1  # the retry never ran
    rc, out, _err = owner.finish()
    assert rc == 0 and "status terminated" in out


def test_terminate_inside_a_parallel_iteration(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess]
) -> None:
    owner = owner_process("parallel_iteration", {"seconds": 30})
    flowdeck = make_flowdeck()

    def rounds_running() -> bool:
        return sum(1 for n in flowdeck.node_executions(owner.run_id) if n.node_id == "nap") >= 2

    wait_until(rounds_running, 30, "iteration rounds to run side by side")
    terminate_and_check(flowdeck, owner.run_id)
    statuses = {n.node_id: n.status for n in flowdeck.node_executions(owner.run_id) if n.node_id != "nap"}
    assert statuses["each"] == "terminated"
    assert {n.status for n in flowdeck.node_executions(owner.run_id) if n.node_id == "nap"} == {"terminated"}
    rc, out, _err = owner.finish()
    assert rc == 0 and "status terminated" in out
