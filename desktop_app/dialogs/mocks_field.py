"""The Run dialog's optional mocks file: a path, a Browse… button, and an inline check off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop_app.dialogs.errors import describe_error
from desktop_app.dialogs.form_style import error_label, set_error
from desktop_app.tasks import TaskRunner
from engine.api import load_mocks

MOCKS_FILTER = "YAML / JSON (*.yml *.yaml *.json)"


class MocksField(QWidget):
    """``path()`` is ``None`` when empty; ``is_ok()`` once the file parsed as mocks (or is empty).
    ``checked`` fires after every check, with the verdict."""

    checked = Signal(bool)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._ok = True
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("optional: node outputs to fake (YAML/JSON)")
        self.edit.setClearButtonEnabled(True)
        self.edit.editingFinished.connect(self.check)
        browse = QPushButton("Browse…", self)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        self.error = error_label(self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.error)

    def path(self) -> str | None:
        return self.edit.text().strip() or None

    def is_ok(self) -> bool:
        return self._ok

    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""

    def set_path(self, path: str) -> None:
        self.edit.setText(path)
        self.check()

    @Slot()
    def check(self) -> None:
        """Parse the file off the GUI thread; until the verdict arrives the field is not ok."""
        path = self.path()
        if not path:
            self._verdict(None, "")
            return
        self._ok = False
        self.checked.emit(False)
        self._tasks.submit(
            lambda: load_mocks(Path(path).expanduser()),
            lambda _mocks: self._verdict(path, ""),
            lambda exc: self._verdict(path, describe_error(exc, path)),
            key=f"mocks-field:{id(self)}",
        )

    def _verdict(self, path: str | None, error: str) -> None:
        if path != self.path():
            return  # the operator typed another path meanwhile
        self._ok = not error
        set_error(self.error, error)
        self.checked.emit(self._ok)

    @Slot()
    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Mocks file", "", MOCKS_FILTER)
        if path:
            self.set_path(path)
