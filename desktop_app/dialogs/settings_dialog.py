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
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
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
from desktop_app.dialogs.errors import describe_error
from desktop_app.dialogs.form_style import (
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
from engine.settings import Settings, user_config_file

PERSISTENCE: dict[str, tuple[str, str | None, str]] = {
    # key: (persistence, celery backend, label)
    "sync": ("sync", None, "Synchronous: records written by this process"),
    "celery-local": ("celery", "local", "Celery, local worker inside the console"),
    "celery-remote": ("celery", "remote", "Celery, remote broker and workers"),
}
THEMES = ("system", "light", "dark")
SQLITE_PREFIX = "sqlite:///"


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
        db_box = QGroupBox("Database", self)
        db = _form(db_box)
        self._sqlite = QRadioButton("SQLite file", db_box)
        self._postgres = QRadioButton("PostgreSQL", db_box)
        kinds = QButtonGroup(self)
        kinds.addButton(self._sqlite)
        kinds.addButton(self._postgres)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self._sqlite)
        kind_row.addWidget(self._postgres)
        kind_row.addStretch(1)
        db.addRow("Kind", kind_row)
        self._sqlite_path = QLineEdit(db_box)
        self._sqlite_path.setPlaceholderText("/path/to/flowdeck.db")
        browse = QPushButton("Browse…", db_box)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse_sqlite)
        path_row = QHBoxLayout()
        path_row.addWidget(self._sqlite_path, 1)
        path_row.addWidget(browse)
        db.addRow("File", path_row)
        self._pg_url = QLineEdit(db_box)
        self._pg_url.setPlaceholderText("postgresql+psycopg://user@127.0.0.1:5432/flowdeck")
        db.addRow("URL", self._pg_url)
        self._pg_password = _password_field(db_box)
        db.addRow("Password", self._pg_password)
        self._db_error = error_label(db_box)
        db.addRow("", self._db_error)
        self._db_rows = {"sqlite": [self._sqlite_path, browse], "postgres": [self._pg_url, self._pg_password]}
        url = settings.database_url
        if url.startswith(SQLITE_PREFIX):
            self._sqlite.setChecked(True)
            self._sqlite_path.setText(url[len(SQLITE_PREFIX) :])
        else:
            self._postgres.setChecked(True)
            bare, password = split_password(url)
            self._pg_url.setText(bare)
            self._pg_password.setText(password)
        self._sqlite.toggled.connect(self._update_enabled)
        root.addWidget(db_box)

        # ------------------------------------------------------- persistence
        p_box = QGroupBox("Run records", self)
        pf = _form(p_box)
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
        self._broker_password = _password_field(p_box)
        self._broker_password.setText(password)
        pf.addRow("Broker password", self._broker_password)
        self._broker_error = error_label(p_box)
        pf.addRow("", self._broker_error)
        root.addWidget(p_box)

        # ----------------------------------------------------------- console
        c_box = QGroupBox("Console", self)
        cf = _form(c_box)
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
        self._pg_url.editingFinished.connect(lambda: self._move_password(self._pg_url, self._pg_password))
        self._broker.editingFinished.connect(lambda: self._move_password(self._broker, self._broker_password))
        for edit in (self._sqlite_path, self._pg_url, self._pg_password, self._broker, self._broker_password):
            edit.textChanged.connect(self._validate)
        polish_dialog(self)
        self._update_enabled()

    # ------------------------------------------------------------------ API
    def database_url(self) -> str:
        if self._sqlite.isChecked():
            return SQLITE_PREFIX + self._sqlite_path.text().strip()
        return join_password(self._pg_url.text().strip(), self._pg_password.text())

    def broker_url(self) -> str:
        return join_password(self._broker.text().strip(), self._broker_password.text())

    def persistence_key(self) -> str:
        return str(self._persistence.currentData())

    def errors(self) -> dict[str, str]:
        """Field -> message for what would not work if saved."""
        errors: dict[str, str] = {}
        if self._sqlite.isChecked():
            if not self._sqlite_path.text().strip():
                errors["database"] = "choose the SQLite file (it is created when missing)"
        else:
            url = self._pg_url.text().strip()
            if not url.startswith(("postgresql://", "postgresql+psycopg://")):
                errors["database"] = "a PostgreSQL URL starts with postgresql+psycopg://"
            elif "***" in url:
                errors["database"] = "the URL holds a masked password: type the password in its own field"
            elif not urlsplit(url).hostname:
                errors["database"] = "give the host and database, e.g. postgresql+psycopg://user@host/db"
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
        self._test_result.setStyleSheet(f"color: {palette_of(self).state('succeeded').border};")
        self._test_result.setText("✓ " + found.replace("\n", "\n✓ "))
        self.tested.emit(True, found)

    def _tested_failed(self, exc: BaseException) -> None:
        self._test.setEnabled(True)
        self._test_result.setStyleSheet(f"color: {palette_of(self).danger};")
        self._test_result.setText("✕ " + describe_error(exc))
        self.tested.emit(False, str(exc))

    @Slot()
    def _update_enabled(self, *_: Any) -> None:
        sqlite = self._sqlite.isChecked()
        for widget in self._db_rows["sqlite"]:
            widget.setEnabled(sqlite)
        for widget in self._db_rows["postgres"]:
            widget.setEnabled(not sqlite)
        remote = self.persistence_key() == "celery-remote"
        self._broker.setEnabled(remote)
        self._broker_password.setEnabled(remote)
        self._validate()

    @Slot()
    def _validate(self, *_: Any) -> None:
        errors = self.errors()
        set_error(self._db_error, errors.get("database", ""))
        set_error(self._broker_error, errors.get("broker", ""))
        set_error(self._where_error, errors.get("where", ""))
        ok = not errors
        if self._save.isEnabled() != ok:
            self._save.setEnabled(ok)

    def _move_password(self, url_edit: QLineEdit, password_edit: QLineEdit) -> None:
        """A password typed into a URL moves to its masked field at once."""
        bare, password = split_password(url_edit.text().strip())
        if password and password != "***":
            url_edit.setText(bare)
            password_edit.setText(password)

    @Slot()
    def _browse_sqlite(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "SQLite database",
            self._sqlite_path.text(),
            "SQLite (*.db *.sqlite *.sqlite3);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self._sqlite_path.setText(path)


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(8)
    return form


def _password_field(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText("(none)")
    edit.setToolTip("Stored in the settings file (readable by you only); never shown")
    return edit
