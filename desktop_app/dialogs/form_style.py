"""Colours and small widget helpers shared by the dialogs (all colours from desktop_app.theme)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QPalette
from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QPushButton, QWidget

from desktop_app import theme
from engine.api import NodeStatus


def palette_of(widget: QWidget) -> theme.Palette:
    """The theme palette matching the widget's Qt palette (dark when the window colour is dark)."""
    return theme.palette(widget.palette().color(QPalette.ColorRole.Window).lightness() < 128)


def error_label(widget: QWidget) -> QLabel:
    """An inline validation message in the danger colour, hidden until it has text."""
    label = QLabel(widget)
    label.setWordWrap(True)
    label.setObjectName("inlineError")
    label.setStyleSheet(f"color: {palette_of(widget).danger};")
    label.setVisible(False)
    return label


def set_error(label: QLabel, message: str) -> None:
    """Show ``message`` (or hide the label); touches the widget only when something changed."""
    if label.text() != message:
        label.setText(message)
    if label.isHidden() == bool(message):
        label.setVisible(bool(message))


def muted_label(widget: QWidget, text: str = "") -> QLabel:
    label = QLabel(text, widget)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {palette_of(widget).text_muted};")
    return label


def heading(widget: QWidget, text: str) -> QLabel:
    label = QLabel(text, widget)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    label.setFont(font)
    return label


def primary_button(
    buttons: QDialogButtonBox, role: QDialogButtonBox.StandardButton, text: str
) -> QPushButton:
    """The dialog's default button (Enter presses it), relabelled with the action it takes."""
    button = buttons.button(role)
    button.setText(text)
    button.setDefault(True)
    button.setAutoDefault(True)
    _fit_bold_text(button)  # the stylesheet sets default buttons in bold: keep the text unclipped
    return button


def _fit_bold_text(button: QPushButton) -> None:
    bold = button.font()
    bold.setBold(True)
    width = QFontMetrics(bold).horizontalAdvance(button.text()) + 40
    button.setMinimumWidth(max(button.minimumWidth(), width))


def polish_dialog(dialog: QWidget) -> None:
    """Dialog-wide rules the application stylesheet leaves out: a disabled default button
    must look disabled (the app's ``QPushButton:default`` colours it like an enabled one)."""
    pal = palette_of(dialog)
    dialog.setStyleSheet(
        f"QPushButton:default:disabled {{ background: {pal.panel_alt}; color: {pal.text_muted};"
        f" border-color: {pal.grid}; font-weight: 600; }}"
    )


def danger_button(button: QPushButton) -> None:
    """Colour the (default) button of a destructive action in the failed-state red."""
    pal = palette_of(button)
    style = pal.state(NodeStatus.FAILED)
    button.setStyleSheet(
        f"QPushButton {{ background: {style.fill}; color: {style.text}; border: 1px solid {style.border};"
        f" border-radius: 6px; padding: 5px 16px; font-weight: 600; }}"
        f"QPushButton:disabled {{ background: {pal.panel_alt}; color: {pal.text_muted}; }}"
    )
    _fit_bold_text(button)


def required_mark(widget: QWidget, text: str, required: bool) -> str:
    """A form label as rich text, required fields marked with a star in the danger colour."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    if not required:
        return escaped
    return f'{escaped} <span style="color:{palette_of(widget).danger}">*</span>'


def align_form_labels(*forms: QFormLayout) -> None:
    """One label column across several forms (e.g. the group boxes of one dialog)."""
    labels = []
    for form in forms:
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if item is not None and item.widget() is not None:
                labels.append(item.widget())
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)
        if isinstance(label, QLabel):
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
