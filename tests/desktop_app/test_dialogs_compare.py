"""CompareDialog: a failed run of the sample and its replay from failure, node by node."""

from __future__ import annotations

from desktop_app.dialogs.compare_dialog import CompareDialog, _outputs_text
from engine.dsl import load_workflow
from engine.service import Flowdeck
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
