"""Where Qt would abort the process, the console says what is missing instead."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from desktop_app import preflight
from tests.desktop_app.conftest import ROOT


def test_no_display_is_named_with_the_ways_out() -> None:
    problem = preflight.display_problem({}, "linux")
    assert problem is not None and "DISPLAY" in problem and "xvfb-run" in problem


def test_a_chosen_platform_or_another_os_needs_no_check() -> None:
    assert preflight.display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert preflight.display_problem({}, "darwin") is None


def test_x11_without_libxcb_cursor_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.ctypes.util, "find_library", lambda name: None)
    problem = preflight.display_problem({"DISPLAY": ":0"}, "linux")
    assert problem is not None and "libxcb-cursor0" in problem


def test_the_console_exits_with_the_message_instead_of_aborting() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run(
        [sys.executable, "-m", "desktop_app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert "no display" in out.stderr and "Traceback" not in out.stderr
