"""Errors that Flowdeck reports to its users.

Each error names the place it comes from (file, node id, field) so the message
alone tells the operator what to fix.
"""

from __future__ import annotations


class FlowdeckError(Exception):
    """Base of every error Flowdeck raises on purpose."""


class DslError(FlowdeckError):
    """A workflow file that cannot be loaded: names the file, node and field.

    ``kind`` is a short machine-readable slug: ``not-found``, ``unreadable``,
    ``too-large``, ``bad-source``, ``not-yaml``, ``bad-document``,
    ``not-a-dify-app``, ``unsupported-mode``, ``bad-node``, ``duplicate-node``,
    ``unknown-node-type``, ``missing-start``, ``multiple-start``,
    ``dangling-parent``, ``dangling-edge``, ``bad-edge``, ``cycle``,
    ``bad-selector``, ``bad-field``, ``internal`` (a loader bug, never expected).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "invalid",
        source: str | None = None,
        node_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.kind = kind
        self.source = source
        self.node_id = node_id
        self.field = field
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.node_id:
            where.append(f"node {self.node_id!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = ": ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class NodeError(FlowdeckError):
    """A node's work failed; the scheduler applies retry and error strategy.

    ``error_type`` is what Dify records as the error type (``MockError``,
    ``HTTPResponseCodeError``, ...).
    """

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type or type(self).__name__


class NodeConfigError(NodeError):
    """A node's configuration cannot work (names node and field)."""


class NodeCancelled(FlowdeckError):
    """Raised inside a node when its cancel token fires (terminate)."""


class InputError(FlowdeckError):
    """Run inputs that do not fit the start node's variables."""
