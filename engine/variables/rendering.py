"""How values become text, exactly as Dify's segments render them.

Dify (graphon 0.8 ``variables/segments.py`` and ``factory.build_segment``)
turns a value into a segment and asks for ``.text`` (inside templates sent to
models, URLs, conditions) or ``.markdown`` (Answer output and streamed End
outputs):

=====================  =========================  ===============================
value                  text                       markdown
=====================  =========================  ===============================
None                   ``""``                     ``""``
str                    itself                     itself
bool                   ``True`` / ``False``       same
int, float             ``str(v)`` (``2.0``)       same
dict                   compact JSON               JSON indented by 2
[] (empty list)        ``""``                     ``""``
list of str            JSON (``["a", "b"]``)      ``- a`` one item a line
any other list         Python ``str(list)``       ``- {str(item)}`` a line
=====================  =========================  ===============================

Files (dicts with ``dify_model_identity: __dify__file__`` or objects with a
``markdown`` attribute) render as ``""`` in text and as their markdown link.
"""

from __future__ import annotations

import json
from typing import Any

FILE_IDENTITY = "__dify__file__"


def to_text(value: Any) -> str:
    """``Segment.text`` of the segment Dify builds for ``value``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, dict):
        if _is_file(value):
            return ""
        return _json(value)
    if isinstance(value, list | tuple):
        if not value:
            return ""
        if all(isinstance(item, str) for item in value):
            return json.dumps(list(value), ensure_ascii=False)
        if all(_is_file(item) for item in value):
            return ""
        return str(list(value))
    if _is_file(value):
        return ""
    return str(value)


def to_markdown(value: Any) -> str:
    """``Segment.markdown`` of the segment Dify builds for ``value``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if _is_file(value):
            return file_markdown(value)
        return json.dumps(value, ensure_ascii=False, indent=2, default=_fallback)
    if isinstance(value, list | tuple):
        if value and all(_is_file(item) for item in value):
            return "\n".join(file_markdown(item) for item in value)
        return "\n".join(f"- {item}" for item in value)
    if _is_file(value):
        return file_markdown(value)
    return str(value)


def file_markdown(file: Any) -> str:
    """Dify's ``File.markdown``: ``![name](url)`` for images, ``[name](url)`` otherwise."""
    get = file.get if isinstance(file, dict) else lambda key, default=None: getattr(file, key, default)
    name = get("filename") or get("name") or ""
    url = get("remote_url") or get("url") or ""
    if get("type") == "image":
        return f"![{name}]({url})"
    return f"[{name or url}]({url})"


def _is_file(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get("dify_model_identity") == FILE_IDENTITY
    return not isinstance(value, str | int | float | list | tuple) and hasattr(value, "markdown")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_fallback)


def _fallback(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(value)
