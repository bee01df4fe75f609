"""Flowdeck's engine: load Dify-DSL workflows and run them.

>>> from engine import load_workflow, run_workflow
>>> result = run_workflow("resources/workflows/hello.yml", inputs={"name": "Ada"})

The names below load on first use, so that importing a light submodule
(``engine.settings``, ``engine.cli``) does not import the whole engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.dsl import load_workflow
    from engine.errors import DslError, FlowdeckError, InputError, NodeError
    from engine.run import RunHandle, RunResult, resume_workflow, run_workflow, start_workflow

_LAZY = {
    "DslError": "engine.errors",
    "FlowdeckError": "engine.errors",
    "InputError": "engine.errors",
    "NodeError": "engine.errors",
    "RunHandle": "engine.run",
    "RunResult": "engine.run",
    "load_workflow": "engine.dsl",
    "resume_workflow": "engine.run",
    "run_workflow": "engine.run",
    "start_workflow": "engine.run",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DslError",
    "FlowdeckError",
    "InputError",
    "NodeError",
    "RunHandle",
    "RunResult",
    "load_workflow",
    "resume_workflow",
    "run_workflow",
    "start_workflow",
]
