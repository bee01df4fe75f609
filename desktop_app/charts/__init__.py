"""Charts of a run (pyqtgraph): timeline of attempts, node durations, retries, elapsed-time trend."""

from desktop_app.charts.panel import ChartsPanel

__all__ = ["ChartsPanel"]
