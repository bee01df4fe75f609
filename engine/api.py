"""The engine's one public face: what the console and the CLI may use.

Nothing else of ``engine`` is public: ``desktop_app`` and ``engine.cli`` import
this module (or ``engine``) and nothing deeper; import-linter contracts in
``.ci/run`` hold the rule.  Names load on first use (PEP 562), so importing
this module costs nothing at CLI start-up.

The facade, one object per role (``Flowdeck`` composes them)::

    flowdeck = Flowdeck(settings)
    handle = flowdeck.runs.start(workflow, inputs, listeners=[on_event])   # Launcher: RunHandle at once
    flowdeck.runs.replay(run_id, "from-failure")                          # also where="worker" for start
    for event in flowdeck.runs.watch(run_id): ...                         # here, or a worker's stream

    future = flowdeck.control.terminate(run_id, "enough")  # Control: a ControlFuture, at once
    future.delivered.result()        # Delivery(owner="here"|"local"|"remote"|"gone"), or UnknownRun,
                                     # RunAlreadyEnded, RunTakenOver
    future.add_done_callback(...)    # ControlOutcome(verified, run, nodes, handle), on the verifier's
                                     # thread: a GUI posts it to its own thread
    flowdeck.control.pause(run_id); flowdeck.control.resume(run_id, listeners=[on_event])
    flowdeck.control.ended(run_id, timeout=30)   # Future[WorkflowExecution] once the record is final

    flowdeck.queries.list_runs(RunQuery(...))    # Queries: plain reads on the caller's thread, never
    flowdeck.queries.get_run(run_id)             # behind control work (status_counts, workflow_names,
                                                 # node_executions, duration_history, replay_plan,
                                                 # replay_chain, workflow_of, find_run)
    flowdeck.close()

Finished runs are forgotten by the facade (a bounded few handles are kept for a late
watcher); read them from the records.  The blocking methods on ``Flowdeck`` itself
(``terminate``, ``wait_for_end``, ``list_runs`` ...) delegate to these objects and stay
while callers move.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from engine.status import (
    NODE_TERMINAL,
    RUN_ACTIVE,
    RUN_TERMINAL,
    IllegalTransition,
    NodeStatus,
    RunStatus,
    accept,
    allowed,
    transition,
)

# public name -> module that defines it (loaded lazily)
_EXPORTS: dict[str, str] = {
    # loading and checking workflows
    "load_workflow": "engine.dsl",
    "Workflow": "engine.graph",
    "Graph": "engine.graph",
    "NodeSpec": "engine.graph",
    "StartVariable": "engine.nodes.start",
    "load_mocks": "engine.scheduler.mocks",
    # errors
    "FlowdeckError": "engine.errors",
    "DslError": "engine.errors",
    "UnknownRun": "engine.service",
    "RunAlreadyEnded": "engine.service",
    "RunTakenOver": "engine.service",
    # the facade (composition root and its three roles), run handles and results
    "Flowdeck": "engine.service",
    "Launcher": "engine.facade.launching",
    "Control": "engine.facade.control",
    "ControlFuture": "engine.facade.control",
    "ControlOutcome": "engine.facade.control",
    "Delivery": "engine.facade.control",
    "Owner": "engine.facade.owners",
    "Queries": "engine.facade.queries",
    "ReplayMode": "engine.replay",
    "RunHandle": "engine.run",
    "RunResult": "engine.run",
    "ReplayPlan": "engine.replay",
    # events (read-only, frozen)
    "EngineEvent": "engine.events",
    "RunStartedEvent": "engine.events",
    "RunEndedEvent": "engine.events",
    "RunPausedEvent": "engine.events",
    "RunResumedEvent": "engine.events",
    "NodeSkippedEvent": "engine.events",
    "NodeStartedEvent": "engine.events",
    "NodeSucceededEvent": "engine.events",
    "NodeFailedEvent": "engine.events",
    "NodeExceptionEvent": "engine.events",
    "NodeTerminatedEvent": "engine.events",
    "NodeReusedEvent": "engine.events",
    # records and queries (read-only snapshots)
    "WorkflowExecution": "engine.lifecycle.records",
    "NodeExecution": "engine.lifecycle.records",
    "RunFold": "engine.lifecycle.live_fold",
    "REMOTE_TRIGGER": "engine.triggers",
    "RunQuery": "engine.persistence.protocols",
    "RunPage": "engine.persistence.protocols",
    "DurationPoint": "engine.persistence.protocols",
    "CLI_TRIGGER": "engine.triggers",
    # reading records without the facade (flowdeck runs / show)
    "RecordReader": "engine.record_reader",
    "AmbiguousRunId": "engine.record_reader",
    "open_record_reader": "engine.record_reader",
    "read_records": "engine.record_reader",
    "list_runs_quick": "engine.record_reader",
    "find_run": "engine.record_reader",
    "find_recorded_run": "engine.record_reader",
    "storage_errors": "engine.record_reader",
    "is_backend_error": "engine.record_reader",
    # setting up: the record database, a facade, a worker; what a workflow needs
    "open_flowdeck": "engine.admin",
    "PERSISTENCE_CHOICES": "engine.admin",
    "upgrade_record_database": "engine.admin",
    "run_worker": "engine.admin",
    "RUN_QUEUE": "engine.queues",
    "STORAGE_QUEUE": "engine.queues",
    "Requirement": "engine.requirements",
    "RequirementReport": "engine.requirements",
    "check_requirements": "engine.requirements",
    # settings
    "Settings": "engine.settings",
    "CelerySettings": "engine.settings",
    "mask_url": "engine.settings",
    "user_config_file": "engine.settings",
    "user_data_dir": "engine.settings",
    "mask_secrets": "engine.variables.pool",
}

__all__ = [
    "NODE_TERMINAL",
    "RUN_ACTIVE",
    "RUN_TERMINAL",
    "IllegalTransition",
    "NodeStatus",
    "RunStatus",
    "accept",
    "allowed",
    "transition",
    *_EXPORTS,
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"engine.api has no {name!r} (its public names: engine.api.__all__)")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors: the same names, eagerly
    from engine.admin import PERSISTENCE_CHOICES, open_flowdeck, run_worker, upgrade_record_database
    from engine.dsl import load_workflow
    from engine.errors import DslError, FlowdeckError
    from engine.events import (
        EngineEvent,
        NodeExceptionEvent,
        NodeFailedEvent,
        NodeReusedEvent,
        NodeSkippedEvent,
        NodeStartedEvent,
        NodeSucceededEvent,
        NodeTerminatedEvent,
        RunEndedEvent,
        RunPausedEvent,
        RunResumedEvent,
        RunStartedEvent,
    )
    from engine.facade.control import Control, ControlFuture, ControlOutcome, Delivery
    from engine.facade.launching import Launcher
    from engine.facade.owners import Owner
    from engine.facade.queries import Queries
    from engine.graph import Graph, NodeSpec, Workflow
    from engine.lifecycle.live_fold import RunFold
    from engine.lifecycle.records import NodeExecution, WorkflowExecution
    from engine.nodes.start import StartVariable
    from engine.persistence.protocols import DurationPoint, RunPage, RunQuery
    from engine.queues import RUN_QUEUE, STORAGE_QUEUE
    from engine.record_reader import (
        AmbiguousRunId,
        RecordReader,
        find_recorded_run,
        find_run,
        is_backend_error,
        list_runs_quick,
        open_record_reader,
        read_records,
        storage_errors,
    )
    from engine.replay import ReplayMode, ReplayPlan
    from engine.requirements import Requirement, RequirementReport, check_requirements
    from engine.run import RunHandle, RunResult
    from engine.scheduler.mocks import load_mocks
    from engine.service import Flowdeck, RunAlreadyEnded, RunTakenOver, UnknownRun
    from engine.settings import CelerySettings, Settings, mask_url, user_config_file, user_data_dir
    from engine.triggers import CLI_TRIGGER, REMOTE_TRIGGER
    from engine.variables.pool import mask_secrets
