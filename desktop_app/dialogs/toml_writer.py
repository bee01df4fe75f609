"""A small TOML writer for the settings file (the standard library's tomllib only reads).

Enough for ``flowdeck.toml``: tables, arrays of tables (``[[models]]``), strings
(basic strings, escaped per the TOML spec), booleans, integers, floats and arrays of
those.  ``None`` values are left out (TOML has no null).  ``update_toml_file`` keeps
every key it is not told to change, writes atomically and keeps the file private
(it may hold passwords).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def dumps(data: Mapping[str, Any]) -> str:
    """``data`` as TOML text; a ``TypeError`` names the key whose value TOML cannot hold."""
    lines: list[str] = []
    _table(data, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def quote_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v, f"{where}[{i}]") for i, v in enumerate(value) if v is not None) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{quote_key(str(k))} = {_value(v, f'{where}.{k}')}" for k, v in value.items())
        return "{" + items + "}" if items else "{}"
    raise TypeError(f"{where}: TOML cannot hold a {type(value).__name__}")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _table(data: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, Mapping) and not _is_table_array(v)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    arrays = [(k, v) for k, v in data.items() if _is_table_array(v)]
    for key, value in scalars:
        if value is not None:
            lines.append(f"{quote_key(str(key))} = {_value(value, '.'.join([*path, str(key)]))}")
    for key, value in tables:
        sub = [*path, str(key)]
        has_scalars = any(not isinstance(v, Mapping) and not _is_table_array(v) for v in value.values())
        if has_scalars or not value:
            lines.extend(["", "[" + ".".join(quote_key(p) for p in sub) + "]"])
        _table(value, sub, lines)
    for key, value in arrays:
        sub = [*path, str(key)]
        for item in value:
            lines.extend(["", "[[" + ".".join(quote_key(p) for p in sub) + "]]"])
            _table(item, sub, lines)


def read_toml_file(path: Path) -> dict[str, Any]:
    """The file's data (``{}`` when missing); a ``ValueError`` naming the file when it is not TOML."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None


def update_toml_file(path: Path, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` into the TOML file at ``path`` (nested tables merged key by key) and
    write it back atomically with owner-only permissions; returns the whole new content."""
    data = read_toml_file(path)
    _merge(data, changes)
    text = dumps(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return data


def _merge(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif value is None:
            target.pop(key, None)
        else:
            target[key] = dict(value) if isinstance(value, Mapping) else value
