"""Run…: pick a workflow file, fill its inputs, optionally a mocks file, choose where it runs.

The workflow (and the mocks file) are loaded off the GUI thread through the
:class:`TaskRunner`; a file that does not load shows its error inline, naming the
file, node and field, and the Run button stays disabled.  The last inputs given to
each workflow are remembered (:class:`RecentStore`) and prefill the form next time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpacerItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs.errors import describe_error
from desktop_app.dialogs.form_style import (
    error_label,
    heading,
    muted_label,
    polish_dialog,
    primary_button,
    set_error,
)
from desktop_app.dialogs.input_form import InputForm
from desktop_app.dialogs.mocks_field import MocksField
from desktop_app.dialogs.recent_store import RecentStore
from desktop_app.dialogs.where_choice import WhereChoice
from desktop_app.tasks import TaskRunner
from engine.api import Workflow, load_workflow

WORKFLOW_FILTER = "Dify workflows (*.yml *.yaml *.json);;All files (*)"


class RunDialog(QDialog):
    """``workflow()``, ``inputs()``, ``mocks_path()`` and ``where()`` after ``accepted``."""

    #: a workflow load finished (``True``: loaded, ``False``: its error is shown)
    loaded = Signal(bool)

    def __init__(
        self,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        path: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        store: RecentStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run workflow")
        self.setMinimumWidth(560)
        self._tasks = tasks
        self._store = store or RecentStore()
        self._workflow: Workflow | None = None
        self._loading_path = ""
        self._given_inputs = dict(inputs) if inputs is not None else None
        self._form = InputForm([], parent=self)
        self._row_labels: list[QLabel] = []

        root = QVBoxLayout(self)
        root.setSpacing(10)
        root.addWidget(heading(self, "Run a workflow"))

        top = QFormLayout()
        top.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.setHorizontalSpacing(14)
        self._file = QComboBox(self)
        self._file.setEditable(True)
        self._file.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._file.lineEdit().setPlaceholderText("path to a Dify workflow (.yml)")
        self._file.addItems(self._store.recent_files())
        self._file.setCurrentIndex(-1)
        self._file.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._file.setMinimumContentsLength(40)
        self._file.activated.connect(self._on_file_picked)
        self._file.lineEdit().editingFinished.connect(self._on_file_edited)
        browse = QPushButton("Browse…", self)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse_workflow)
        file_row = QHBoxLayout()
        file_row.addWidget(self._file, 1)
        file_row.addWidget(browse)
        top.addRow(self._row_label("Workflow"), file_row)
        self._status = muted_label(self, "Choose a workflow file.")
        top.addRow(self._row_label(""), self._status)
        root.addLayout(top)
        self._error = error_label(self)
        self._error.setObjectName("errorText")  # the console's boxed error look (console.qss)
        self._error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._error.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        root.addWidget(self._error)

        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        root.addWidget(line)
        self._inputs_heading = heading(self, "Inputs")
        root.addWidget(self._inputs_heading)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setMinimumHeight(120)
        self._scroll.setWidget(self._form)
        root.addWidget(self._scroll, 1)
        # takes the room of the inputs while a workflow that did not load hides them
        self._filler = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        root.addItem(self._filler)

        bottom = QFormLayout()
        bottom.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bottom.setHorizontalSpacing(14)
        self._mocks = MocksField(tasks, self)
        self._mocks.checked.connect(self._update_buttons)
        bottom.addRow(self._row_label("Mocks"), self._mocks)
        self._where = WhereChoice(self)
        self._here = self._where.here
        bottom.addRow(self._row_label("Run"), self._where)
        root.addLayout(bottom)

        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._run = primary_button(self._buttons, QDialogButtonBox.StandardButton.Ok, "Run")
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        root.addWidget(self._buttons)
        self._align_labels()
        polish_dialog(self)
        self._update_buttons()
        if path:
            self.load(path)

    # ------------------------------------------------------------------ API
    def workflow(self) -> Workflow | None:
        return self._workflow

    def workflow_path(self) -> str:
        return self._file.currentText().strip()

    def inputs(self) -> dict[str, Any]:
        return self._form.values()

    def mocks_path(self) -> str | None:
        return self._mocks.path()

    def where(self) -> str:
        """``"here"`` (this process) or ``"worker"`` (a Celery worker)."""
        return self._where.value()

    def form(self) -> InputForm:
        return self._form

    def run_button(self) -> QPushButton:
        return self._run

    def error_text(self) -> str:
        """The load error shown inline right now ("" when none)."""
        return self._error.text() if not self._error.isHidden() else ""

    def set_mocks_path(self, path: str) -> None:
        self._mocks.set_path(path)

    def mocks_field(self) -> MocksField:
        return self._mocks

    def load(self, path: str) -> None:
        """Load ``path`` off the GUI thread; the form appears when it arrives."""
        path = path.strip()
        self._loading_path = path
        if self._file.currentText() != path:
            self._file.setEditText(path)
        self._workflow = None
        set_error(self._error, "")
        self._status.setText(f"Loading {Path(path).name}…" if path else "Choose a workflow file.")
        self._update_buttons()
        if not path:
            return
        self._tasks.submit(
            lambda: load_workflow(Path(path).expanduser()),
            lambda wf: self._loaded(path, wf),
            lambda exc: self._failed(path, exc),
            key=f"run-dialog-load:{id(self)}",
        )

    def accept(self) -> None:
        if not self._run.isEnabled():
            return  # Enter in a field with invalid input must not start a run
        self._store.remember(self._loading_path, self.inputs(), self.mocks_path())
        super().accept()

    # -------------------------------------------------------------- private
    def _loaded(self, path: str, workflow: Workflow) -> None:
        if path != self._loading_path:
            return
        self._workflow = workflow
        nodes = len(workflow.all_nodes())
        inputs = len(workflow.start_variables)
        self._status.setText(
            f"{workflow.name or Path(path).name} · {nodes} nodes · {inputs} input{'s' * (inputs != 1)}"
            f" · DSL {workflow.dsl_version}"
        )
        if self._given_inputs is not None:
            values, self._given_inputs = self._given_inputs, None
        else:
            values = self._store.last_inputs(path)
            if self._mocks.path() is None and self._store.last_mocks(path):
                self._mocks.set_path(self._store.last_mocks(path) or "")
        beside = Path(path).with_name(Path(path).stem + ".mocks.yml")  # a bundled workflow's own mocks
        if self._mocks.path() is None and beside.is_file():
            self._mocks.set_path(str(beside))
        self._replace_form(InputForm(workflow.start_variables, values, self))
        self._show_inputs(True)
        self.loaded.emit(True)

    def _show_inputs(self, visible: bool) -> None:
        """A workflow that did not load has no inputs: its error takes their room."""
        if self._scroll.isHidden() == visible:
            self._scroll.setVisible(visible)
            self._inputs_heading.setVisible(visible)
            grow = QSizePolicy.Policy.Fixed if visible else QSizePolicy.Policy.Expanding
            self._filler.changeSize(0, 0, QSizePolicy.Policy.Minimum, grow)
            self.layout().invalidate()

    def _failed(self, path: str, exc: BaseException) -> None:
        if path != self._loading_path:
            return
        self._workflow = None
        self._status.setText(f"{Path(path).name} did not load:")
        set_error(self._error, describe_error(exc, path))
        self._replace_form(InputForm([], parent=self))
        self._show_inputs(False)
        self.adjustSize()
        self.loaded.emit(False)

    def _replace_form(self, form: InputForm) -> None:
        old = self._scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self._form = form
        self._scroll.setWidget(form)
        form.changed.connect(self._update_buttons)
        self._align_labels()
        self._update_buttons()

    def _row_label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._row_labels.append(label)
        return label

    def _align_labels(self) -> None:
        """One label column for the dialog's rows and the input form's fields."""
        width = max([self._form.label_width(), *(label.sizeHint().width() for label in self._row_labels)])
        for label in self._row_labels:
            label.setMinimumWidth(width)
        self._form.set_label_width(width)

    def _update_buttons(self) -> None:
        ok = self._workflow is not None and self._form.is_valid() and self._mocks.is_ok()
        if self._run.isEnabled() != ok:
            self._run.setEnabled(ok)

    @Slot(int)
    def _on_file_picked(self, _index: int) -> None:
        if self.workflow_path() != self._loading_path:
            self.load(self.workflow_path())

    @Slot()
    def _on_file_edited(self) -> None:
        if self.workflow_path() != self._loading_path:
            self.load(self.workflow_path())

    @Slot()
    def _browse_workflow(self) -> None:
        start = str(Path(self.workflow_path()).parent) if self.workflow_path() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open workflow", start, WORKFLOW_FILTER)
        if path:
            self.load(path)

