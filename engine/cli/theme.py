"""The colours the CLI gives run and node statuses (rich styles), one for every status.

``interrupted`` (its owner stopped reporting and was stopped) has a colour of its own,
apart from ``failed`` (the workflow failed) and ``terminated`` (an operator stopped it).
"""

from __future__ import annotations

from engine.api import NodeStatus, RunStatus

RUN_STYLE: dict[RunStatus, str] = {
    RunStatus.QUEUED: "blue",
    RunStatus.RUNNING: "cyan",
    RunStatus.PAUSED: "yellow",
    RunStatus.SUCCEEDED: "green",
    RunStatus.PARTIAL_SUCCEEDED: "yellow",
    RunStatus.FAILED: "red",
    RunStatus.TERMINATED: "magenta",
    RunStatus.INTERRUPTED: "dark_orange",
}
NODE_STYLE: dict[NodeStatus, str] = {
    NodeStatus.PENDING: "dim",
    NodeStatus.READY: "dim",
    NodeStatus.RUNNING: "cyan",
    NodeStatus.RETRYING: "yellow",
    NodeStatus.PAUSED: "yellow",
    NodeStatus.SUCCEEDED: "green",
    NodeStatus.EXCEPTION: "yellow",
    NodeStatus.FAILED: "red",
    NodeStatus.TERMINATED: "magenta",
    NodeStatus.SKIPPED: "dim",
    NodeStatus.REUSED: "cyan",
}
#: a status's style by its value (run and node statuses of one name share a colour)
STATUS_STYLE: dict[str, str] = {**NODE_STYLE, **RUN_STYLE}


def status_style(status: str, default: str = "white") -> str:
    """The style of ``status`` (a stored value or a member of either enum)."""
    return STATUS_STYLE.get(status, default)
