"""Where Qt would abort the process, the console says what is missing instead."""

from __future__ import annotations

import os
import subprocess
import sys

from desktop_app import preflight
from tests.desktop_app.conftest import ROOT


def test_no_display_is_named_with_the_ways_out() -> None:
    problem = preflight.display_problem({}, "linux")
    assert problem is not None and "DISPLAY" in problem and "xvfb-run" in problem


def test_a_chosen_platform_or_another_os_needs_no_check() -> None:
    assert preflight.display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert preflight.display_problem({}, "darwin") is None


def test_x11_without_the_plugins_libraries_names_them_and_their_packages() -> None:
    missing = ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    problem = preflight.display_problem({"DISPLAY": ":0"}, "linux", missing=missing)
    assert problem is not None and "libxcb-icccm.so.4" in problem
    assert "apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in problem
    assert preflight.display_problem({"DISPLAY": ":0"}, "linux", missing=[]) is None


def test_the_plugins_libraries_are_read_from_the_installed_plugin() -> None:
    plugin = preflight.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    missing = preflight.missing_libraries(plugin)
    assert all(lib.startswith("lib") and ".so" in lib for lib in missing)
    assert preflight.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"


def test_the_console_exits_with_the_message_instead_of_aborting() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run(
        [sys.executable, "-m", "desktop_app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert "no display" in out.stderr and "Traceback" not in out.stderr
