"""The end-of-run summary ``flowdeck run``, ``watch`` and ``replay`` print: a node table and one status line.

It is built from the same object ``--json`` prints (:func:`engine.cli.output.run_json`),
so the two never disagree; skipped nodes are listed too.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.api import NodeStatus
from engine.cli.theme import status_style


def print_summary(console: Console, data: dict[str, Any]) -> None:
    """``data`` is a :func:`run_json` object."""
    table = Table(title=Text(f"run {data['run_id']}"), show_lines=False)
    for column in ("node", "type", "status", "retries", "elapsed ms"):
        table.add_column(column, overflow="fold")
    for n in data["nodes"]:
        status = n["status"]
        skipped = status == NodeStatus.SKIPPED
        table.add_row(
            Text(n["title"] or n["node_id"]),
            Text(n["type"]),
            Text(status, style=status_style(status)),
            "-" if skipped else str(n["retry_count"]),
            "-" if skipped else f"{n['elapsed_time'] * 1000:.1f}",
        )
    console.print(table)
    status = data["status"]
    line = Text(status, style=status_style(status))
    elapsed = data.get("elapsed_time") or 0.0
    line.append(f" in {elapsed:.3f} s, {data['total_steps']} steps, {data['total_tokens']} tokens")
    console.print(line)
    if data.get("error"):
        console.print(Text(str(data["error"]), style="red"))
    console.print_json(json.dumps(data.get("outputs") or {}, ensure_ascii=False, default=str))
