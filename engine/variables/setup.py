"""Building a run's variable pool (temporary version by the lead; the DSL/variables owner replaces it)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from engine.graph import Workflow
from engine.variables.pool import VariablePool

_DEFAULTS = {"string": "", "number": 0, "object": {}, "secret": ""}


def build_pool(
    workflow: Workflow, inputs: Mapping[str, Any] | None, system: Mapping[str, Any] | None
) -> VariablePool:
    env = {v.name: v.value for v in workflow.environment}
    secrets = [str(v.value) for v in workflow.environment if v.value_type == "secret" and v.value]
    conversation = {
        v.name: (
            v.value
            if v.value is not None
            else ([] if v.value_type.startswith("array") else _DEFAULTS.get(v.value_type))
        )
        for v in workflow.conversation
    }
    sys_values: dict[str, Any] = {
        "files": [],
        "user_id": "flowdeck",
        "app_id": workflow.id,
        "workflow_id": workflow.id,
        "workflow_run_id": str(uuid.uuid4()),
        "timestamp": int(time.time()),
        "dialogue_count": 0,
    }
    if workflow.is_chatflow:
        sys_values.setdefault("query", "")
        sys_values.setdefault("conversation_id", str(uuid.uuid4()))
    sys_values.update(system or {})
    pool = VariablePool(system=sys_values, environment=env, conversation=conversation, secrets=secrets)
    values = dict(inputs or {})
    for var in workflow.start_variables:
        if var.variable not in values and var.default is not None:
            values[var.variable] = var.default
    pool.set_outputs(workflow.start_node_id, values)
    return pool
