"""CompareDialog: a failed run of the sample and its replay from failure, node by node."""

from __future__ import annotations

from desktop_app.dialogs.compare_dialog import CompareDialog, _outputs_text
from engine.api import Flowdeck, load_workflow
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS


def test_run_and_its_replay_side_by_side(qtbot, flowdeck: Flowdeck) -> None:
    original = flowdeck.start(SAMPLE, {"region": "us", "days": 7}, mocks=SAMPLE_MOCKS).wait(30)
    replay = flowdeck.replay(
        original.run_id, from_failure=True, mocks={"publish": {"outputs": {"url": "http://x/1"}}}
    ).wait(30)
    a, b = flowdeck.get_run(original.run_id), flowdeck.get_run(replay.run_id)
    assert b.replay_of == a.id
    dialog = CompareDialog(
        a, flowdeck.node_executions(a.id), b, flowdeck.node_executions(b.id), load_workflow(SAMPLE)
    )
    qtbot.addWidget(dialog)
    rows = {c.node_id: c for c in dialog.comparisons()}
    assert rows["load_orders"].left_state == "succeeded" and rows["load_orders"].right_state == "reused"
    assert not rows["load_orders"].differs  # a reused node copies the original's success and outputs
    assert rows["publish"].left_state == "failed" and rows["publish"].right_state == "succeeded"
    assert rows["publish"].differs
    assert next(iter(rows)) == "start"  # canvas order, left to right
    # the first differing node is selected, its outputs on both sides
    first = next(c for c in dialog.comparisons() if c.differs)
    assert dialog.selected_node() == first.node_id
    assert dialog.shown_outputs() == (_outputs_text(first.left), _outputs_text(first.right))
    dialog.select("publish")
    left_text, right_text = dialog.shown_outputs()
    assert left_text.startswith("error:") and '"url": "http://x/1"' in right_text


SECRET_WORKFLOW = """\
app: {name: with-secret, mode: workflow}
kind: app
version: 0.3.1
workflow:
  environment_variables:
    - {name: api_key, value_type: secret, value: sk-live-123456}
  graph:
    nodes:
      - id: start
        data: {type: start, title: Start, variables: []}
      - id: call
        data: {type: template-transform, title: Call, template: "x", variables: []}
    edges:
      - {source: start, target: call}
"""


def test_a_declared_secret_is_never_shown(qtbot) -> None:
    import time

    from engine.api import NodeExecution, WorkflowExecution

    workflow = load_workflow(SECRET_WORKFLOW)

    def run(run_id: str) -> WorkflowExecution:
        return WorkflowExecution(
            id=run_id,
            workflow_id="w",
            version="v",
            graph={},
            graph_hash="h",
            inputs={},
            started_at=time.time(),
            status="succeeded",
        )

    def record(run_id: str, output: str) -> NodeExecution:
        return NodeExecution(
            id=f"{run_id}-call",
            run_id=run_id,
            index=1,
            node_id="call",
            node_type="template-transform",
            created_at=time.time(),
            title="Call",
            status="succeeded",
            outputs={"output": output},
        )

    dialog = CompareDialog(
        run("a"), [record("a", "key sk-live-123456")], run("b"), [record("b", "key ***")], workflow
    )
    qtbot.addWidget(dialog)
    dialog.select("call")
    left, right = dialog.shown_outputs()
    assert "sk-live-123456" not in left and "key ***" in left and "key ***" in right
