"""The toolbar's actions and their shortcuts (CONSOLE.md: Keyboard)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from desktop_app.states import RUN_CONTROLLABLE, RUN_FROM_FAILURE, RUN_REPLAYABLE
from engine.api import RunStatus


@dataclass(slots=True)
class ConsoleActions:
    run: QAction
    terminate: QAction
    pause: QAction
    replay_menu: QMenu
    rerun: QAction
    rerun_inputs: QAction
    from_failure: QAction
    open_workflow: QAction
    compare: QAction
    settings: QAction
    fit: QAction
    reload: QAction
    search: QAction
    toggle_theme: QAction

    def update_for(self, status: str | None) -> None:
        """Enable what makes sense for the selected run's status (None: no run selected)."""
        active = status in RUN_CONTROLLABLE
        self.terminate.setEnabled(active)
        self.pause.setEnabled(active)
        self.pause.setText("Resume" if status == RunStatus.PAUSED else "Pause")
        final = status in RUN_REPLAYABLE  # interrupted included: its owner is gone, it can run again
        self.rerun.setEnabled(final)
        self.rerun_inputs.setEnabled(final)
        self.from_failure.setEnabled(status in RUN_FROM_FAILURE)
        self.replay_menu.menuAction().setEnabled(final)


def build_actions(window: QWidget) -> tuple[ConsoleActions, QToolBar]:
    def action(text: str, shortcut: str | None = None, tip: str = "") -> QAction:
        act = QAction(text, window)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setToolTip(f"{tip or text} ({shortcut})" if shortcut else tip or text)
        window.addAction(act)
        return act

    run = action("Run…", "Ctrl+R", "Run a workflow file")
    terminate = action("Terminate", "Ctrl+T", "Terminate the selected run")
    pause = action("Pause", "Ctrl+P", "Pause or resume the selected run")
    rerun = action("Rerun", None, "Run the same graph again with the same inputs")
    rerun_inputs = action("Rerun with inputs…", None, "Run the same graph again with edited inputs")
    from_failure = action("From failure…", "Ctrl+Shift+R", "Reuse what succeeded, run the rest")
    open_workflow = action("Open workflow…", "Ctrl+O", "Show a workflow's graph without running it")
    compare = action("Compare", "Ctrl+D", "Compare the two runs selected in the list")
    compare.setEnabled(False)
    settings = action("Settings", "Ctrl+,", "Database, persistence and where runs execute")
    fit = action("Fit", "Ctrl+0", "Fit the graph in view")
    reload = action("Reload", "F5", "Reload from the database")
    search = action("Search", "Ctrl+F", "Search the runs")
    toggle_theme = action("Dark / light", "Ctrl+Shift+L", "Switch between the dark and the light theme")

    replay_menu = QMenu("Replay", window)
    replay_menu.addAction(rerun)
    replay_menu.addAction(rerun_inputs)
    replay_menu.addSeparator()
    replay_menu.addAction(from_failure)

    bar = QToolBar("Actions", window)
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.addAction(run)
    bar.addAction(terminate)
    bar.addAction(pause)
    replay_button = QToolButton(bar)
    replay_button.setText("Replay ▾")
    replay_button.setMenu(replay_menu)
    replay_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    replay_button.setDefaultAction(replay_menu.menuAction())
    replay_menu.menuAction().setText("Replay ▾")
    bar.addWidget(replay_button)
    bar.addAction(compare)
    bar.addSeparator()
    bar.addAction(open_workflow)
    bar.addAction(fit)
    bar.addAction(reload)
    spacer = QWidget(bar)
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    bar.addAction(toggle_theme)
    bar.addAction(settings)
    bar.widgetForAction(run).setObjectName("primaryAction")
    bar.widgetForAction(terminate).setObjectName("dangerAction")
    acts = ConsoleActions(
        run=run,
        terminate=terminate,
        pause=pause,
        replay_menu=replay_menu,
        rerun=rerun,
        rerun_inputs=rerun_inputs,
        from_failure=from_failure,
        open_workflow=open_workflow,
        compare=compare,
        settings=settings,
        fit=fit,
        reload=reload,
        search=search,
        toggle_theme=toggle_theme,
    )
    acts.update_for(None)
    return acts, bar
