"""One way to tell the operator something went wrong: a modal box that names the place."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.api import DslError


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    """Open a window-modal error box (returns at once; the box deletes itself when closed).

    ``message`` says what failed and where (file, node, field, URL); ``details`` (a
    traceback or the raw error) goes behind "Show Details…".
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(mask_secrets(message))
    box.setTextFormat(Qt.TextFormat.PlainText)
    if details:
        box.setDetailedText(mask_secrets(details))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setEscapeButton(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
    box.open()
    return box


_URL_PASSWORD = re.compile(r"(\w[\w+.-]*://[^\s:/@]*):[^\s@/]+@")


def mask_secrets(text: str) -> str:
    """Passwords inside URLs anywhere in ``text`` -> ``***`` (errors often echo the URL)."""
    return _URL_PASSWORD.sub(r"\1:***@", text)


def describe_error(exc: BaseException, source: str = "") -> str:
    """One paragraph for an exception, naming the file / node / field when the error knows them;
    passwords in URLs are masked."""
    return mask_secrets(_describe(exc, source))


def _describe(exc: BaseException, source: str) -> str:
    if isinstance(exc, DslError):  # renders "file: node 'x': field 'y': message" itself
        return str(exc) if exc.source or not source else f"{source}: {exc}"
    if isinstance(exc, FileNotFoundError):
        return f"{source or exc.filename}: file not found"
    if isinstance(exc, IsADirectoryError):
        return f"{source or exc.filename}: a directory, not a file"
    text = str(exc) or type(exc).__name__
    return f"{source}: {text}" if source else text
