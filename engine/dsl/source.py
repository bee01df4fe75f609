"""Reading a workflow document: a path, YAML/JSON text, bytes, or an already parsed mapping."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from engine.dsl.plain import to_plain
from engine.errors import DslError

WORKFLOW_SUFFIXES = (".yml", ".yaml", ".json")
#: libyaml's parser when PyYAML was built with it (about 10x faster), else the pure-Python one
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Dify refuses DSL files above 10 MB; so do we
MAX_BYTES = 10 * 1024 * 1024


def read_document(source: str | Path | bytes | Mapping[str, Any]) -> tuple[Any, str]:
    """The parsed document (as plain data) and a name for it.

    The name is the file path, ``<string>`` or ``<mapping>``; every
    :class:`DslError` raised later carries it as ``source``.
    """
    if isinstance(source, Mapping):
        return to_plain(source, "<mapping>"), "<mapping>"
    if isinstance(source, bytes | bytearray):
        return _parse(_decode(bytes(source), "<bytes>"), "<bytes>"), "<bytes>"
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        name = str(path)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise DslError("the file is larger than 10 MB", kind="too-large", source=name)
            raw = path.read_bytes()
        except FileNotFoundError:
            raise DslError("file not found", kind="not-found", source=name) from None
        except IsADirectoryError:
            raise DslError(
                "this is a directory, not a workflow file", kind="unreadable", source=name
            ) from None
        except ValueError:
            raise DslError("not a usable file path", kind="not-found", source=repr(name)) from None
        except OSError as exc:
            raise DslError(
                f"cannot read the file: {exc.strerror or exc}", kind="unreadable", source=name
            ) from None
        text = _decode(raw, name)
        if path.suffix.lower() == ".json":
            return _parse_json(text, name), name
        return _parse(text, name), name
    if isinstance(source, str):
        if len(source) > MAX_BYTES:
            raise DslError("the document is larger than 10 MB", kind="too-large", source="<string>")
        return _parse(source, "<string>"), "<string>"
    kind_name = type(source).__name__
    raise DslError(f"cannot load a workflow from a {kind_name}", kind="bad-source", source=f"<{kind_name}>")


def _looks_like_path(text: str) -> bool:
    """One line naming a workflow file, or an existing file (whatever its suffix)."""
    if "\n" in text or not text.strip() or len(text) > 4096:
        return False
    stripped = text.strip()
    if stripped.lower().endswith(WORKFLOW_SUFFIXES):
        return True
    try:
        return Path(stripped).is_file()
    except (OSError, ValueError):
        return False


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DslError(
            f"not a text file (not UTF-8 at byte {exc.start})", kind="not-yaml", source=name
        ) from None


def _parse(text: str, name: str) -> Any:
    try:
        document = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DslError(f"not valid YAML{where}: {problem}", kind="not-yaml", source=name) from None
    except RecursionError:
        raise DslError("not usable YAML: it nests too deeply", kind="not-yaml", source=name) from None
    return to_plain(document, name)


def _parse_json(text: str, name: str) -> Any:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DslError(
            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            kind="not-yaml",
            source=name,
        ) from None
    except RecursionError:
        raise DslError("not usable JSON: it nests too deeply", kind="not-yaml", source=name) from None
    return to_plain(document, name)
