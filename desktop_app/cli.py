"""``flowdeck gui``: registered on the engine's CLI through the ``flowdeck.cli`` entry point.

The engine never imports the console; this module adds the command when the CLI
discovers its plugins, and imports Qt only when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("gui")
    def gui(
        theme: Annotated[str, typer.Option(help="system, light or dark")] = "system",
        sample: Annotated[bool, typer.Option("--sample", help="start the bundled sample run")] = False,
        database: Annotated[str | None, typer.Option(help="database URL (default: configured)")] = None,
    ) -> None:
        """Open the operator console."""
        if theme not in ("system", "light", "dark"):
            raise typer.BadParameter("theme must be system, light or dark", param_hint="--theme")
        try:
            from desktop_app.app import main
        except ImportError as exc:  # installed without the gui extra
            hint = "the console needs PySide6 and pyqtgraph: pip install 'flowdeck[gui]'"
            typer.echo(f"{hint} ({exc})", err=True)
            raise typer.Exit(2) from exc
        argv = ["--theme", theme, *(["--sample"] if sample else [])]
        if database:
            argv += ["--database", database]
        raise typer.Exit(main(argv))
