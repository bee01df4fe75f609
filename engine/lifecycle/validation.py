"""Field checks for records read back from JSON (Celery payloads, stored rows)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

FieldSpec = Mapping[str, tuple[tuple[type, ...], bool]]


def check_fields(
    record: str, data: Any, spec: FieldSpec, *, optional: Collection[str] = ()
) -> dict[str, Any]:
    """Keep the known keys of ``data`` after checking their types.

    ``spec`` maps a field to (accepted types, nullable).  Unknown keys are
    dropped (a newer producer may add fields).  Raises ``ValueError`` naming
    the record and the field.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"{record}: expected a mapping, got {type(data).__name__}")
    values: dict[str, Any] = {}
    for name, (types, nullable) in spec.items():
        if name not in data:
            if name in optional:
                continue
            raise ValueError(f"{record}: field {name!r} is missing")
        value = data[name]
        if value is None:
            if not nullable:
                raise ValueError(f"{record}: field {name!r} must not be null")
        elif isinstance(value, bool) or not isinstance(value, types):
            # bool is an int subclass but never a valid count, index or time
            expected = " or ".join(t.__name__ for t in types)
            raise ValueError(f"{record}: field {name!r} must be {expected}, got {type(value).__name__}")
        values[name] = value
    return values
