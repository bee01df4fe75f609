"""The settings dialog's database group: an SQLite file (with a picker) or a PostgreSQL URL whose
password is edited in its own masked field."""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from desktop_app.dialogs.connection_check import join_password, split_password
from desktop_app.dialogs.form_style import error_label, set_error

SQLITE_PREFIX = "sqlite:///"
SQLITE_FILTER = "SQLite (*.db *.sqlite *.sqlite3);;All files (*)"


class DatabaseBox(QGroupBox):
    """``url()`` with the password put back in; ``error()`` says what would not work ("" when fine)."""

    changed = Signal()

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__("Database", parent)
        self.form = form = settings_form(self)
        self.sqlite = QRadioButton("SQLite file", self)
        self.postgres = QRadioButton("PostgreSQL", self)
        kinds = QButtonGroup(self)
        kinds.addButton(self.sqlite)
        kinds.addButton(self.postgres)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.sqlite)
        kind_row.addWidget(self.postgres)
        kind_row.addStretch(1)
        form.addRow("Kind", kind_row)
        self.sqlite_path = QLineEdit(self)
        self.sqlite_path.setPlaceholderText("/path/to/flowdeck.db")
        self._browse = QPushButton("Browse…", self)
        self._browse.setAutoDefault(False)
        self._browse.clicked.connect(self._pick_file)
        path_row = QHBoxLayout()
        path_row.addWidget(self.sqlite_path, 1)
        path_row.addWidget(self._browse)
        form.addRow("File", path_row)
        self.pg_url = QLineEdit(self)
        self.pg_url.setPlaceholderText("postgresql+psycopg://user@127.0.0.1:5432/flowdeck")
        form.addRow("URL", self.pg_url)
        self.pg_password = password_field(self)
        form.addRow("Password", self.pg_password)
        self.error_label = error_label(self)
        form.addRow("", self.error_label)
        if url.startswith(SQLITE_PREFIX):
            self.sqlite.setChecked(True)
            self.sqlite_path.setText(url[len(SQLITE_PREFIX) :])
        else:
            self.postgres.setChecked(True)
            bare, password = split_password(url)
            self.pg_url.setText(bare)
            self.pg_password.setText(password)
        self.pg_url.editingFinished.connect(lambda: move_password(self.pg_url, self.pg_password))
        self.sqlite.toggled.connect(self._on_change)
        for edit in (self.sqlite_path, self.pg_url, self.pg_password):
            edit.textChanged.connect(self._on_change)
        self._on_change()

    def url(self) -> str:
        if self.sqlite.isChecked():
            return SQLITE_PREFIX + self.sqlite_path.text().strip()
        return join_password(self.pg_url.text().strip(), self.pg_password.text())

    def error(self) -> str:
        if self.sqlite.isChecked():
            return (
                ""
                if self.sqlite_path.text().strip()
                else "choose the SQLite file (it is created when missing)"
            )
        url = self.pg_url.text().strip()
        if not url.startswith(("postgresql://", "postgresql+psycopg://")):
            return "a PostgreSQL URL starts with postgresql+psycopg://"
        if "***" in url:
            return "the URL holds a masked password: type the password in its own field"
        if not urlsplit(url).hostname:
            return "give the host and database, e.g. postgresql+psycopg://user@host/db"
        return ""

    @Slot()
    def _on_change(self, *_: object) -> None:
        sqlite = self.sqlite.isChecked()
        for widget in (self.sqlite_path, self._browse):
            if widget.isEnabled() != sqlite:
                widget.setEnabled(sqlite)
        for widget in (self.pg_url, self.pg_password):
            if widget.isEnabled() == sqlite:
                widget.setEnabled(not sqlite)
        set_error(self.error_label, self.error())
        self.changed.emit()

    @Slot()
    def _pick_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "SQLite database",
            self.sqlite_path.text(),
            SQLITE_FILTER,
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.sqlite_path.setText(path)


def settings_form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(8)
    return form


def password_field(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText("(none)")
    edit.setToolTip("Stored in the settings file (readable by you only); never shown")
    return edit


def move_password(url_edit: QLineEdit, password_edit: QLineEdit) -> None:
    """A password typed into a URL moves to its masked field at once."""
    bare, password = split_password(url_edit.text().strip())
    if password and password != "***":
        url_edit.setText(bare)
        password_edit.setText(password)
