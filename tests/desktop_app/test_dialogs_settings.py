"""SettingsDialog writes the TOML that engine.settings reads; Test connection runs off-thread."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit

from desktop_app.dialogs.connection_check import join_password, split_password
from desktop_app.dialogs.settings_dialog import SettingsDialog
from desktop_app.dialogs.toml_writer import dumps
from desktop_app.tasks import TaskRunner
from engine.api import Settings
from tests.engine.persistence.conftest import PG_HOST, PG_PORT, PG_USER, _require_postgres
from tests.support.redis_server import running_redis


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "flowdeck.toml"
    monkeypatch.setenv("FLOWDECK_CONFIG_FILE", str(path))
    for name in ("FLOWDECK_DATABASE_URL", "FLOWDECK_PERSISTENCE", "FLOWDECK_CELERY__BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def tasks(qtbot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.close()


def _dialog(qtbot, settings: Settings, tasks: TaskRunner) -> SettingsDialog:
    dialog = SettingsDialog(settings, tasks)
    qtbot.addWidget(dialog)
    return dialog


def test_saved_file_is_read_back_by_the_engine(qtbot, config: Path, tasks, tmp_path: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(
        '[engine]\nworker_threads = 3\n\n[[models]]\nprovider = "mock"\nname = "m"\nkind = "mock"\n'
    )
    dialog = _dialog(qtbot, Settings(), tasks)
    dialog.database_box().postgres.setChecked(True)
    dialog.database_box().pg_url.setText("postgresql+psycopg://ops@db.internal:5432/flowdeck")
    dialog.database_box().pg_password.setText('p@ss:"w/rd"')
    dialog._persistence.setCurrentIndex(dialog._persistence.findData("celery-remote"))
    dialog._broker.setText("redis://broker.internal:6379/2")
    dialog._worker.setChecked(True)
    dialog._theme.setCurrentIndex(2)
    assert dialog.errors() == {}
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted

    read = Settings()
    assert read.database_url == "postgresql+psycopg://ops:p%40ss%3A%22w%2Frd%22@db.internal:5432/flowdeck"
    assert split_password(read.database_url)[1] == 'p@ss:"w/rd"'
    assert read.persistence == "celery" and read.celery.backend == "remote"
    assert read.celery.broker_url == "redis://broker.internal:6379/2"
    assert read.engine.worker_threads == 3 and read.models[0].name == "m"  # untouched keys kept
    data = tomllib.loads(config.read_text())
    assert data["console"] == {"where": "worker", "theme": "dark"}
    assert dialog.result_settings()["console"]["theme"] == "dark"
    assert config.stat().st_mode & 0o077 == 0  # it holds a password: owner only


def test_password_is_masked_and_never_in_the_url_field(qtbot, config: Path, tasks) -> None:
    settings = Settings(database_url="postgresql+psycopg://ops:hunter2@db:5432/x")
    dialog = _dialog(qtbot, settings, tasks)
    assert dialog.database_box().pg_url.text() == "postgresql+psycopg://ops@db:5432/x"
    assert dialog.database_box().pg_password.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.database_url() == "postgresql+psycopg://ops:hunter2@db:5432/x"
    dialog.database_box().pg_url.setText("postgresql+psycopg://ops:s3cret@db:5432/x")
    dialog.database_box().pg_url.editingFinished.emit()
    assert (
        "s3cret" not in dialog.database_box().pg_url.text()
        and dialog.database_box().pg_password.text() == "s3cret"
    )


def test_invalid_choices_block_saving_with_inline_messages(qtbot, config: Path, tasks) -> None:
    dialog = _dialog(qtbot, Settings(database_url="sqlite:////tmp/x.db"), tasks)
    assert (
        dialog.database_box().sqlite.isChecked() and dialog.database_box().sqlite_path.text() == "/tmp/x.db"
    )
    dialog.database_box().sqlite_path.clear()
    dialog._worker.setChecked(True)
    errors = dialog.errors()
    assert set(errors) == {"database", "where"}
    assert not dialog._save.isEnabled()
    assert (
        dialog.database_box().error_label.text() == errors["database"]
        and not dialog.database_box().error_label.isHidden()
    )
    dialog.accept()
    assert not config.exists() and dialog.result_settings() == {}


def test_connection_ok_and_failure(qtbot, config: Path, tasks, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, Settings(database_url=f"sqlite:///{tmp_path / 'ok.db'}"), tasks)
    with qtbot.waitSignal(dialog.tested, timeout=10_000) as blocker:
        dialog.test_connection()
    assert blocker.args[0] is True and dialog.test_result().startswith("✓ sqlite")

    dialog.database_box().sqlite_path.setText(str(tmp_path / "missing-dir" / "x.db"))
    with qtbot.waitSignal(dialog.tested, timeout=10_000) as blocker:
        dialog.test_connection()
    assert blocker.args[0] is False
    assert dialog.test_result().startswith("✕") and "missing-dir" in dialog.test_result()


@pytest.mark.postgres
def test_connection_to_postgres_masks_the_password(qtbot, config: Path, tasks) -> None:
    _require_postgres()
    dialog = _dialog(
        qtbot, Settings(database_url=f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"), tasks
    )
    with qtbot.waitSignal(dialog.tested, timeout=15_000) as blocker:
        dialog.test_connection()
    assert blocker.args[0] is True and "postgresql" in dialog.test_result()
    dialog.database_box().pg_url.setText(
        f"postgresql+psycopg://{PG_USER}@{PG_HOST}:1/postgres"
    )  # nothing listens on port 1
    dialog.database_box().pg_password.setText("topsecret")
    with qtbot.waitSignal(dialog.tested, timeout=15_000) as blocker:
        dialog.test_connection()
    assert blocker.args[0] is False
    assert "topsecret" not in dialog.test_result() and ":1/postgres" in dialog.test_result()


@pytest.mark.redis
def test_connection_to_the_broker(qtbot, config: Path, tasks, tmp_path: Path) -> None:
    with running_redis(tmp_path / "redis") as server:
        dialog = _dialog(qtbot, Settings(database_url=f"sqlite:///{tmp_path / 'ok.db'}"), tasks)
        dialog._persistence.setCurrentIndex(dialog._persistence.findData("celery-remote"))
        dialog._broker.setText(server.url)
        with qtbot.waitSignal(dialog.tested, timeout=15_000) as blocker:
            dialog.test_connection()
        assert blocker.args[0] is True and "Redis" in dialog.test_result()


def test_toml_writer_round_trips() -> None:
    data = {
        "database_url": 'sqlite:///C:\\runs "x".db',
        "persistence": "sync",
        "flag": True,
        "ratio": 0.25,
        "nothing": None,
        "engine": {"worker_threads": 4, "limits": {"max_steps": 10}},
        "models": [{"provider": "mock", "name": "a\nb"}, {"provider": "x", "name": "ü"}],
        "secrets": {"api key": "\x01"},
        "tags": ["a", "b"],
    }
    parsed = tomllib.loads(dumps(data))
    expected = dict(data)
    del expected["nothing"]
    assert parsed == expected
    with pytest.raises(TypeError, match=r"engine\.bad"):
        dumps({"engine": {"bad": object()}})


def test_password_helpers() -> None:
    assert split_password("redis://:pw@h:6379/0") == ("redis://h:6379/0", "pw")
    assert join_password("redis://h:6379/0", "p/w") == "redis://:p%2Fw@h:6379/0"
    assert join_password("postgresql://u@h/d", "") == "postgresql://u@h/d"
