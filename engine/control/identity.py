"""Who this process is as a run owner, and whether another owner is still alive."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field

from engine.persistence.sql.run_owners import RunOwner

STALE_AFTER_S = 10.0  # a heartbeat older than this means the owner is gone (settings.owners.heartbeat_ttl_s)


def pid_alive(pid: int) -> bool:
    """A process with this id exists on this host (a zombie counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True  # no /proc (or reaped meanwhile): kill(0) said it exists


@dataclass(frozen=True, slots=True)
class OwnerIdentity:
    """One Flowdeck instance: a random owner id plus the host and pid it runs on."""

    owner_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)

    def owner_alive(self, owner: RunOwner, now: float, stale_after_s: float = STALE_AFTER_S) -> bool:
        """``owner`` still beats (and, on this host, its process exists)."""
        if owner.owner_id == self.owner_id:
            return True
        if owner.heartbeat_at <= 0 or owner.heartbeat_at < now - stale_after_s:
            return False
        return owner.host != self.host or pid_alive(owner.pid)
