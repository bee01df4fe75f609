"""Built-in tools: the ones Dify workflows use most (time, JSON, text, regex).

Providers and tools (parameters in brackets):
- ``time``: ``current_time`` [format, timezone], ``weekday`` [year, month, day],
  ``timestamp_to_localtime`` [timestamp, timezone, format],
  ``localtime_to_timestamp`` [localtime, timezone, format]
- ``json_process``: ``json_parse`` [content or json_string, json_filter],
  ``json_extract`` (same), ``json_stringify`` [value]; ``json_filter`` is a
  dotted path (``a.b.0``) or ``$.a.b[0]``
- ``text``: ``text_length`` [text], ``text_replace`` [text, find, replace],
  ``text_split`` [text, separator], ``text_case`` [text, case]
- ``regex``: ``regex_extract`` [content, expression]
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.tools.base import FunctionTool, ToolParameter, ToolResult

DEFAULT_FORMAT = "%Y-%m-%d %H:%M:%S"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}") from None


def current_time(format: str = DEFAULT_FORMAT, timezone: str = "UTC") -> str:
    """The current time in a timezone, formatted with strftime."""
    return datetime.now(_zone(timezone)).strftime(format or DEFAULT_FORMAT)


def weekday(year: Any, month: Any, day: Any) -> str:
    """The weekday of a date (English name)."""
    try:
        return calendar.day_name[calendar.weekday(int(year), int(month), int(day))]
    except ValueError as exc:
        raise ValueError(f"invalid date {year}-{month}-{day}: {exc}") from None


def timestamp_to_localtime(timestamp: Any, timezone: str = "UTC", format: str = DEFAULT_FORMAT) -> str:
    """A Unix timestamp as local time text."""
    return datetime.fromtimestamp(float(timestamp), _zone(timezone)).strftime(format or DEFAULT_FORMAT)


def localtime_to_timestamp(localtime: str, timezone: str = "UTC", format: str = DEFAULT_FORMAT) -> ToolResult:
    """Local time text as a Unix timestamp."""
    moment = datetime.strptime(str(localtime), format or DEFAULT_FORMAT).replace(tzinfo=_zone(timezone))
    stamp = int(moment.timestamp())
    return ToolResult(text=str(stamp), variables={"timestamp": stamp})


def _path(json_filter: str) -> list[str]:
    text = json_filter.strip()
    if text.startswith("$"):
        text = text[1:]
    text = re.sub(r"\[(\d+|'[^']*'|\"[^\"]*\")\]", lambda m: "." + m.group(1).strip("'\""), text)
    return [part for part in text.split(".") if part]


def _select(value: Any, json_filter: str) -> Any:
    for key in _path(json_filter):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.lstrip("-").isdigit() and -len(value) <= int(key) < len(value):
            value = value[int(key)]
        else:
            raise ValueError(f"json_filter {json_filter!r}: no {key!r} in the data")
    return value


def json_parse(content: Any = None, json_string: Any = None, json_filter: str = "") -> ToolResult:
    """Parse JSON text, optionally selecting a path; outputs text, json and ``result``."""
    raw = content if content is not None else json_string
    if raw is None:
        raise ValueError("json_parse needs a content (or json_string) parameter")
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON: {exc}") from None
    else:
        value = raw
    if json_filter:
        value = _select(value, json_filter)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return ToolResult(text=text, json=list(items), variables={"result": value})


def json_stringify(value: Any) -> str:
    """A value as JSON text."""
    return json.dumps(value, ensure_ascii=False)


def text_length(text: str = "") -> ToolResult:
    """The number of characters of a text."""
    return ToolResult(text=str(len(text)), variables={"length": len(text)})


def text_replace(text: str = "", find: str = "", replace: str = "") -> str:
    """Replace every occurrence of ``find``."""
    if not find:
        raise ValueError("text_replace needs a non-empty find parameter")
    return text.replace(find, replace)


def text_split(text: str = "", separator: str = "\n") -> ToolResult:
    """Split a text; outputs the parts as ``result`` (array of strings)."""
    parts = text.split(separator) if separator else text.split()
    return ToolResult(text=json.dumps(parts, ensure_ascii=False), variables={"result": parts})


def text_case(text: str = "", case: str = "lower") -> str:
    """Change letter case: lower, upper, title or strip (trim spaces)."""
    operations = {"lower": str.lower, "upper": str.upper, "title": str.title, "strip": str.strip}
    if case not in operations:
        raise ValueError(f"case must be one of {', '.join(operations)}, got {case!r}")
    return operations[case](text)


def regex_extract(content: str = "", expression: str = "") -> ToolResult:
    """Every match of a regular expression (group 1 if the pattern has groups)."""
    try:
        pattern = re.compile(expression)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {expression!r}: {exc}") from None
    matches = [m.group(1) if pattern.groups else m.group(0) for m in pattern.finditer(content)]
    return ToolResult(text=json.dumps(matches, ensure_ascii=False), variables={"result": matches})


def _p(name: str, type: str = "string", *, required: bool = False, default: Any = None) -> ToolParameter:
    return ToolParameter(name=name, type=type, required=required, default=default)


def builtin_tools() -> list[FunctionTool]:
    fmt, tz = _p("format", default=DEFAULT_FORMAT), _p("timezone", default="UTC")
    json_params = [_p("content"), _p("json_string"), _p("json_filter", default="")]
    return [
        FunctionTool("time", "current_time", current_time, [fmt, tz]),
        FunctionTool(
            "time", "weekday", weekday, [_p(n, "number", required=True) for n in ("year", "month", "day")]
        ),
        FunctionTool(
            "time",
            "timestamp_to_localtime",
            timestamp_to_localtime,
            [_p("timestamp", required=True), tz, fmt],
        ),
        FunctionTool(
            "time",
            "localtime_to_timestamp",
            localtime_to_timestamp,
            [_p("localtime", required=True), tz, fmt],
        ),
        FunctionTool("json_process", "json_parse", json_parse, json_params),
        FunctionTool("json_process", "json_extract", json_parse, json_params),
        FunctionTool(
            "json_process", "json_stringify", json_stringify, [_p("value", "object", required=True)]
        ),
        FunctionTool("text", "text_length", text_length, [_p("text", default="")]),
        FunctionTool(
            "text",
            "text_replace",
            text_replace,
            [_p("text", default=""), _p("find"), _p("replace", default="")],
        ),
        FunctionTool(
            "text", "text_split", text_split, [_p("text", default=""), _p("separator", default="\n")]
        ),
        FunctionTool("text", "text_case", text_case, [_p("text", default=""), _p("case", default="lower")]),
        FunctionTool(
            "regex",
            "regex_extract",
            regex_extract,
            [_p("content", default=""), _p("expression", required=True)],
        ),
    ]
