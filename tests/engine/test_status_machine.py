"""The one state machine: every pair of the transition table, in memory."""

from __future__ import annotations

import itertools

import pytest

from engine.status import (
    NODE_TERMINAL,
    NODE_TRANSITIONS,
    RUN_TERMINAL,
    RUN_TRANSITIONS,
    IllegalTransition,
    NodeStatus,
    RunStatus,
    accept,
    allowed,
    node_status,
    run_status,
    transition,
)

RUN_PAIRS = list(itertools.product([None, *RunStatus], RunStatus))
NODE_PAIRS = list(itertools.product([None, *NodeStatus], NodeStatus))


def test_the_tables_cover_every_status() -> None:
    assert set(RUN_TRANSITIONS) == {None, *RunStatus}
    assert set(NODE_TRANSITIONS) == {None, *NodeStatus}


@pytest.mark.parametrize(("current", "target"), RUN_PAIRS)
def test_every_run_pair_applies_or_is_refused(current: RunStatus | None, target: RunStatus) -> None:
    if target in RUN_TRANSITIONS[current]:
        assert transition(current, target, subject="run r1") is target
        assert allowed(current, target) and accept(current, target)
    else:
        with pytest.raises(IllegalTransition) as info:
            transition(current, target, subject="run r1")
        assert "run r1" in str(info.value) and str(target) in str(info.value)
        assert not allowed(current, target) and not accept(current, target)


@pytest.mark.parametrize(("current", "target"), NODE_PAIRS)
def test_every_node_pair_applies_or_is_refused(current: NodeStatus | None, target: NodeStatus) -> None:
    if target in NODE_TRANSITIONS[current]:
        assert transition(current, target) is target
    else:
        with pytest.raises(IllegalTransition):
            transition(current, target)


def test_final_states_stay_final() -> None:
    for status in RUN_TERMINAL:
        assert status.is_final
        assert not any(allowed(status, target) for target in RunStatus)
    for node in NODE_TERMINAL:
        assert node.is_final
        assert not any(allowed(node, target) for target in NodeStatus)
    # the defect this ends: a succeeded run took a later `running` write
    assert not accept(RunStatus.SUCCEEDED, RunStatus.RUNNING, subject="run r1")
    # an interrupted run (swept) is not overwritten by its owner waking up
    assert not accept(RunStatus.INTERRUPTED, RunStatus.SUCCEEDED, subject="run r1")


def test_live_runs_can_end_every_way() -> None:
    for end in RUN_TERMINAL:
        assert allowed(RunStatus.RUNNING, end)
    assert allowed(RunStatus.PAUSED, RunStatus.INTERRUPTED)
    assert allowed(RunStatus.QUEUED, RunStatus.INTERRUPTED)
    assert not allowed(RunStatus.QUEUED, RunStatus.SUCCEEDED)  # it never ran


def test_refusals_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="flowdeck.status"):
        assert not accept(RunStatus.FAILED, RunStatus.RUNNING, subject="run abc")
    assert "run abc" in caplog.text and "final" in caplog.text


def test_stored_values_parse_and_malformed_ones_are_named() -> None:
    assert run_status("partial-succeeded") is RunStatus.PARTIAL_SUCCEEDED
    assert node_status("exception") is NodeStatus.EXCEPTION
    assert run_status(None) is None
    with pytest.raises(ValueError, match="'sucess'"):
        run_status("sucess")
    with pytest.raises(ValueError, match="'done'"):
        node_status("done")
