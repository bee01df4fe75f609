"""Building a run's variable pool: system values, env, conversation variables, start inputs.

:func:`build_pool` is called once per run; it only does dictionary work
(a few microseconds for a typical workflow).  Start inputs follow Dify's
``BaseAppGenerator._validate_inputs`` rules; a bad input raises
:class:`~engine.errors.InputError` naming the variable (``.variable``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from engine.errors import InputError
from engine.variables.declarations import StartInput, WorkflowDeclarations
from engine.variables.pool import MASK, VariablePool
from engine.variables.value_types import empty_value, parse_number

DEFAULT_USER_ID = "flowdeck"
TEXT_INPUTS = frozenset({"text-input", "paragraph", "select"})
FILE_INPUTS = frozenset({"file", "file-list"})
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def build_pool(
    workflow: WorkflowDeclarations,
    inputs: Mapping[str, Any] | None = None,
    system: Mapping[str, Any] | None = None,
    *,
    conversation: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    secrets: Mapping[str, str] | None = None,
) -> VariablePool:
    """The variable pool a run of ``workflow`` starts with.

    - ``sys``: :func:`system_values` (defaults plus ``system``; ``run_id``
      becomes ``workflow_run_id`` unless ``system`` names one).
    - ``env``: the declared environment variables; secret values are
      registered so :meth:`VariablePool.mask` hides them.  ``secrets`` (from
      the settings) supplies a secret whose value is empty or masked, as in a
      graph snapshot taken from a record or sent to a remote worker.
    - ``conversation``: declared defaults (a missing value is ``""``, ``0``,
      ``{}``, ``[]``, ``False`` by type), overridden by ``conversation``
      (the values a chatflow conversation carries between turns).
    - the start node id: ``inputs`` checked by :func:`validate_inputs`.

    Raises :class:`InputError` for an input or system value that does not fit.
    """
    environment: dict[str, Any] = {}
    secret_values: list[str] = []
    for decl in workflow.environment:
        value = decl.value if decl.value is not None else empty_value(decl.value_type)
        if decl.value_type == "secret" and value in ("", MASK) and secrets and decl.name in secrets:
            value = secrets[decl.name]
        environment[decl.name] = value
        if decl.value_type == "secret" and value:
            secret_values.append(str(value))
    conv: dict[str, Any] = {}
    for decl in workflow.conversation:
        value = decl.value if decl.value is not None else empty_value(decl.value_type)
        conv[decl.name] = _fresh(value)
    if conversation:
        conv.update(conversation)
    pool = VariablePool(
        system=system_values(workflow, system, run_id=run_id),
        environment=environment,
        conversation=conv,
        secrets=secret_values,
    )
    pool.set_outputs(workflow.start_node_id, validate_inputs(workflow.start_variables, inputs))
    return pool


def system_values(
    workflow: WorkflowDeclarations, system: Mapping[str, Any] | None = None, *, run_id: str | None = None
) -> dict[str, Any]:
    """``sys.*`` for a run: Dify's keys with defaults, then ``system`` on top (known keys coerced)."""
    values: dict[str, Any] = {
        "files": [],
        "user_id": DEFAULT_USER_ID,
        "app_id": workflow.id,
        "workflow_id": workflow.id,
        "workflow_run_id": run_id or str(uuid.uuid4()),
        "timestamp": int(time.time()),
        "dialogue_count": 0,
    }
    if workflow.is_chatflow:
        values["query"] = ""
        values["conversation_id"] = str(uuid.uuid4())
    if system:
        for key, value in system.items():
            values[str(key)] = _system_value(str(key), value)
    return values


def _system_value(key: str, value: Any) -> Any:
    if key in ("dialogue_count", "timestamp"):
        number = parse_number(value) if isinstance(value, str) else value
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        if isinstance(number, bool) or not isinstance(number, int):
            raise _error(f"sys.{key}", f"must be a whole number, not {value!r}")
        return number
    if key == "files":
        if value is None:
            return []
        if not isinstance(value, list):
            raise _error("sys.files", f"must be a list of files, not a {type(value).__name__}")
        return value
    if key in ("query", "user_id", "app_id", "workflow_id", "workflow_run_id", "conversation_id"):
        if value is None:
            return "" if key == "query" else None
        if isinstance(value, dict | list):
            raise _error(f"sys.{key}", f"must be text, not a {type(value).__name__}")
        return value if isinstance(value, str) else str(value)
    return value


def validate_inputs(variables: Iterable[StartInput], inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Start-node inputs checked against the declared variables, as Dify checks them.

    Declared variables get their (coerced) value, their default, or ``None``;
    inputs that no variable declares are passed through unchanged.
    """
    given = dict(inputs) if inputs else {}
    result: dict[str, Any] = dict(given)
    for var in variables:
        result[var.variable] = _check_input(var, given.get(var.variable))
    return result


def _check_input(var: StartInput, value: Any) -> Any:
    name, kind = var.variable, var.type
    if value is None:
        if var.required:
            raise _error(name, "is required")
        value = _fresh(var.default)
        if value is None:
            return None
    if kind in FILE_INPUTS and not var.required and isinstance(value, str) and not value:
        return None
    if kind in TEXT_INPUTS:
        if not isinstance(value, str):
            raise _error(name, f"({kind}) must be text, not {_describe(value)}")
        value = value.replace("\x00", "")
        if kind == "select":
            if value not in var.options:
                raise _error(name, f"must be one of {var.options}, not {value!r}")
        elif var.max_length and len(value) > var.max_length:
            raise _error(name, f"must be at most {var.max_length} characters (got {len(value)})")
        return value
    if kind == "number":
        return _number_input(name, value)
    if kind == "checkbox":
        return _checkbox_input(name, value)
    if kind == "file":
        if not isinstance(value, dict) and not hasattr(value, "markdown"):
            raise _error(name, f"must be a file (a mapping), not {_describe(value)}")
        return value
    if kind == "file-list":
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise _error(name, f"must be a list of files, not {_describe(value)}")
        if var.max_length and len(value) > var.max_length:
            raise _error(name, f"must hold at most {var.max_length} files (got {len(value)})")
        return value
    if kind == "json_object":
        return _json_input(name, value)
    return value


def _number_input(name: str, value: Any) -> Any:
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        number = parse_number(value)
        if number is None:
            raise _error(name, f"must be a number, not {value!r}")
        return number
    raise _error(name, f"must be a number, not {_describe(value)}")


def _checkbox_input(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    elif isinstance(value, int | float) and value in (0, 1):
        return value == 1
    raise _error(name, f"must be true or false, not {_describe(value)}")


def _json_input(name: str, value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except ValueError:
            raise _error(name, "must be a JSON object, and this text is not JSON") from None
    if value and not isinstance(value, dict):
        raise _error(name, f"must be a JSON object, not {_describe(value)}")
    return value


def _fresh(value: Any) -> Any:
    """A per-run copy of a declared default, so one run never changes another's."""
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value)) if value else type(value)()
    return value


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"a {type(value).__name__} ({text})"


def _error(variable: str, problem: str) -> InputError:
    error = InputError(f"input {variable!r} {problem}")
    error.variable = variable  # type: ignore[attr-defined]
    return error
