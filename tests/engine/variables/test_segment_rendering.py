"""Values render as Dify's segments do (graphon 0.8 ``Segment.text`` / ``.markdown``)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.variables import to_markdown, to_text

IMAGE = {
    "dify_model_identity": "__dify__file__",
    "type": "image",
    "filename": "a.png",
    "remote_url": "http://x/a.png",
}
DOC = {
    "dify_model_identity": "__dify__file__",
    "type": "document",
    "filename": "",
    "remote_url": "http://x/d.pdf",
}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("héllo", "héllo"),
        (True, "True"),
        (False, "False"),
        (3, "3"),
        (2.0, "2.0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-7, "1e-07"),
        (
            {"name": "dify", "stars": 100, "ok": True, "none": None},
            '{"name": "dify", "stars": 100, "ok": true, "none": null}',
        ),
        ({"emoji": "ü"}, '{"emoji": "ü"}'),
        ([], ""),
        (["a", "b"], '["a", "b"]'),
        (["ü"], '["ü"]'),
        ([1, 2.5], "[1, 2.5]"),
        ([True, False], "[True, False]"),
        ([{"a": 1}, {"b": None}], "[{'a': 1}, {'b': None}]"),
        ([[1, 2], [3]], "[[1, 2], [3]]"),
        (["a", 1], "['a', 1]"),
        (IMAGE, ""),
        ([IMAGE, DOC], ""),
    ],
)
def test_text(value: Any, text: str) -> None:
    assert to_text(value) == text


@pytest.mark.parametrize(
    ("value", "markdown"),
    [
        (None, ""),
        ("plain", "plain"),
        (True, "True"),
        (1.5, "1.5"),
        ({"name": "dify", "stars": 100}, '{\n  "name": "dify",\n  "stars": 100\n}'),
        ([], ""),
        (["a", "b"], "- a\n- b"),
        ([[1, 2], [2, 4]], "- [1, 2]\n- [2, 4]"),
        ([{"content": "x", "score": 0.9}], "- {'content': 'x', 'score': 0.9}"),
        ([None, True], "- None\n- True"),
        (IMAGE, "![a.png](http://x/a.png)"),
        ([IMAGE, DOC], "![a.png](http://x/a.png)\n[http://x/d.pdf](http://x/d.pdf)"),
    ],
)
def test_markdown(value: Any, markdown: str) -> None:
    assert to_markdown(value) == markdown
