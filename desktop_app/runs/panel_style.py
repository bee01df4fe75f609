"""The runs panel's style sheet, from the theme's palette (light or dark)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from desktop_app import theme


def panel_stylesheet(dark: bool) -> str:
    """Table, header, combos and search in the palette's colours; the selection is only a tint."""
    pal = theme.palette(dark)
    sel = QColor(pal.selection)
    tint = f"rgba({sel.red()}, {sel.green()}, {sel.blue()}, {0.28 if dark else 0.16})"
    return (
        f"RunsPanel {{ background: {pal.panel}; }}"
        f" FilterBar {{ background: {pal.panel}; border-bottom: 1px solid {pal.grid}; }}"
        f" QTableView {{ background: {pal.panel}; alternate-background-color: {pal.panel_alt};"
        f" color: {pal.text}; border: none; selection-background-color: {tint};"
        f" selection-color: {pal.text}; outline: 0; }}"
        f" QTableView::item {{ padding: 0 6px; border: none; }}"
        f" QTableView::item:selected {{ background: {tint}; color: {pal.text}; }}"
        f" QHeaderView::section {{ background: {pal.panel_alt}; color: {pal.text_muted};"
        f" border: none; border-bottom: 1px solid {pal.grid}; padding: 4px 6px; font-weight: 600; }}"
        f" QComboBox, QLineEdit {{ background: {pal.panel}; color: {pal.text};"
        f" border: 1px solid {pal.grid}; border-radius: 4px; padding: 3px 6px; min-height: 18px; }}"
        f" QLineEdit:focus {{ border-color: {pal.accent}; }}"
        f" QComboBox QAbstractItemView {{ background: {pal.panel}; color: {pal.text}; }}"
    )
