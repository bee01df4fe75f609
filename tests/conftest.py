"""Suite-wide settings: no user config leaks into tests, Qt renders offscreen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["FLOWDECK_CONFIG_FILE"] = str(ROOT / "tests" / "no-such-config.toml")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def corpus_dir() -> Path | None:
    explicit = os.environ.get("FLOWDECK_DIFY_CORPUS")
    if explicit:
        return Path(explicit)
    candidate = ROOT.parent / "shared" / "dify-dsl"
    return candidate if candidate.is_dir() else None


def require_corpus(path: Path | None = None) -> Path:
    """The corpus folder; a test without it skips, and fails under CI (``CI=true``)."""
    corpus = path if path is not None else corpus_dir()
    if corpus is None or not corpus.is_dir():
        reason = "Dify corpus not found: set FLOWDECK_DIFY_CORPUS or place it at ../shared/dify-dsl"
        if in_ci():
            pytest.fail(f"{reason} (required under CI)")
        pytest.skip(reason)
    return corpus


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs never write to the real user data dir during tests."""
    data = tmp_path_factory.mktemp("flowdeck-data")
    monkeypatch.setenv("FLOWDECK_DATA_DIR", str(data))
