"""The facade tests share the control tests' fixtures: a SQLite file, Flowdecks, owner processes."""

from __future__ import annotations

from tests.engine.control.conftest import db_url, make_flowdeck, owner_process

__all__ = ["db_url", "make_flowdeck", "owner_process"]
