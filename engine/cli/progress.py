"""Live progress of a run, shared by ``flowdeck run`` and ``flowdeck watch``.

Progress lines (node started, retried, skipped, ended) go to the log console
(stderr); the streamed answer text goes to the stream file (stdout).  When
both reach the same terminal, a log line never lands in the middle of the
streamed text: the stream's open line is ended first, and the stream picks
up again on a line of its own (marked ``│``) after the log lines.

Every title and error is escaped: they are the user's text, not markup.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console

from engine.cli.output import esc, node_elapsed
from engine.cli.theme import status_style

if TYPE_CHECKING:
    from engine.api import EngineEvent

STREAM_MARK = "│ "


def same_terminal(log: Console, stream: IO[str]) -> bool:
    """Both outputs go to one terminal, so their lines interleave on screen."""
    try:
        return log.is_terminal and stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressView:
    """Renders engine events as they arrive.  ``shared`` says the two outputs share one screen."""

    def __init__(self, log: Console, stream: IO[str] | None = None, *, shared: bool | None = None) -> None:
        self.log = log
        self.stream = stream if stream is not None else sys.stdout
        self.shared = same_terminal(log, self.stream) if shared is None else shared
        self.streamed = False  # any stream text written
        self._line_open = False  # the stream's current line has text and no newline yet
        self._broken = False  # a log line interrupted the stream

    # ----------------------------------------------------------- stream text
    def chunk(self, text: str) -> None:
        if not text:
            return
        if self.shared and self._broken and not self._line_open:
            self.stream.write(STREAM_MARK)
        self.stream.write(text)
        self.stream.flush()
        self.streamed = True
        self._line_open = not text.endswith("\n")
        self._broken = self._broken and self._line_open

    def line(self, markup: str) -> None:
        """One progress line (rich markup, user text already escaped)."""
        if self.shared and self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False
            self._broken = True
        elif self.shared and self.streamed:
            self._broken = True
        self.log.print(markup)

    def finish(self) -> None:
        """End the stream's last line."""
        if self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False

    # ---------------------------------------------------------------- events
    def header(self, run_id: str, workflow_name: str = "") -> None:
        name = f" [dim]{esc(workflow_name)}[/]" if workflow_name else ""
        self.line(f"[bold]run[/] {esc(run_id)}{name}")

    def event(self, event: EngineEvent) -> None:
        name = event.name
        if name == "node_stream_chunk":
            self.chunk(event.chunk)  # type: ignore[attr-defined]
            return
        title = esc(getattr(event, "title", "") or getattr(event, "node_id", ""))
        if name == "node_started":
            self.line(f"  [cyan]▶[/] {title} [dim]({esc(event.node_type)})[/]")  # type: ignore[attr-defined]
        elif name == "node_retry":
            error = esc(event.error)  # type: ignore[attr-defined]
            self.line(f"  [yellow]↻[/] {title} retry {event.retry_index}: {error}")  # type: ignore[attr-defined]
        elif name == "node_skipped":
            self.line(f"  [dim]· {title} skipped[/]")
        elif name.startswith("node_") and hasattr(event, "elapsed_time"):
            self.line(self._ended_line(event, title))
        elif name in ("run_paused", "run_resumed"):
            self.line(f"[yellow]{name.removeprefix('run_')}[/]")

    def _ended_line(self, event: Any, title: str) -> str:
        status = event.name.removeprefix("node_")
        style = status_style(status)
        error = getattr(event, "error", "") or getattr(event, "reason", "")
        tail = f": {esc(error)}" if error else ""
        took = node_elapsed(event.started_at, event.elapsed_time) * 1000
        return f"  [{style}]■[/] {title} {status} ({took:.1f} ms){tail}"

    def follow(self, events: Iterable[EngineEvent]) -> None:
        """Render every event of ``events`` (blocks until the iterator ends)."""
        try:
            for event in events:
                self.event(event)
        finally:
            self.finish()
