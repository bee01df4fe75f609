"""The Python API: run a workflow and wait, or start it and steer it.

``run_workflow`` blocks and returns a :class:`RunResult`; ``start_workflow``
returns a :class:`RunHandle` at once (events, terminate, pause, resume,
wait).  Nothing is persisted unless repositories are passed
(``execution_repository`` / ``node_execution_repository``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.dsl import load_workflow
from engine.graph import Workflow
from engine.lifecycle.cycle_manager import WorkflowCycleManager
from engine.nodes.base import RunServices
from engine.nodes.services import Services
from engine.run_handle import RunHandle
from engine.run_result import RunResult, result_from_terminal
from engine.scheduler.commands import CommandChannel, InMemoryCommandChannel
from engine.scheduler.config import EngineConfig
from engine.scheduler.emitter import Listener
from engine.scheduler.engine import GraphEngine
from engine.scheduler.mocks import load_mocks
from engine.settings import Settings, default_settings
from engine.triggers import APP_TRIGGER

WorkflowSource = str | Path | Mapping[str, Any] | Workflow

__all__ = [
    "RunHandle",
    "RunResult",
    "WorkflowSource",
    "result_from_terminal",
    "resume_workflow",
    "run_workflow",
    "start_workflow",
]


class _DiscardRepository:
    """Keeps nothing: the Python API persists only when asked to."""

    def save(self, record: Any) -> None:
        pass

    def flush(self, timeout: float | None = None) -> bool:
        return True


_last_services: Services | None = None


def _services_for(settings: Settings) -> Services:
    """Reuse the services of the last run with the same settings (providers, tool registries)."""
    global _last_services
    services = _last_services
    if services is None or services.settings is not settings:
        services = _last_services = Services(settings)
    return services


def start_workflow(
    workflow: WorkflowSource,
    inputs: Mapping[str, Any] | None = None,
    system: Mapping[str, Any] | None = None,
    mocks: Mapping[str, Any] | str | Path | None = None,
    *,
    settings: Settings | None = None,
    services: RunServices | None = None,
    listeners: list[Listener] | None = None,
    channel: CommandChannel | None = None,
    run_id: str | None = None,
    snapshot: dict[str, Any] | None = None,
    replay_of: str | None = None,
    reused: Mapping[str, dict[str, Any]] | None = None,
    execution_repository: Any = None,
    node_execution_repository: Any = None,
    triggered_from: str = APP_TRIGGER,
    **options: Any,
) -> RunHandle:
    """Start a run on a thread of its own and return its handle at once.

    ``options`` are :class:`EngineConfig` fields (``worker_threads``,
    ``max_steps``, ``max_wall_time_s``, ``max_output_bytes``,
    ``inline_pure_nodes``).  Bad input raises before the run starts.
    """
    wf = load_workflow(workflow)
    settings = settings or (services.settings if services is not None else default_settings())
    config = EngineConfig.from_settings(settings.engine, **options)
    engine = GraphEngine(
        wf,
        services=services or _services_for(settings),
        config=config,
        run_id=run_id,
        inputs=inputs,
        system=system,
        mocks=load_mocks(mocks),
        channel=channel or InMemoryCommandChannel(),
        listeners=listeners,
        snapshot=snapshot,
        replay_of=replay_of,
        reused=reused,
    )
    runs = execution_repository or _DiscardRepository()
    nodes = node_execution_repository or (runs if execution_repository is not None else _DiscardRepository())
    manager = WorkflowCycleManager(wf, runs, nodes, triggered_from=triggered_from)
    synchronous = all(getattr(repo, "synchronous", True) for repo in (runs, nodes))
    return RunHandle(engine, manager, synchronous=synchronous)._start()


def run_workflow(
    workflow: WorkflowSource,
    inputs: Mapping[str, Any] | None = None,
    system: Mapping[str, Any] | None = None,
    mocks: Mapping[str, Any] | str | Path | None = None,
    *,
    timeout: float | None = None,
    **options: Any,
) -> RunResult:
    """Run to the end and return the result (blocks)."""
    return start_workflow(workflow, inputs, system, mocks, **options).wait(timeout)


def resume_workflow(workflow: WorkflowSource, snapshot: dict[str, Any], **options: Any) -> RunHandle:
    """Continue a paused run from its snapshot (also in another process)."""
    return start_workflow(workflow, snapshot=snapshot, **options)
