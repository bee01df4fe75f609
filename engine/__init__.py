"""Flowdeck's engine: load Dify-DSL workflows and run them.

>>> from engine import load_workflow, run_workflow
>>> result = run_workflow("resources/workflows/hello.yml", inputs={"name": "Ada"})
"""

from engine.dsl import load_workflow
from engine.errors import DslError, FlowdeckError, InputError, NodeError
from engine.run import RunHandle, RunResult, resume_workflow, run_workflow, start_workflow

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
