"""Settings: database, persistence, where runs execute and the theme, saved to ``flowdeck.toml``.

The file is the one :class:`engine.settings.Settings` reads (``user_config_file()``,
``FLOWDECK_CONFIG_FILE`` points elsewhere); keys the dialog does not edit
(``[engine]``, ``[[models]]``, ``[secrets]``) are kept.  The console's own keys live
under ``[console]`` (``where``, ``theme``), which the engine ignores.  Passwords of
URLs are edited in masked fields and never shown.  "Test connection" runs off the
GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs.connection_check import check_broker, check_database, join_password, split_password
from desktop_app.dialogs.database_box import DatabaseBox, move_password, password_field, settings_form
from desktop_app.dialogs.errors import describe_error
from desktop_app.dialogs.form_style import (
    align_form_labels,
    error_label,
    heading,
    muted_label,
    palette_of,
    polish_dialog,
    primary_button,
    set_error,
)
from desktop_app.dialogs.toml_writer import read_toml_file, update_toml_file
from desktop_app.tasks import TaskRunner
from engine.api import NodeStatus, Settings, user_config_file

PERSISTENCE: dict[str, tuple[str, str | None, str]] = {
    # key: (persistence, celery backend, label)
    "sync": ("sync", None, "Synchronous: records written by this process"),
    "celery-local": ("celery", "local", "Celery, local worker inside the console"),
    "celery-remote": ("celery", "remote", "Celery, remote broker and workers"),
}
THEMES = ("system", "light", "dark")


class SettingsDialog(QDialog):
    """Edit and save the settings file; :meth:`result_settings` is what was written."""

    #: "Test connection" finished: ``(ok, message)``
    tested = Signal(bool, str)

    def __init__(self, settings: Settings, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(600)
        self._tasks = tasks
        self._path = user_config_file()
        self._saved: dict[str, Any] = {}
        try:
            console = read_toml_file(self._path).get("console", {})
        except ValueError:
            console = {}  # shown when saving: the file is replaced by a valid one
        console = console if isinstance(console, dict) else {}
        root = QVBoxLayout(self)
        root.setSpacing(12)
        root.addWidget(heading(self, "Settings"))

        # ---------------------------------------------------------- database
        self._db = DatabaseBox(settings.database_url, self)
        self._db.changed.connect(self._validate)
        root.addWidget(self._db)

        # ------------------------------------------------------- persistence
        p_box = QGroupBox("Run records", self)
        pf = settings_form(p_box)
        self._persistence = QComboBox(p_box)
        for key, (_p, _b, label) in PERSISTENCE.items():
            self._persistence.addItem(label, key)
        current = "sync" if settings.persistence == "sync" else f"celery-{settings.celery.backend}"
        self._persistence.setCurrentIndex(max(0, self._persistence.findData(current)))
        self._persistence.currentIndexChanged.connect(self._update_enabled)
        pf.addRow("Persistence", self._persistence)
        self._broker = QLineEdit(p_box)
        self._broker.setPlaceholderText("redis://127.0.0.1:6379/0")
        bare, password = split_password(settings.celery.broker_url)
        self._broker.setText(bare)
        pf.addRow("Broker URL", self._broker)
        self._broker_password = password_field(p_box)
        self._broker_password.setText(password)
        pf.addRow("Broker password", self._broker_password)
        self._broker_error = error_label(p_box)
        pf.addRow("", self._broker_error)
        root.addWidget(p_box)

        # ----------------------------------------------------------- console
        c_box = QGroupBox("Console", self)
        cf = settings_form(c_box)
        self._here = QRadioButton("Here, in this console", c_box)
        self._worker = QRadioButton("On a worker", c_box)
        where = QButtonGroup(self)
        where.addButton(self._here)
        where.addButton(self._worker)
        (self._worker if console.get("where") == "worker" else self._here).setChecked(True)
        self._worker.toggled.connect(self._update_enabled)
        where_row = QHBoxLayout()
        where_row.addWidget(self._here)
        where_row.addWidget(self._worker)
        where_row.addStretch(1)
        cf.addRow("Runs execute", where_row)
        self._where_error = error_label(c_box)
        cf.addRow("", self._where_error)
        self._theme = QComboBox(c_box)
        self._theme.addItems([t.capitalize() for t in THEMES])
        theme = console.get("theme") if console.get("theme") in THEMES else "system"
        self._theme.setCurrentIndex(THEMES.index(theme))
        cf.addRow("Theme", self._theme)
        root.addWidget(c_box)

        # --------------------------------------------------- test and buttons
        test_row = QHBoxLayout()
        self._test = QPushButton("Test connection", self)
        self._test.setAutoDefault(False)
        self._test.clicked.connect(self.test_connection)
        self._test_result = QLabel("", self)
        self._test_result.setWordWrap(True)
        self._test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row.addWidget(self._test, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self._test_result, 1)
        root.addLayout(test_row)
        root.addWidget(muted_label(self, f"Saved to {self._path}"))
        self._save_error = error_label(self)
        root.addWidget(self._save_error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._save = primary_button(buttons, QDialogButtonBox.StandardButton.Save, "Save")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self._broker.editingFinished.connect(lambda: move_password(self._broker, self._broker_password))
        for edit in (self._broker, self._broker_password):
            edit.textChanged.connect(self._validate)
        align_form_labels(self._db.form, pf, cf)
        polish_dialog(self)
        self._update_enabled()

    # ------------------------------------------------------------------ API
    def database_url(self) -> str:
        return self._db.url()

    def database_box(self) -> DatabaseBox:
        return self._db

    def broker_url(self) -> str:
        return join_password(self._broker.text().strip(), self._broker_password.text())

    def persistence_key(self) -> str:
        return str(self._persistence.currentData())

    def errors(self) -> dict[str, str]:
        """Field -> message for what would not work if saved."""
        errors: dict[str, str] = {}
        if database := self._db.error():
            errors["database"] = database
        if self.persistence_key() == "celery-remote":
            broker = self._broker.text().strip()
            if not broker.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
                errors["broker"] = "a broker URL starts with redis://, rediss:// or amqp://"
        if self._worker.isChecked() and self.persistence_key() != "celery-remote":
            errors["where"] = "runs on a worker need Celery with a remote broker (Run records above)"
        return errors

    def result_settings(self) -> dict[str, Any]:
        """The keys written by the last Save (``{}`` before it)."""
        return self._saved

    def test_result(self) -> str:
        return self._test_result.text()

    @Slot()
    def test_connection(self) -> None:
        """Check the database (and the broker of a remote Celery) off the GUI thread."""
        db_url = self.database_url()
        broker = self.broker_url() if self.persistence_key() == "celery-remote" else None

        def check() -> str:
            found = [check_database(db_url)]
            if broker:
                found.append(check_broker(broker))
            return "\n".join(found)

        self._test.setEnabled(False)
        self._test_result.setStyleSheet(f"color: {palette_of(self).text_muted};")
        self._test_result.setText("Testing…")
        self._tasks.submit(check, self._tested_ok, self._tested_failed, key=f"settings-test:{id(self)}")

    def accept(self) -> None:
        self._validate()
        if self.errors():
            return
        changes = self._changes()
        try:
            update_toml_file(self._path, changes)
        except (OSError, ValueError, TypeError) as exc:
            set_error(self._save_error, describe_error(exc, str(self._path)))
            return
        self._saved = changes
        super().accept()

    # -------------------------------------------------------------- private
    def _changes(self) -> dict[str, Any]:
        persistence, backend, _label = PERSISTENCE[self.persistence_key()]
        changes: dict[str, Any] = {"database_url": self.database_url(), "persistence": persistence}
        if backend is not None:
            celery: dict[str, Any] = {"backend": backend}
            if backend == "remote":
                celery["broker_url"] = self.broker_url()
            changes["celery"] = celery
        changes["console"] = {
            "where": "worker" if self._worker.isChecked() else "here",
            "theme": THEMES[self._theme.currentIndex()],
        }
        return changes

    def _tested_ok(self, found: str) -> None:
        self._test.setEnabled(True)
        self._test_result.setStyleSheet(f"color: {palette_of(self).state(NodeStatus.SUCCEEDED).border};")
        self._test_result.setText("✓ " + found.replace("\n", "\n✓ "))
        self.tested.emit(True, found)

    def _tested_failed(self, exc: BaseException) -> None:
        self._test.setEnabled(True)
        self._test_result.setStyleSheet(f"color: {palette_of(self).danger};")
        self._test_result.setText("✕ " + describe_error(exc))
        self.tested.emit(False, str(exc))

    @Slot()
    def _update_enabled(self, *_: Any) -> None:
        remote = self.persistence_key() == "celery-remote"
        self._broker.setEnabled(remote)
        self._broker_password.setEnabled(remote)
        self._validate()

    @Slot()
    def _validate(self, *_: Any) -> None:
        errors = self.errors()
        set_error(self._broker_error, errors.get("broker", ""))
        set_error(self._where_error, errors.get("where", ""))
        ok = not errors
        if self._save.isEnabled() != ok:
            self._save.setEnabled(ok)
