"""Where a run executes: here, in this console, or on a Celery worker (and the settings' default)."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QRadioButton, QWidget

from desktop_app.dialogs.toml_writer import read_toml_file
from engine.api import user_config_file

HERE, WORKER = "here", "worker"


def configured_where() -> str:
    """The settings dialog's choice of where runs execute (``[console] where`` in flowdeck.toml)."""
    try:
        console = read_toml_file(user_config_file()).get("console", {})
    except (OSError, ValueError):
        return HERE
    return console.get("where", HERE) if isinstance(console, dict) else HERE


class WhereChoice(QWidget):
    """Two radio buttons, preset to the settings' choice; :meth:`value` is ``here`` or ``worker``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.here = QRadioButton("Here, in this console", self)
        self.worker = QRadioButton("On a worker (Celery)", self)
        (self.worker if configured_where() == WORKER else self.here).setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.here)
        group.addButton(self.worker)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.here)
        row.addWidget(self.worker)
        row.addStretch(1)

    def value(self) -> str:
        return WORKER if self.worker.isChecked() else HERE
