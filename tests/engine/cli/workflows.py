"""Workflow files for the CLI tests, derived from resources/workflows/greeting.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
GREETING = ROOT / "resources" / "workflows" / "greeting.yml"


def greeting_variant(
    tmp_path: Path, *, name: str = "greeting", titles: dict[str, str] | None = None, file: str = "wf.yml"
) -> Path:
    """greeting.yml with another app name and node titles, written to ``tmp_path / file``."""
    doc: dict[str, Any] = yaml.safe_load(GREETING.read_text())
    doc["app"]["name"] = name
    for node in doc["workflow"]["graph"]["nodes"]:
        if titles and node["id"] in titles:
            node["data"]["title"] = titles[node["id"]]
    path = tmp_path / file
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def number_echo(tmp_path: Path) -> Path:
    """start (number input ``x``) -> end (output ``x``)."""
    doc = {
        "app": {"name": "number echo", "mode": "workflow"},
        "kind": "app",
        "version": "0.3.1",
        "workflow": {
            "graph": {
                "nodes": [
                    {
                        "id": "start",
                        "data": {
                            "type": "start",
                            "title": "Start",
                            "variables": [
                                {"variable": "x", "label": "X", "type": "number", "required": True}
                            ],
                        },
                    },
                    {
                        "id": "end",
                        "data": {
                            "type": "end",
                            "title": "End",
                            "outputs": [{"variable": "x", "value_selector": ["start", "x"]}],
                        },
                    },
                ],
                "edges": [{"id": "e1", "source": "start", "target": "end"}],
            }
        },
    }
    path = tmp_path / "number.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def write_mocks(tmp_path: Path, mocks: dict[str, Any], file: str = "mocks.yml") -> Path:
    path = tmp_path / file
    path.write_text(yaml.safe_dump(mocks))
    return path
