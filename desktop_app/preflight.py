"""Before Qt starts: can a window be shown here?  A clear message instead of Qt's abort.

Qt aborts the process (SIGABRT, no Python traceback) when no platform plugin loads: on
Linux without a display, or on X11 when a system library of its xcb plugin is missing
(libxcb-cursor0 since Qt 6.5, libxcb-icccm4, libxcb-keysyms1, ... on minimal systems).
"""

from __future__ import annotations

import ctypes.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_SONAME = re.compile(r"^lib(?P<name>.+)\.so\.(?P<major>\d+)$")


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin, if it is installed."""
    try:
        import PySide6
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries(plugin: Path | None) -> list[str]:
    """The shared libraries the plugin needs that the system lacks (``ldd``'s "not found")."""
    if plugin is None or shutil.which("ldd") is None:
        return [] if ctypes.util.find_library("xcb-cursor") else ["libxcb-cursor.so.0"]
    try:
        out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split()[0] for line in out.splitlines() if "not found" in line})


def debian_package(soname: str) -> str:
    """``libxcb-icccm.so.4`` -> ``libxcb-icccm4`` (Debian's naming of library packages)."""
    match = _SONAME.match(soname)
    if match is None:
        return soname
    name, major = match["name"], match["major"]
    return f"lib{name}{'-' if name[-1].isdigit() else ''}{major}"


def display_problem(
    environ: dict[str, str] | None = None, platform: str | None = None, *, missing: list[str] | None = None
) -> str | None:
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
    if env.get("WAYLAND_DISPLAY"):
        return None
    libraries = missing_libraries(xcb_plugin()) if missing is None else missing
    if libraries:
        packages = " ".join(dict.fromkeys(debian_package(lib) for lib in libraries))
        return (
            f"Qt needs these system libraries to open a window on X11: {', '.join(libraries)} "
            f"(Debian/Ubuntu: `sudo apt-get install {packages}`)"
        )
    return None
