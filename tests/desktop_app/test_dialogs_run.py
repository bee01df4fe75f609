"""RunDialog: loads the workflow off the GUI thread, shows load errors inline, remembers inputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox

from desktop_app.dialogs.recent_store import RecentStore
from desktop_app.dialogs.run_dialog import RunDialog
from desktop_app.tasks import TaskRunner
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS

CYCLE = """\
app: {name: loop-forever, mode: workflow}
kind: app
version: 0.3.1
workflow:
  graph:
    nodes:
      - id: start
        data: {type: start, title: Start, variables: []}
      - id: a
        data: {type: template-transform, title: A, template: "x", variables: []}
      - id: b
        data: {type: template-transform, title: B, template: "y", variables: []}
    edges:
      - {source: start, target: a}
      - {source: a, target: b}
      - {source: b, target: a}
"""


@pytest.fixture
def tasks(qtbot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.close()


@pytest.fixture
def store(tmp_path: Path) -> RecentStore:
    return RecentStore(tmp_path / "recent.json")


def _open(qtbot, tasks: TaskRunner, store: RecentStore, path: Path) -> tuple[RunDialog, bool]:
    dialog = RunDialog(tasks, store=store)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000) as blocker:
        dialog.load(str(path))
    return dialog, blocker.args[0]


def test_broken_yaml_is_shown_inline_and_run_stays_disabled(qtbot, tasks, store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("app: {name: x\nworkflow: [", encoding="utf-8")
    dialog, ok = _open(qtbot, tasks, store, broken)
    assert ok is False
    assert str(broken) in dialog.error_text()
    assert dialog.workflow() is None
    assert not dialog.run_button().isEnabled()
    dialog.accept()  # Enter on the disabled button does nothing
    assert dialog.result() == 0 and dialog.isVisible() is False


def test_cycle_names_the_file_and_the_problem(qtbot, tasks, store, tmp_path: Path) -> None:
    cyclic = tmp_path / "cycle.yml"
    cyclic.write_text(CYCLE, encoding="utf-8")
    dialog, ok = _open(qtbot, tasks, store, cyclic)
    assert ok is False
    text = dialog.error_text()
    assert str(cyclic) in text and "cycle" in text.lower()
    assert not dialog.run_button().isEnabled()


def test_missing_file(qtbot, tasks, store, tmp_path: Path) -> None:
    dialog, ok = _open(qtbot, tasks, store, tmp_path / "nope.yml")
    assert ok is False
    assert "nope.yml" in dialog.error_text() and "not found" in dialog.error_text()


def test_sample_builds_the_form_and_remembers_inputs(qtbot, tasks, store) -> None:
    dialog, ok = _open(qtbot, tasks, store, SAMPLE)
    assert ok is True and dialog.error_text() == ""
    assert dialog.workflow() is not None and dialog.workflow().name == "nightly-report"
    region = dialog.form().editor("region")
    assert isinstance(region, QComboBox)
    assert [region.itemText(i) for i in range(region.count())] == ["eu", "us", "apac"]
    assert dialog.form().editor("days").text() == "7"
    qtbot.waitUntil(dialog.run_button().isEnabled, timeout=5000)  # its mocks file (found beside it) checked
    region.setCurrentIndex(region.findText("apac"))
    dialog.form().editor("days").setText("abc")
    assert not dialog.run_button().isEnabled()
    dialog.form().editor("days").setText("3")
    dialog.set_mocks_path(str(SAMPLE_MOCKS))
    qtbot.waitUntil(dialog.run_button().isEnabled, timeout=5000)
    dialog.accept()
    assert dialog.inputs() == {"region": "apac", "days": 3}
    assert dialog.where() == "here" and dialog.mocks_path() == str(SAMPLE_MOCKS)

    again, ok = _open(qtbot, tasks, store, SAMPLE)
    assert ok is True
    assert again.inputs() == {"region": "apac", "days": 3}
    assert again.mocks_path() == str(SAMPLE_MOCKS)
    assert store.recent_files() == [str(SAMPLE.resolve())]


def test_bad_mocks_file_blocks_the_run(qtbot, tasks, store, tmp_path: Path) -> None:
    dialog, ok = _open(qtbot, tasks, store, SAMPLE)
    assert ok
    bad = tmp_path / "mocks.yml"
    bad.write_text("summarise: 3\n", encoding="utf-8")
    dialog.set_mocks_path(str(bad))
    qtbot.waitUntil(lambda: dialog.mocks_field().error_text() != "", timeout=5000)
    assert "summarise" in dialog.mocks_field().error_text()
    assert not dialog.run_button().isEnabled()


def test_given_path_and_inputs_prefill(qtbot, tasks, store) -> None:
    dialog = RunDialog(tasks, store=store, path=str(SAMPLE), inputs={"region": "eu", "days": 30})
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.workflow() is not None, timeout=10_000)
    assert dialog.inputs() == {"region": "eu", "days": 30}


def test_where_defaults_to_the_settings_choice(qtbot, tasks, store, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "flowdeck.toml"
    config.write_text('[console]\nwhere = "worker"\n', encoding="utf-8")
    monkeypatch.setenv("FLOWDECK_CONFIG_FILE", str(config))
    dialog = RunDialog(tasks, store=store)
    qtbot.addWidget(dialog)
    assert dialog.where() == "worker"
    dialog._here.setChecked(True)
    assert dialog.where() == "here"


def test_default_store_lives_in_the_user_data_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FLOWDECK_DATA_DIR", str(tmp_path / "data"))
    store = RecentStore()
    store.remember(str(SAMPLE), {"region": "eu", "api_token": "s3cret"})
    assert store.path == tmp_path / "data" / "console-recent.json"
    assert store.last_inputs(str(SAMPLE)) == {"region": "eu"}  # secret-looking inputs are not written
    assert "s3cret" not in store.path.read_text()
