"""The application stylesheet (resources/styles/console.qss) filled from the theme palette."""

from __future__ import annotations

import string
from dataclasses import fields
from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app import theme

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
STYLESHEET = RESOURCES / "styles" / "console.qss"


@cache
def _template() -> string.Template:
    return string.Template(STYLESHEET.read_text(encoding="utf-8"))


def stylesheet(dark: bool) -> str:
    pal = theme.palette(dark)
    values = {f.name: getattr(pal, f.name) for f in fields(pal) if isinstance(getattr(pal, f.name), str)}
    return _template().safe_substitute(values)


def system_prefers_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply(app: QApplication, dark: bool) -> None:
    """Fusion style, a Qt palette matching the theme, and the stylesheet."""
    pal = theme.palette(dark)
    app.setStyle("Fusion")
    qp = QPalette()
    qp.setColor(QPalette.ColorRole.Window, QColor(pal.window))
    qp.setColor(QPalette.ColorRole.WindowText, QColor(pal.text))
    qp.setColor(QPalette.ColorRole.Base, QColor(pal.panel))
    qp.setColor(QPalette.ColorRole.AlternateBase, QColor(pal.panel_alt))
    qp.setColor(QPalette.ColorRole.Text, QColor(pal.text))
    qp.setColor(QPalette.ColorRole.Button, QColor(pal.panel))
    qp.setColor(QPalette.ColorRole.ButtonText, QColor(pal.text))
    qp.setColor(QPalette.ColorRole.Highlight, QColor(pal.selection))
    qp.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    qp.setColor(QPalette.ColorRole.ToolTipBase, QColor(pal.panel))
    qp.setColor(QPalette.ColorRole.ToolTipText, QColor(pal.text))
    qp.setColor(QPalette.ColorRole.PlaceholderText, QColor(pal.text_muted))
    app.setPalette(qp)
    app.setStyleSheet(stylesheet(dark))
