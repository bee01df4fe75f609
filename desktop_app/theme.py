"""The one theme module: colours of every state, fonts, sizes and z-values, light and dark.

Every widget takes its colours from here (canvas, runs list, timeline, inspector),
so a state looks the same everywhere.  Colours are hex strings; Qt objects are
built by the widgets that use them (this module imports no Qt widget code).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.api import NodeStatus, RunStatus

#: node display states, in the order the legend shows them
NODE_STATES: tuple[NodeStatus, ...] = (
    NodeStatus.PENDING,
    NodeStatus.RUNNING,
    NodeStatus.RETRYING,
    NodeStatus.SUCCEEDED,
    NodeStatus.EXCEPTION,
    NodeStatus.FAILED,
    NodeStatus.TERMINATED,
    NodeStatus.SKIPPED,
    NodeStatus.REUSED,
    NodeStatus.PAUSED,
)


@dataclass(frozen=True, slots=True)
class StateStyle:
    fill: str  # node body / bar colour
    border: str  # outline
    text: str  # text on the fill
    label: str  # what the operator reads
    glyph: str  # one character for lists and badges
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Palette:
    dark: bool
    window: str
    panel: str
    panel_alt: str
    text: str
    text_muted: str
    grid: str
    edge: str
    edge_skipped: str
    selection: str
    canvas: str
    container: str
    container_border: str
    accent: str
    danger: str
    states: dict[str, StateStyle]
    on_accent: str = "#ffffff"  # text on accent-coloured buttons

    def state(self, name: str) -> StateStyle:
        """The style of a node state or run status (unknown names look pending)."""
        return self.states.get(name) or self.states[NodeStatus.PENDING]


def _states(dark: bool) -> dict[str, StateStyle]:
    """One look per status, labelled with the status itself (partial-succeeded reads "partial")."""
    if dark:
        pending_look, skipped_look = ("#2b3038", "#6b7380", "#c9d1d9"), ("#262a30", "#4d545e", "#7d8590")
        fg = "#0d1117"
    else:
        pending_look, skipped_look = ("#ffffff", "#9aa4b1", "#2d333b"), ("#f2f3f5", "#b8bec7", "#8b949e")
        fg = "#ffffff"
    blue, green, red = ("#58a6ff", "#3fb950", "#f85149") if dark else ("#1f6feb", "#1a7f37", "#cf222e")
    amber, orange = ("#d29922", "#f0883e") if dark else ("#bf8700", "#e16f24")
    dark_red, teal, purple = ("#b62324", "#39c5cf", "#a371f7") if dark else ("#82071e", "#0f8b8d", "#8250df")
    # interrupted (its owner stopped reporting): magenta, apart from failed's red and terminated's dark red
    magenta = "#db61a2" if dark else "#bf3989"
    on_light = "#0d1117"
    on_bright = on_light if dark else "#ffffff"  # text on orange and magenta fills
    looks: dict[str, tuple[str, str, str, str]] = {  # status -> fill, border, text, glyph
        NodeStatus.PENDING: (*pending_look, "○"),
        RunStatus.QUEUED: (*pending_look, "◌"),
        NodeStatus.RUNNING: (blue, blue, fg, "●"),
        NodeStatus.RETRYING: (orange, orange, on_bright, "↻"),
        NodeStatus.SUCCEEDED: (green, green, fg, "✓"),
        RunStatus.PARTIAL_SUCCEEDED: (amber, amber, on_light, "◐"),
        NodeStatus.EXCEPTION: (amber, amber, on_light, "!"),
        NodeStatus.FAILED: (red, red, "#ffffff", "✕"),
        NodeStatus.TERMINATED: (dark_red, dark_red, "#ffffff", "■"),
        RunStatus.INTERRUPTED: (magenta, magenta, on_bright, "↯"),
        NodeStatus.SKIPPED: (*skipped_look, "⊘"),
        NodeStatus.REUSED: (teal, teal, fg, "↺"),
        NodeStatus.PAUSED: (purple, purple, "#ffffff", "❚❚"),
    }
    dashed = {NodeStatus.SKIPPED, RunStatus.QUEUED}
    labels = {RunStatus.PARTIAL_SUCCEEDED: "partial"}  # short enough for a chip
    return {
        status: StateStyle(fill, border, text, labels.get(status, str(status)), glyph, status in dashed)
        for status, (fill, border, text, glyph) in looks.items()
    }


LIGHT = Palette(
    dark=False,
    window="#f6f8fa",
    panel="#ffffff",
    panel_alt="#f6f8fa",
    text="#1f2328",
    text_muted="#656d76",
    grid="#e6e9ed",
    edge="#57606a",
    edge_skipped="#c4cad1",
    selection="#0969da",
    canvas="#fbfcfd",
    container="#f0f4f9",
    container_border="#b6c2d1",
    accent="#0969da",
    danger="#cf222e",
    states=_states(False),
)

DARK = Palette(
    dark=True,
    window="#0d1117",
    panel="#161b22",
    panel_alt="#1c2129",
    text="#e6edf3",
    text_muted="#8d96a0",
    grid="#262c36",
    edge="#8d96a0",
    edge_skipped="#3d444d",
    selection="#58a6ff",
    canvas="#0f141a",
    container="#151b23",
    container_border="#3d4756",
    accent="#58a6ff",
    danger="#f85149",
    states=_states(True),
    on_accent="#0d1117",
)


def palette(dark: bool) -> Palette:
    return DARK if dark else LIGHT


# ----------------------------------------------------------- sizes, z-values
NODE_WIDTH = 220.0
NODE_HEIGHT = 64.0
NODE_RADIUS = 8.0
BADGE_RADIUS = 11.0
LAYER_GAP_X = 90.0  # layered layout: between layers
ROW_GAP_Y = 36.0  # layered layout: between nodes of one layer
CONTAINER_PADDING = 36.0

Z_CONTAINER = -10.0
Z_EDGE = 0.0
Z_NODE = 10.0
Z_BADGE = 20.0

#: below this zoom level the canvas hides node text (level of detail)
TEXT_MIN_SCALE = 0.45
#: between this and TEXT_MIN_SCALE a card shows only its title, drawn at a readable size
TITLE_MIN_SCALE = 0.22
TITLE_SCREEN_PT = 8.0  # the title's size on screen in that band
#: below this zoom level the canvas hides edges too (sub-pixel lines; a fitted 1,000-node graph)
EDGE_MIN_SCALE = 0.12

#: a running node's animated border starts only after this delay (no flicker on fast nodes)
RUNNING_ANIMATION_DELAY_MS = 300

FONT_FAMILY = "Inter, 'Segoe UI', 'Noto Sans', 'DejaVu Sans', sans-serif"
MONO_FAMILY = "'JetBrains Mono', 'Cascadia Mono', 'DejaVu Sans Mono', monospace"

# ----------------------------------------------------------- charts (pyqtgraph)
CHART_BAR_HEIGHT = 0.64  # of one row
CHART_FONT_PT = 9
CHART_MAX_VISIBLE_ROWS = 28  # rows shown before the operator scrolls the timeline
CHART_MAX_ROWS = 1500  # a bigger run charts its latest (timeline) or slowest (durations) executions
CHART_TREND_SYMBOL = 8.0
CHART_TREND_SELECTED_SYMBOL = 18.0


def pill_css(style: StateStyle) -> str:
    """Stylesheet of a status pill (a QLabel) in a state's colours."""
    return (
        f"background:{style.fill}; color:{style.text}; border:1px solid {style.border};"
        "border-radius:9px; padding:2px 8px; font-weight:600;"
    )
