"""Reading a workflow document: a path, YAML/JSON text, bytes, or an already parsed mapping.

JSON is read as JSON (a ``.json`` file, or any text whose first non-space character
is ``{``): PyYAML refuses the surrogate-pair escapes (``\\ud83e\\udd16``) JSON uses
for emoji.  Dify's export API wraps the YAML as ``{"data": "<the YAML>"}``; such a
wrapper (or ``{"data": {<the app>}}``) is unwrapped, and a document that is neither
an app nor a wrapper says so, naming the file.
"""

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
        return unwrap_export(to_plain(source, "<mapping>"), "<mapping>"), "<mapping>"
    if isinstance(source, bytes | bytearray):
        return _parse_text(_decode(bytes(source), "<bytes>"), "<bytes>"), "<bytes>"
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
            return unwrap_export(_parse_json(text, name), name), name
        return _parse_text(text, name), name
    if isinstance(source, str):
        if len(source) > MAX_BYTES:
            raise DslError("the document is larger than 10 MB", kind="too-large", source="<string>")
        return _parse_text(source, "<string>"), "<string>"
    kind_name = type(source).__name__
    raise DslError(f"cannot load a workflow from a {kind_name}", kind="bad-source", source=f"<{kind_name}>")


def _parse_text(text: str, name: str) -> Any:
    """JSON when the text opens with ``{`` (YAML only if it is not JSON), else YAML."""
    if text.lstrip()[:1] == "{":
        try:
            document = _parse_json(text, name)
        except DslError as json_error:
            try:  # a YAML flow mapping is not JSON and still a document
                document = _parse(text, name)
            except DslError:
                raise json_error from None
        return unwrap_export(document, name)
    return unwrap_export(_parse(text, name), name)


#: keys that make a mapping a Dify app (or the bare graph form) rather than a wrapper
_APP_KEYS = frozenset({"kind", "app", "workflow", "nodes", "edges", "graph"})


def unwrap_export(document: Any, name: str) -> Any:
    """The app inside Dify's API export ``{"data": "<the YAML>"}`` (or ``{"data": {app}}``).

    Anything else is returned as is (the document splitter judges it); a mapping
    with a ``data`` field that holds no app is refused here, saying what it holds.
    """
    if not isinstance(document, Mapping) or "data" not in document or _APP_KEYS & document.keys():
        return document
    inner = document["data"]
    where = f"{name} (its 'data' field)"
    if isinstance(inner, str):
        if len(inner) > MAX_BYTES:
            raise DslError("the wrapped document is larger than 10 MB", kind="too-large", source=where)
        parsed = _parse_json(inner, where) if inner.lstrip()[:1] == "{" else _parse(inner, where)
        if isinstance(parsed, Mapping) and _APP_KEYS & parsed.keys():
            return parsed
        raise DslError(
            f"neither a Dify app nor a wrapped export: 'data' holds {_what(parsed)}, not an app",
            kind="not-a-dify-app",
            source=name,
        )
    if isinstance(inner, Mapping) and _APP_KEYS & inner.keys():
        return inner
    raise DslError(
        f"neither a Dify app nor a wrapped export: 'data' is {_what(inner)}, "
        "not the app's YAML text or an app mapping",
        kind="not-a-dify-app",
        source=name,
    )


def _what(value: Any) -> str:
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, Mapping):
        keys = ", ".join(map(repr, list(value)[:5]))
        return f"a mapping with keys {keys}" if keys else "an empty mapping"
    if value is None:
        return "empty"
    return f"a {type(value).__name__}"


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
