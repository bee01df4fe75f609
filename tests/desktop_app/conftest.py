"""Fixtures of the console's tests: a Flowdeck on a SQLite file of the test's own, the sample workflow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.api import Flowdeck, Settings

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "resources" / "workflows"
SAMPLE = WORKFLOWS / "nightly_report.yml"
SAMPLE_MOCKS = WORKFLOWS / "nightly_report.mocks.yml"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'runs.db'}")


@pytest.fixture
def flowdeck(settings: Settings) -> Iterator[Flowdeck]:
    deck = Flowdeck(settings)
    yield deck
    deck.close()
