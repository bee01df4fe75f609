"""Who owns a remote run, and whether that owner is still alive.

The owner of a running run keeps ``flowdeck:run:{run_id}:heartbeat`` alive: a string
``running:<owner>`` with a TTL (``ttl_s``), refreshed every ``interval_s`` by
:meth:`Heartbeat.beat`.  When the owner dies the key expires.  :func:`start_remote`
marks a queued run ``queued:<time>`` (a longer TTL) so a run waiting for a worker is
not mistaken for a dead one.

A console asks :func:`run_liveness` / :func:`stale_runs` about the runs its records
say are ``running``: ``alive`` (owner beating or queued), ``ended`` (the event stream
holds the terminal event: the records will catch up), ``stale`` (nobody beats and no
terminal event: the owner died; mark the run failed, interrupted).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Literal

import redis

from engine.events import is_terminal
from engine.remote.event_stream import last_event
from engine.remote.keys import heartbeat_key

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 2.0
DEFAULT_TTL_S = 10.0
DEFAULT_QUEUED_TTL_S = 3600.0
Liveness = Literal["alive", "ended", "stale"]

# claim the run unless another owner is beating for it (a queued marker may be taken over)
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, 7) ~= 'queued:' and current ~= ARGV[1] then
    return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""


class Heartbeat:
    """The owner's side: :meth:`claim` once, :meth:`beat` every ``interval_s``, :meth:`stop` at the end."""

    def __init__(
        self,
        redis_client: redis.Redis,
        run_id: str,
        owner: str,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        if interval_s >= ttl_s:
            raise ValueError(f"heartbeat interval ({interval_s} s) must be shorter than its TTL ({ttl_s} s)")
        self._redis = redis_client
        self.run_id = run_id
        self.key = heartbeat_key(run_id)
        self.value = f"running:{owner}"
        self.ttl_ms = int(ttl_s * 1000)
        self.interval_s = interval_s
        self._failing = False

    def claim(self) -> bool:
        """Become the run's owner; False if another live owner has it (raises if Redis is away)."""
        return bool(self._redis.eval(_CLAIM, 1, self.key, self.value, self.ttl_ms))

    def beat(self) -> bool:
        """Refresh the TTL; a Redis error is logged, never raised (the run goes on)."""
        try:
            self._redis.set(self.key, self.value, px=self.ttl_ms)
        except redis.RedisError as exc:
            if not self._failing:
                log.warning("run %s: heartbeat not written (Redis unreachable): %s", self.run_id, exc)
                self._failing = True
            return False
        self._failing = False
        return True

    def stop(self) -> None:
        """The run ended: remove the key if it is still ours."""
        try:
            if self._redis.get(self.key) == self.value.encode():
                self._redis.delete(self.key)
        except redis.RedisError as exc:
            log.warning("run %s: heartbeat not removed (it will expire): %s", self.run_id, exc)


def mark_queued(redis_client: redis.Redis, run_id: str, ttl_s: float = DEFAULT_QUEUED_TTL_S) -> None:
    """A run waiting for a worker counts as alive for ``ttl_s``."""
    redis_client.set(heartbeat_key(run_id), f"queued:{time.time():.3f}", px=int(ttl_s * 1000), nx=True)


def is_alive(redis_client: redis.Redis, run_id: str) -> bool:
    """Somebody owns the run (or it is queued) and beats for it."""
    return bool(redis_client.exists(heartbeat_key(run_id)))


def run_liveness(redis_client: redis.Redis, run_id: str) -> Liveness:
    """``ended`` (terminal event published), ``alive`` (owner beating, or queued) or ``stale``."""
    newest = last_event(redis_client, run_id)
    if newest is not None and is_terminal(newest):
        return "ended"
    return "alive" if is_alive(redis_client, run_id) else "stale"


def stale_runs(redis_client: redis.Redis, run_ids: Iterable[str]) -> list[str]:
    """The runs among ``run_ids`` whose owner died before they ended (to mark failed, interrupted)."""
    return [run_id for run_id in run_ids if run_liveness(redis_client, run_id) == "stale"]
