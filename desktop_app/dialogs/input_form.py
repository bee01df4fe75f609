"""A form built from a workflow's start variables: one editor per input, validated inline.

Validation follows the start node's rules (required, ``max_length``, number,
``options``, JSON object); every message is shown under its field in the danger
colour and :meth:`InputForm.errors` returns them by variable name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs.form_style import error_label, muted_label, required_mark, set_error
from engine.api import StartVariable

TEXT_TYPES = frozenset({"text-input", "paragraph"})
JSON_TYPES = frozenset({"json_object", "file", "file-list"})
NONE_OPTION = "— none —"


class _Field:
    """One input: its editor, its error label, and how to read and check its value."""

    def __init__(self, variable: StartVariable, form: QWidget) -> None:
        self.variable = variable
        self.editor = self._build(form)
        self.error = error_label(form)
        self.hint: QLabel | None = None  # shown while there is no error to show instead

    # ------------------------------------------------------------ building
    def _build(self, form: QWidget) -> QWidget:
        kind = self.variable.type
        if kind == "select":
            combo = QComboBox(form)
            if not self.variable.required or self.variable.default in (None, ""):
                combo.addItem(NONE_OPTION, None)
            for option in self.variable.options:
                combo.addItem(str(option), option)
            return combo
        if kind == "checkbox":
            return QCheckBox(self.variable.label or self.variable.variable, form)
        if kind == "paragraph" or kind in JSON_TYPES:
            edit = QPlainTextEdit(form)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(72 if kind == "paragraph" else 96)
            if kind in JSON_TYPES:
                edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
                edit.setPlaceholderText("{ }" if kind == "json_object" else "JSON (file descriptor)")
            return edit
        edit = QLineEdit(form)
        if kind == "number":
            edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            edit.setPlaceholderText("number")
            edit.setMaximumWidth(160)
        return edit

    def set_value(self, value: Any) -> None:
        editor, kind = self.editor, self.variable.type
        if isinstance(editor, QComboBox):
            index = editor.findData(value) if value is not None else editor.findData(None)
            if index < 0 and value is not None:  # a stored value the workflow no longer offers
                editor.addItem(str(value), value)
                index = editor.count() - 1
            editor.setCurrentIndex(max(index, 0))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(_truthy(value))
        elif isinstance(editor, QPlainTextEdit):
            if kind in JSON_TYPES and value is not None and not isinstance(value, str):
                value = json.dumps(value, indent=2, ensure_ascii=False)
            editor.setPlainText("" if value is None else str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))

    def connect(self, slot: Any) -> None:
        editor = self.editor
        if isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(slot)
        elif isinstance(editor, QCheckBox):
            editor.toggled.connect(slot)
        elif isinstance(editor, QPlainTextEdit | QLineEdit):
            editor.textChanged.connect(slot)

    # ------------------------------------------------------------- reading
    def raw(self) -> Any:
        editor = self.editor
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        if isinstance(editor, QLineEdit):
            return editor.text()
        return None

    def parse(self) -> tuple[Any, str]:
        """``(typed value, error message)``; a value of ``None`` means "not given"."""
        var, raw = self.variable, self.raw()
        if var.type == "checkbox":
            return bool(raw), ""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None, "required" if var.required else ""
        if var.type == "number":
            return _parse_number(raw)
        if var.type in JSON_TYPES:
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                return None, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            if var.type in ("json_object", "file") and not isinstance(value, dict):
                return None, "not a JSON object ({…})"
            if var.type == "file-list" and not isinstance(value, list):
                return None, "not a JSON list ([…])"
            return value, ""
        if var.type == "select":
            if var.options and raw not in var.options:
                return None, "not one of " + ", ".join(str(o) for o in var.options)
            return raw, ""
        text = str(raw)
        if var.max_length is not None and len(text) > var.max_length:
            return None, f"at most {var.max_length} characters (now {len(text)})"
        return text, ""


class InputForm(QWidget):
    """Editors for ``variables`` (a workflow's ``start_variables``), prefilled from ``values``
    or the variables' defaults.  ``changed`` fires on every edit, after the inline check."""

    changed = Signal()

    def __init__(
        self,
        variables: Sequence[StartVariable],
        values: Mapping[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._fields: dict[str, _Field] = {}
        self._labels: list[QLabel] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        layout = QFormLayout()
        outer.addLayout(layout)
        outer.addStretch(1)  # extra height goes below the last field, not between rows
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.setHorizontalSpacing(14)
        layout.setVerticalSpacing(10)
        values = values or {}
        if not variables:
            layout.addRow(muted_label(self, "This workflow takes no inputs."))
        for variable in variables:
            field = _Field(variable, self)
            self._fields[variable.variable] = field
            field.set_value(values.get(variable.variable, variable.default))
            label = QLabel(required_mark(self, variable.label or variable.variable, variable.required), self)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setToolTip(f"{variable.variable} ({variable.type})")
            label.setBuddy(field.editor)
            label.setContentsMargins(0, 6, 0, 0)
            self._labels.append(label)
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(field.editor)
            hint = _hint(variable)
            if hint:
                field.hint = _small(muted_label(self, hint))
                column.addWidget(field.hint)
            column.addWidget(field.error)
            layout.addRow(label if variable.type != "checkbox" else QLabel("", self), column)
            field.connect(self._on_edit)
        self._check()

    # ------------------------------------------------------------------ API
    def values(self) -> dict[str, Any]:
        """The typed values of the fields that are valid and given (``number`` -> int/float,
        ``checkbox`` -> bool, ``json_object`` -> dict); empty optional fields are left out."""
        out: dict[str, Any] = {}
        for name, field in self._fields.items():
            value, error = field.parse()
            if not error and value is not None:
                out[name] = value
        return out

    def errors(self) -> dict[str, str]:
        """Variable name -> message, for every field that does not pass its check."""
        return {name: error for name, field in self._fields.items() if (error := field.parse()[1])}

    def is_valid(self) -> bool:
        return not self.errors()

    def editor(self, variable: str) -> QWidget:
        """The editor widget of ``variable`` (a KeyError naming it when unknown)."""
        return self._fields[variable].editor

    def error_text(self, variable: str) -> str:
        """The message shown under ``variable`` right now ("" when it is valid)."""
        label = self._fields[variable].error
        return label.text() if not label.isHidden() else ""

    def label_width(self) -> int:
        """Width of the widest field label (dialogs align their own labels with it)."""
        return max((label.sizeHint().width() for label in self._labels), default=0)

    def set_label_width(self, width: int) -> None:
        for label in self._labels:
            label.setMinimumWidth(width)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

    def set_values(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if name in self._fields:
                self._fields[name].set_value(value)
        self._check()

    # -------------------------------------------------------------- private
    def _on_edit(self, *_: Any) -> None:
        self._check()
        self.changed.emit()

    def _check(self) -> None:
        for field in self._fields.values():
            error = field.parse()[1]
            set_error(field.error, error)
            if field.hint is not None and field.hint.isHidden() != bool(error):
                field.hint.setVisible(not error)


def _hint(variable: StartVariable) -> str:
    if variable.type in TEXT_TYPES and variable.max_length:
        return f"at most {variable.max_length} characters"
    if variable.type == "json_object":
        return "a JSON object"
    if variable.type in ("file", "file-list"):
        return "file descriptor(s) as JSON"
    return ""


def _small(label: QLabel) -> QLabel:
    font = QFont(label.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    label.setFont(font)
    return label


def _parse_number(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, bool):
        return None, "not a number"
    if isinstance(raw, int | float):
        return raw, ""
    text = str(raw).strip().replace("_", "")
    try:
        return int(text), ""
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None, f"not a number: {str(raw).strip()[:40]!r}"
    if value != value or value in (float("inf"), float("-inf")):
        return None, "not a finite number"
    return value, ""


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
