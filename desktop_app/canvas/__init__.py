"""The graph canvas: a workflow drawn as its author laid it out (or in layers), coloured by node state."""

from desktop_app.canvas.view import GraphView

__all__ = ["GraphView"]
