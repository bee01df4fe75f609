"""Reading what the user typed: ``--inputs``, ``--sys``, ``--mock``, ``--timeout``.

Every problem raises :func:`engine.cli.output.bad_input` (exit code 2) with a
message naming the option or file; nothing here prints a traceback.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli.output import bad_input

if TYPE_CHECKING:
    from engine.api import Workflow


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFinite(f"{name} is not a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFinite(f"{text} is out of range for a number")
    return value


def _read_text(path: Path, what: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise bad_input(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise bad_input(f"{path}: {what} file is a directory") from None
    except OSError as exc:
        raise bad_input(f"{path}: cannot read the {what} file: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_input(
            f"{path}: the {what} file is not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x})"
        ) from None


def parse_json_object(raw: str | None, option: str = "--inputs") -> dict[str, Any]:
    """A JSON object from ``raw`` or ``@file``; NaN, Infinity and overflowing numbers are refused."""
    if not raw:
        return {}
    source = option
    if raw.startswith("@"):
        path = Path(raw[1:])
        source = str(path)
        raw = _read_text(path, "inputs")
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except _NonFinite as exc:
        raise bad_input(f"{source}: {exc} (JSON allows only finite numbers)") from None
    except json.JSONDecodeError as exc:
        raise bad_input(
            f"{source}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(value, dict):
        raise bad_input(f"{source}: inputs must be a JSON object, not {type(value).__name__}")
    return value


def check_number_inputs(workflow: Workflow, inputs: dict[str, Any], source: str = "--inputs") -> None:
    """A number input given as text must be a finite number (``"NaN"``, ``"1e999"`` are refused)."""
    for variable in workflow.start_variables:
        if variable.type != "number" or variable.variable not in inputs:
            continue
        value = inputs[variable.variable]
        if isinstance(value, bool):
            continue
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                continue  # not a number at all: the start node says so
        elif isinstance(value, float):
            number = value
        else:
            continue
        if not math.isfinite(number):
            raise bad_input(f"{source}: input {variable.variable!r} must be a finite number, not {value!r}")


def parse_system(pairs: list[str]) -> dict[str, Any]:
    system: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise bad_input(f"--sys {pair!r}: expected KEY=VALUE")
        system[key.strip()] = value
    return system


def parse_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if not math.isfinite(timeout) or timeout <= 0:
        raise bad_input(f"--timeout {timeout:g}: must be a positive number of seconds")
    return timeout


def load_mock_file(path: Path | None) -> dict[str, dict[str, Any]] | None:
    """The mocks of ``--mock FILE``, validated; errors name the file."""
    if path is None:
        return None
    import yaml

    from engine.api import FlowdeckError, load_mocks

    text = _read_text(path, "mock")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise bad_input(f"{path}: the mock file is not valid YAML/JSON ({problem}{place})") from None
    if data is None:
        return {}
    try:
        return load_mocks(data) if isinstance(data, dict) else load_mocks(text)
    except (FlowdeckError, ValueError, TypeError) as exc:
        raise bad_input(f"{path}: {exc}") from None
