"""The runs list: every recorded run, newest first, live, filtered and paged from the database."""

from desktop_app.runs.model import RunsModel
from desktop_app.runs.view import RunsPanel

__all__ = ["RunsModel", "RunsPanel"]
