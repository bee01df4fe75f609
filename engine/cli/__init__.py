"""The ``flowdeck`` command line (typer + rich).

Each group of commands lives in its own module and registers itself on
:data:`app`: ``run`` (run.py), ``watch``/``terminate``/``pause``/``resume``
(control.py), ``replay`` (replay.py), ``runs``/``show``/``db`` (records.py), ``worker`` (worker.py),
``check`` (check.py).  Other packages add commands through the ``flowdeck.cli``
entry point group (a ``register(app)`` callable): the console adds ``gui`` that way,
so the engine never imports it.  The commands reach the engine only through
``engine.api`` (an import-linter contract holds it); at the top a command module imports
typer, rich and ``engine.api``'s light names (statuses, queue names), and everything else
inside the command, so ``flowdeck --help`` starts in a fraction of a second without
SQLAlchemy, Alembic or Celery.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="flowdeck",
    help="Run Dify-DSL workflows and inspect their run records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _module in ("run", "control", "replay", "records", "worker", "check"):
    try:
        importlib.import_module(f"engine.cli.{_module}")
    except ModuleNotFoundError as exc:  # a command group not written yet
        if exc.name != f"engine.cli.{_module}":
            raise


def _register_plugins() -> None:
    from importlib.metadata import entry_points

    for entry in entry_points(group="flowdeck.cli"):
        try:
            entry.load()(app)
        except Exception as exc:  # a broken plugin must not take the engine's commands with it
            typer.echo(f"flowdeck: command plugin {entry.name!r} ({entry.value}) not loaded: {exc}", err=True)


_register_plugins()

__all__ = ["app"]
