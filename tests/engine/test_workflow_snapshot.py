"""A run's graph snapshot is self-contained: a chatflow replays from its record alone."""

from __future__ import annotations

from engine import load_workflow, run_workflow
from tests.conftest import require_corpus

CHATFLOW = {
    "name": "echo",
    "mode": "advanced-chat",
    "environment_variables": [
        {"name": "prefix", "value_type": "string", "value": "> "},
        {"name": "token", "value_type": "secret", "value": "s3cr3t"},
    ],
    "conversation_variables": [{"name": "topic", "value_type": "string", "value": "weather"}],
    "nodes": [
        {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}},
        {
            "id": "answer",
            "data": {
                "type": "answer",
                "answer": "{{#env.prefix#}}{{#sys.query#}} ({{#conversation.topic#}})",
            },
        },
    ],
    "edges": [{"id": "e", "source": "start", "target": "answer"}],
}


def test_snapshot_keeps_mode_and_variables_and_masks_secrets() -> None:
    wf = load_workflow(CHATFLOW)
    snapshot = wf.graph_dict
    assert snapshot["mode"] == "advanced-chat" and snapshot["name"] == "echo"
    assert {v["name"]: v["value"] for v in snapshot["environment_variables"]} == {
        "prefix": "> ",
        "token": "******",
    }
    again = load_workflow(snapshot)
    assert again.is_chatflow and again.graph_hash == wf.graph_hash
    result = run_workflow(again, system={"query": "hi"})
    assert result.outputs == {"answer": "> hi (weather)", "files": []}


def test_corpus_chatflow_snapshot_reloads_as_a_chatflow() -> None:
    corpus = require_corpus()
    wf = load_workflow(corpus / "test_streaming_conversation_variables.yml")
    again = load_workflow(wf.graph_dict)
    assert again.mode == wf.mode == "advanced-chat"
    assert [v.name for v in again.conversation] == [v.name for v in wf.conversation]


def test_masked_secret_is_supplied_by_the_settings_and_stays_masked() -> None:
    from engine.settings import Settings

    flow = {
        "name": "uses-a-secret",
        "mode": "workflow",
        "environment_variables": [{"name": "token", "value_type": "secret", "value": "******"}],
        "nodes": [
            {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}},
            {
                "id": "probe",
                "data": {
                    "type": "template-transform",
                    "template": "{{ t|length }} {{ t }}",
                    "variables": [{"variable": "t", "value_selector": ["env", "token"]}],
                },
            },
            {
                "id": "end",
                "data": {
                    "type": "end",
                    "outputs": [{"variable": "out", "value_selector": ["probe", "output"]}],
                },
            },
        ],
        "edges": [
            {"id": "a", "source": "start", "target": "probe"},
            {"id": "b", "source": "probe", "target": "end"},
        ],
    }
    settings = Settings(secrets={"token": "s3cr3t-value"})
    result = run_workflow(flow, settings=settings)
    assert result.outputs == {"out": "12 ******"}  # the real value was used, and is masked in the record
    assert "s3cr3t" not in str(settings.masked())
