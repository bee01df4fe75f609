"""Operator commands and the channel that carries them to a run.

The in-memory channel serves embedded runs; a Redis channel (engine/remote)
serves runs on Celery workers.  The dispatcher drains the channel whenever it
wakes; the in-memory channel wakes it at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True, slots=True)
class Command:
    name: ClassVar[str] = "command"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"command": self.name}
        for key in getattr(self, "__slots__", ()):
            data[key] = getattr(self, key)
        return data


@dataclass(frozen=True, slots=True)
class TerminateCommand(Command):
    name: ClassVar[str] = "terminate"
    reason: str = "terminated by the operator"


@dataclass(frozen=True, slots=True)
class PauseCommand(Command):
    name: ClassVar[str] = "pause"
    reason: str = "paused by the operator"


@dataclass(frozen=True, slots=True)
class ResumeCommand(Command):
    name: ClassVar[str] = "resume"


_COMMANDS: dict[str, type[Command]] = {c.name: c for c in (TerminateCommand, PauseCommand, ResumeCommand)}


def command_from_dict(data: dict[str, Any]) -> Command:
    cls = _COMMANDS.get(str(data.get("command")))
    if cls is None:
        raise ValueError(f"unknown command {data.get('command')!r}")
    fields = {k: v for k, v in data.items() if k != "command" and k in getattr(cls, "__slots__", ())}
    return cls(**fields)


class CommandChannel(Protocol):
    """Carries commands to one run."""

    def send(self, command: Command) -> None: ...

    def fetch(self) -> list[Command]:
        """Commands sent since the last fetch, oldest first (never blocks)."""
        ...

    def set_wakeup(self, wakeup: Callable[[], None] | None) -> None:
        """Called after each send when the dispatcher can be woken directly."""
        ...

    @property
    def poll_interval(self) -> float | None:
        """Seconds between fetches for channels that cannot wake the dispatcher (None: never poll)."""
        ...


class CommandSender:
    """Operator controls of a run handle, sent through its ``channel`` (local or remote)."""

    channel: CommandChannel

    def terminate(self, reason: str = "terminated by the operator") -> None:
        self.channel.send(TerminateCommand(reason))

    def pause(self) -> None:
        self.channel.send(PauseCommand())

    def resume(self) -> None:
        self.channel.send(ResumeCommand())


class InMemoryCommandChannel:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Command] = []
        self._wakeup: Callable[[], None] | None = None

    def send(self, command: Command) -> None:
        with self._lock:
            self._pending.append(command)
            wakeup = self._wakeup
        if wakeup is not None:
            wakeup()

    def fetch(self) -> list[Command]:
        if not self._pending:
            return []
        with self._lock:
            pending, self._pending = self._pending, []
        return pending

    def set_wakeup(self, wakeup: Callable[[], None] | None) -> None:
        with self._lock:
            self._wakeup = wakeup

    @property
    def poll_interval(self) -> float | None:
        return None
