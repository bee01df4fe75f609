"""The runs panel's test helpers: a task runner, an open panel, the rows it shows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.runs import RunsPanel
from desktop_app.tasks import TaskRunner
from engine.api import Flowdeck

WAIT_MS = 8000


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.close()


def open_panel(qtbot: QtBot, flowdeck: Flowdeck, tasks: TaskRunner, **kw: object) -> RunsPanel:
    panel = RunsPanel(flowdeck, tasks, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.resize(1000, 600)
    panel.show()
    return panel


def shown_ids(panel: RunsPanel) -> list[str | None]:
    model = panel.model
    return [(r.id if (r := model.run_at(i)) else None) for i in range(model.rowCount())]


def wait_rows(qtbot: QtBot, panel: RunsPanel, count: int) -> None:
    def loaded() -> None:
        assert panel.model.rowCount() == count
        assert count == 0 or panel.model.run_at(0) is not None

    qtbot.waitUntil(loaded, timeout=WAIT_MS)


def cell(panel: RunsPanel, row: int, column: int) -> str:
    return panel.model.index(row, column).data()


