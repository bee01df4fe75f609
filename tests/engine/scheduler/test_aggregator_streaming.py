"""Answers that read a variable aggregator stream the chosen value once, live, as Dify's graphon does."""

from __future__ import annotations

from typing import Any

from engine import run_workflow
from engine.events import NodeStreamChunkEvent, NodeSucceededEvent
from engine.run import start_workflow
from tests.engine.scheduler import graphs as g

MOCKS = {"pos": {"outputs": {"text": "very positive"}}, "neg": {"outputs": {"text": "quite negative"}}}


def _llm(node_id: str) -> dict[str, Any]:
    data = {
        "type": "llm",
        "title": node_id,
        "model": {"provider": "mock", "name": "m", "mode": "chat"},
        "prompt_template": [{"role": "user", "text": "{{#sys.query#}}"}],
        "context": {"enabled": False},
    }
    return {"id": node_id, "data": data}


def _aggregator(grouped: bool) -> dict[str, Any]:
    inputs = [["pos", "text"], ["neg", "text"]]
    data: dict[str, Any] = {"type": "variable-aggregator", "title": "agg", "output_type": "string"}
    if grouped:
        group = {"group_name": "Group1", "output_type": "string", "variables": inputs}
        data |= {"variables": [], "advanced_settings": {"group_enabled": True, "groups": [group]}}
    else:
        data["variables"] = inputs
    return {"id": "agg", "data": data}


def sentiment_chatflow(answer: str, *, grouped: bool = True) -> dict[str, Any]:
    """if-else picks one of two LLMs; an aggregator joins them; the answer reads both."""
    graph = g.graph(
        [
            g.start(),
            g.if_else("check", ("start", "x"), "contains", "good"),
            _llm("pos"),
            _llm("neg"),
            _aggregator(grouped),
            {"id": "answer", "data": {"type": "answer", "title": "answer", "answer": answer}},
        ],
        [
            ("start", "check"),
            ("check", "pos", "true"),
            ("check", "neg", "false"),
            ("pos", "agg"),
            ("neg", "agg"),
            ("agg", "answer"),
        ],
    )
    app = {"mode": "advanced-chat", "name": "sentiment"}
    return {"app": app, "kind": "app", "workflow": {"graph": graph}}


def _run(answer: str, x: str, *, grouped: bool = True) -> Any:
    workflow = sentiment_chatflow(answer, grouped=grouped)
    return run_workflow(workflow, {"x": x}, {"query": "q"}, MOCKS, timeout=20)


def test_value_streamed_directly_is_not_streamed_again_through_the_aggregator() -> None:
    result = _run("{{#neg.text#}}\n{{#agg.Group1.output#}}", "bad")
    assert result.status == "succeeded"
    assert result.stream == "quite negative\n"
    assert result.outputs["answer"] == "quite negative\nquite negative"  # the rendered answer keeps both


def test_value_streamed_through_the_aggregator_is_not_streamed_again_directly() -> None:
    result = _run("{{#agg.Group1.output#}}\n\n{{#neg.text#}}", "bad")
    assert result.stream == "quite negative\n\n"


def test_other_branch_value_is_streamed_in_full() -> None:
    result = _run("{{#neg.text#}}\n{{#agg.Group1.output#}}", "good")
    assert result.stream == "\nvery positive"  # neg was skipped: its segment is dropped


def test_same_stream_twice_in_one_answer_streams_once() -> None:
    result = _run("{{#agg.output#}}|{{#agg.output#}}", "bad", grouped=False)
    assert result.stream == "quite negative|"


def test_grouped_aggregator_output_streams_live_from_the_chosen_llm() -> None:
    workflow = sentiment_chatflow("{{#agg.Group1.output#}}!")
    handle = start_workflow(workflow, {"x": "bad"}, {"query": "q"}, MOCKS)
    events = list(handle.events(timeout=20))
    assert handle.wait(20).stream == "quite negative!"
    chunks = [e for e in events if isinstance(e, NodeStreamChunkEvent)]
    from_agg = [e for e in chunks if e.from_selector == ["agg", "Group1", "output"]]
    assert "".join(e.chunk for e in from_agg) == "quite negative"
    assert len(from_agg) > 1  # word by word, not the finished value in one piece
    agg_done = next(e.seq for e in events if isinstance(e, NodeSucceededEvent) and e.node_id == "agg")
    assert from_agg[0].seq < agg_done  # forwarded while the LLM streams, before the aggregator ran


def test_plain_aggregator_output_streams_live_too() -> None:
    handle = start_workflow(
        sentiment_chatflow("{{#agg.output#}}", grouped=False), {"x": "good"}, {"query": "q"}, MOCKS
    )
    events = list(handle.events(timeout=20))
    assert handle.wait(20).stream == "very positive"
    chunks = [e for e in events if isinstance(e, NodeStreamChunkEvent)]
    from_agg = [e for e in chunks if e.from_selector == ["agg", "output"]]
    assert len(from_agg) > 1
