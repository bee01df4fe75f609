"""Built-in tools: time, JSON, text and regex."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.nodes.cancel import CancelToken
from engine.tools import ToolResult, as_result, default_registry


def invoke(provider: str, name: str, **params: object) -> ToolResult:
    tool = default_registry(entry_points_too=False).find([provider], name)
    assert tool is not None
    return as_result(tool.invoke(params, CancelToken()))


def test_current_time_uses_format_and_timezone() -> None:
    text = invoke("time", "current_time", format="%Y", timezone="UTC").text
    assert text == str(datetime.now(UTC).year)
    default = invoke("time", "current_time").text
    assert datetime.strptime(default, "%Y-%m-%d %H:%M:%S")


def test_current_time_rejects_an_unknown_timezone() -> None:
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Base'"):
        invoke("time", "current_time", timezone="Mars/Base")


def test_weekday_and_timestamps() -> None:
    assert invoke("time", "weekday", year=2025, month=8, day=5).text == "Tuesday"
    assert invoke("time", "timestamp_to_localtime", timestamp=0, timezone="UTC").text == "1970-01-01 00:00:00"
    result = invoke("time", "localtime_to_timestamp", localtime="1970-01-01 01:00:00", timezone="UTC")
    assert result.variables["timestamp"] == 3600


def test_json_parse_outputs_text_json_and_result() -> None:
    result = invoke("json_process", "json_parse", json_string='{"name": "dify", "stars": 100}')
    assert result.variables["result"] == {"name": "dify", "stars": 100}
    assert result.json == [{"name": "dify", "stars": 100}]
    assert result.text == '{"name": "dify", "stars": 100}'


@pytest.mark.parametrize(("path", "expected"), [("a.b.1", 2), ("$.a.b[0]", 1), ("a.c", "x")])
def test_json_extract_paths(path: str, expected: object) -> None:
    result = invoke(
        "json_process", "json_extract", content='{"a": {"b": [1, 2], "c": "x"}}', json_filter=path
    )
    assert result.variables["result"] == expected


def test_json_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="invalid JSON"):
        invoke("json_process", "json_parse", content="{nope")
    with pytest.raises(ValueError, match="no 'z'"):
        invoke("json_process", "json_extract", content='{"a": 1}', json_filter="z")


def test_text_tools() -> None:
    assert invoke("text", "text_length", text="héllo").variables["length"] == 5
    assert invoke("text", "text_replace", text="a-b-c", find="-", replace="+").text == "a+b+c"
    assert invoke("text", "text_split", text="a,b", separator=",").variables["result"] == ["a", "b"]
    assert invoke("text", "text_case", text="MiXed", case="upper").text == "MIXED"
    with pytest.raises(ValueError, match="case must be one of"):
        invoke("text", "text_case", text="x", case="sideways")


def test_regex_extract() -> None:
    assert invoke("regex", "regex_extract", content="a1 b22", expression=r"\d+").variables["result"] == [
        "1",
        "22",
    ]
    assert invoke("regex", "regex_extract", content="k=v", expression=r"k=(\w)").variables["result"] == ["v"]
    with pytest.raises(ValueError, match="invalid regular expression"):
        invoke("regex", "regex_extract", content="x", expression="(")


def test_required_parameters_are_enforced() -> None:
    with pytest.raises(ValueError, match="needs parameter"):
        invoke("regex", "regex_extract", content="x")
