"""Start the console: ``flowdeck gui`` / ``python -m desktop_app``.

    python -m desktop_app [--theme system|light|dark] [--sample] [--database URL]

``--sample`` starts the bundled sample run (resources/workflows/nightly_report.yml with its
mocks) as soon as the window is up, so every node state is on screen at once.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app import style
from desktop_app.preflight import display_problem
from engine.api import Flowdeck, Settings

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
SAMPLE = RESOURCES / "workflows" / "nightly_report.yml"
SAMPLE_INPUTS = {"region": "us", "days": 7}


def mocks_beside(workflow: Path) -> Path | None:
    """``name.mocks.yml`` next to ``name.yml``: the mocks a bundled workflow runs with."""
    candidate = workflow.with_name(workflow.stem + ".mocks.yml")
    return candidate if candidate.is_file() else None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="flowdeck gui", description="The Flowdeck operator console.")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system")
    parser.add_argument("--sample", action="store_true", help="start the bundled sample run")
    parser.add_argument("--database", help="database URL (default: the configured one)")
    return parser.parse_args(argv)


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("Flowdeck")
    app.setOrganizationName("Flowdeck")
    app.setWindowIcon(QIcon(str(RESOURCES / "icons" / "flowdeck.svg")))
    return app


def tune_garbage_collector() -> None:
    """Keep the collector's pauses out of the frames (measured in benchmarks/gui_throughput.py).

    Everything built at start-up (Qt wrappers, modules, the window) is frozen out of the
    collections, and young objects are collected in bigger batches: a full collection
    over a large run's records then pauses the GUI thread rarely and briefly.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    problem = display_problem()
    if problem is not None:
        print(f"flowdeck gui: {problem}", file=sys.stderr)
        return 2
    app = application()
    dark = style.system_prefers_dark() if args.theme == "system" else args.theme == "dark"
    style.apply(app, dark)
    try:
        settings = Settings(database_url=args.database) if args.database else Settings()
        flowdeck = Flowdeck(settings)
    except Exception as exc:  # a bad URL, an unreachable database: say so, do not crash
        QMessageBox.critical(None, "Flowdeck cannot start", f"The run records cannot be opened:\n\n{exc}")
        return 2
    from desktop_app.main_window import MainWindow

    window = MainWindow(flowdeck, dark=dark)
    if args.theme == "system":  # follow the desktop when it switches between light and dark
        app.styleHints().colorSchemeChanged.connect(window.follow_system_theme)
    if window.restore_layout():
        window.show()
    else:
        window.showMaximized()  # first start: room for the graph, the charts and the inspector
    tune_garbage_collector()
    if args.sample:
        window.start_run(SAMPLE, SAMPLE_INPUTS, mocks=mocks_beside(SAMPLE))
    try:
        return app.exec()
    finally:
        flowdeck.close()
