"""Live progress rendering: streamed text and log lines never share a terminal line."""

from __future__ import annotations

import io

from rich.console import Console

from engine.cli.progress import STREAM_MARK, ProgressView
from engine.events import NodeStartedEvent, NodeStreamChunkEvent, NodeSucceededEvent, NodeTerminatedEvent


def _base(seq: int) -> dict:
    return {"run_id": "r1", "seq": seq, "at": 1_700_000_000.0}


def _node(seq: int, node_id: str, title: str) -> dict:
    return {
        **_base(seq),
        "node_execution_id": f"ne-{seq}",
        "node_id": node_id,
        "node_type": "answer",
        "title": title,
    }


def _chunk(seq: int, text: str) -> NodeStreamChunkEvent:
    return NodeStreamChunkEvent(**_base(seq), node_id="answer", chunk=text)


def test_on_one_terminal_the_stream_gets_its_own_lines() -> None:
    screen = io.StringIO()  # stderr and stdout of one terminal
    view = ProgressView(Console(file=screen, width=100, color_system=None), screen, shared=True)
    view.follow(
        [
            _chunk(1, "hello, "),
            _chunk(2, "dify!"),
            NodeStartedEvent(**_node(3, "answer2", "Answer")),
            _chunk(4, "more text"),
            NodeSucceededEvent(
                **_node(5, "answer2", "Answer"), started_at=1_700_000_000.0, elapsed_time=0.002
            ),
        ]
    )
    lines = screen.getvalue().splitlines()
    assert lines[0] == "hello, dify!"
    assert lines[1].strip() == "▶ Answer (answer)"
    assert lines[2] == f"{STREAM_MARK}more text"
    assert lines[3].strip() == "■ Answer succeeded (2.0 ms)"
    assert screen.getvalue().endswith("\n")


def test_a_piped_stream_is_the_exact_text() -> None:
    log, out = io.StringIO(), io.StringIO()
    view = ProgressView(Console(file=log, width=100, color_system=None), out, shared=False)
    view.follow([_chunk(1, "hello, "), NodeStartedEvent(**_node(2, "a", "Answer")), _chunk(3, "dify!")])
    assert out.getvalue() == "hello, dify!\n"
    assert "▶ Answer" in log.getvalue()


def test_a_node_terminated_before_it_started_reports_no_elapsed_time() -> None:
    log = io.StringIO()
    view = ProgressView(Console(file=log, width=200, color_system=None), io.StringIO(), shared=False)
    # the engine reports started_at 0 for a node cancelled while its retry timer waited
    view.event(
        NodeTerminatedEvent(
            **_node(1, "fetch", "Fetch [/x]"), started_at=0.0, elapsed_time=1_796_246_434.731, reason="stop"
        )
    )
    line = log.getvalue().strip()
    assert line == "■ Fetch [/x] terminated (0.0 ms): stop"


def test_a_record_never_reports_more_time_than_it_spans() -> None:
    from engine.cli.output import node_json
    from engine.lifecycle import NodeExecution

    never_started = NodeExecution(
        id="ne", run_id="r", index=1, node_id="fetch", node_type="http-request", created_at=1_796_246_434.7,
        status="terminated", finished_at=1_796_246_434.8, elapsed_time=1_796_246_434.731,
    )  # fmt: skip
    assert node_json(never_started)["elapsed_time"] < 0.2
    normal = NodeExecution(
        id="ne2", run_id="r", index=2, node_id="b", node_type="code", created_at=100.0,
        status="succeeded", finished_at=102.0, elapsed_time=2.0004,
    )  # fmt: skip
    assert node_json(normal)["elapsed_time"] == 2.0004
