"""The console's modal dialogs: run, terminate, replay, compare, settings, and the error box.

Every dialog takes the data it shows as arguments (or reads it through a
:class:`desktop_app.tasks.TaskRunner`), so none blocks the GUI thread on the
engine, the database or the network.
"""

from desktop_app.dialogs.compare_dialog import CompareDialog
from desktop_app.dialogs.errors import show_error
from desktop_app.dialogs.input_form import InputForm
from desktop_app.dialogs.replay_dialog import ReplayDialog
from desktop_app.dialogs.run_dialog import RunDialog
from desktop_app.dialogs.settings_dialog import SettingsDialog
from desktop_app.dialogs.terminate_dialog import TerminateDialog, show_terminate_outcome

__all__ = [
    "CompareDialog",
    "InputForm",
    "ReplayDialog",
    "RunDialog",
    "SettingsDialog",
    "TerminateDialog",
    "show_error",
    "show_terminate_outcome",
]
