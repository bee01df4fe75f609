"""What building a pool reads of a workflow, as Protocols (so variables never imports graph or nodes).

:class:`engine.graph.Workflow`, :class:`engine.graph.VariableDecl` and the
start node's ``StartVariable`` satisfy them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class DeclaredVariable(Protocol):
    """An environment or conversation variable the workflow declares."""

    @property
    def name(self) -> str: ...

    @property
    def value_type(self) -> str: ...

    @property
    def value(self) -> Any: ...


class StartInput(Protocol):
    """A user input the start node declares."""

    @property
    def variable(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def default(self) -> Any: ...

    @property
    def options(self) -> list[str]: ...

    @property
    def max_length(self) -> int | None: ...


class WorkflowDeclarations(Protocol):
    """The parts of a loaded workflow a run's pool is built from."""

    @property
    def id(self) -> str: ...

    @property
    def is_chatflow(self) -> bool: ...

    @property
    def start_node_id(self) -> str: ...

    @property
    def environment(self) -> Sequence[DeclaredVariable]: ...

    @property
    def conversation(self) -> Sequence[DeclaredVariable]: ...

    @property
    def start_variables(self) -> Sequence[StartInput]: ...
