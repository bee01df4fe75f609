"""InputForm: one editor per start-variable type, defaults, inline validation, typed values."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit

from desktop_app.dialogs.input_form import InputForm
from engine.api import StartVariable

VARIABLES = [
    StartVariable(variable="name", label="Name", type="text-input", required=True, max_length=8),
    StartVariable(variable="story", label="Story", type="paragraph", default="once upon"),
    StartVariable(
        variable="region", label="Region", type="select", options=["eu", "us"], default="us", required=True
    ),
    StartVariable(variable="days", label="Days", type="number", default=7, required=True),
    StartVariable(variable="dry_run", label="Dry run", type="checkbox", default=True),
    StartVariable(variable="config", label="Config", type="json_object"),
]


def test_each_type_gets_its_editor_with_the_default(qtbot) -> None:
    form = InputForm(VARIABLES)
    qtbot.addWidget(form)
    assert isinstance(form.editor("name"), QLineEdit)
    assert isinstance(form.editor("story"), QPlainTextEdit)
    assert form.editor("story").toPlainText() == "once upon"
    region = form.editor("region")
    assert isinstance(region, QComboBox)
    assert [region.itemText(i) for i in range(region.count())] == ["eu", "us"]
    assert region.currentText() == "us"
    assert isinstance(form.editor("days"), QLineEdit)
    assert form.editor("days").text() == "7"
    assert isinstance(form.editor("dry_run"), QCheckBox)
    assert form.editor("dry_run").isChecked()
    assert isinstance(form.editor("config"), QPlainTextEdit)


def test_required_field_left_empty_is_reported_inline(qtbot) -> None:
    form = InputForm(VARIABLES)
    qtbot.addWidget(form)
    assert form.errors() == {"name": "required"}
    assert form.error_text("name") == "required"
    form.editor("name").setText("Ada")
    assert form.errors() == {}
    assert form.error_text("name") == ""


def test_typed_values(qtbot) -> None:
    form = InputForm(VARIABLES, {"name": "Ada"})
    qtbot.addWidget(form)
    form.editor("config").setPlainText('{"depth": 2, "tags": ["a"]}')
    form.editor("days").setText("2.5")
    values = form.values()
    assert values == {
        "name": "Ada",
        "story": "once upon",
        "region": "us",
        "days": 2.5,
        "dry_run": True,
        "config": {"depth": 2, "tags": ["a"]},
    }
    form.editor("days").setText("14")
    assert form.values()["days"] == 14 and isinstance(form.values()["days"], int)
    form.editor("dry_run").setChecked(False)
    assert form.values()["dry_run"] is False


def test_bad_values_are_named(qtbot) -> None:
    form = InputForm(VARIABLES, {"name": "Ada Lovelace", "region": "mars", "days": "seven"})
    qtbot.addWidget(form)
    form.editor("config").setPlainText('{"depth": ')
    errors = form.errors()
    assert errors["name"] == "at most 8 characters (now 12)"
    assert errors["region"] == "not one of eu, us"
    assert errors["days"].startswith("not a number")
    assert errors["config"].startswith("not valid JSON (line 1")
    assert form.error_text("config") == errors["config"]
    assert "name" not in form.values() and "days" not in form.values()
    form.editor("config").setPlainText("[1, 2]")
    assert form.errors()["config"] == "not a JSON object ({…})"


def test_changed_fires_on_edit(qtbot) -> None:
    form = InputForm(VARIABLES)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.changed, timeout=1000):
        form.editor("name").setText("x")


def test_no_inputs(qtbot) -> None:
    form = InputForm([])
    qtbot.addWidget(form)
    assert form.values() == {} and form.errors() == {}
