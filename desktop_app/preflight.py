"""Before Qt starts: can a window be shown here?  A clear message instead of Qt's abort.

Qt aborts the process (SIGABRT, no Python traceback) when no platform plugin loads: on
Linux without a display, or on X11 without ``libxcb-cursor0`` (needed since Qt 6.5).
"""

from __future__ import annotations

import ctypes.util
import os
import sys


def display_problem(environ: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """What stops the console from opening a window, or None."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None  # another OS, or a platform chosen explicitly (offscreen, wayland, vnc, ...)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return (
            "no display to open the console on (neither DISPLAY nor WAYLAND_DISPLAY is set): run it in a "
            "desktop session, under `xvfb-run -a flowdeck gui`, or with QT_QPA_PLATFORM=offscreen "
            "(nothing is shown); `flowdeck run` and `flowdeck watch` work in a terminal"
        )
    if not env.get("WAYLAND_DISPLAY") and ctypes.util.find_library("xcb-cursor") is None:
        return (
            "Qt needs the system library libxcb-cursor0 to open a window on X11: install it "
            "(Debian/Ubuntu: `sudo apt-get install libxcb-cursor0`; Fedora: `xcb-util-cursor`)"
        )
    return None
