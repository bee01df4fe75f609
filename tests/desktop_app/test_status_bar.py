"""The status bar names the backends the console depends on and checks them off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.status_bar import ConsoleStatusBar, broker_url_in_use
from desktop_app.tasks import TaskRunner
from engine.api import Flowdeck, Settings
from tests.support.redis_server import running_redis


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.close()


def test_the_embedded_default_depends_on_no_broker(flowdeck: Flowdeck) -> None:
    assert broker_url_in_use(flowdeck, where="here") is None
    assert broker_url_in_use(flowdeck, where="worker") == flowdeck.settings.celery.broker_url


def test_a_broker_runs_are_sent_to_is_checked_and_a_dead_one_shown(qtbot, tmp_path: Path, tasks) -> None:
    with running_redis(tmp_path / "redis") as server:
        deck = Flowdeck(
            Settings(database_url=f"sqlite:///{tmp_path / 'runs.db'}", celery={"broker_url": server.url})
        )
        bar = ConsoleStatusBar(deck, tasks, lambda: 0.0, where="worker")  # runs go to workers
        qtbot.addWidget(bar)
        bar.check()
        qtbot.waitUntil(lambda: bar.is_ok("broker") is True, timeout=10_000)
        assert "✓" in bar.broker.text()
        server.stop()
        bar.check()
        qtbot.waitUntil(lambda: bar.is_ok("broker") is False, timeout=10_000)
        assert "✕" in bar.broker.text()
        bar.stop()
        deck.close()
