"""The command channel of a remote run: a Redis list per run.

Any process may :meth:`RedisCommandChannel.send` (RPUSH of the command as JSON to
``flowdeck:run:{run_id}:commands``).  On the run's side a small poller thread pops
the list (``LPOP key count``, atomic, non-blocking) every ``poll_interval`` seconds,
keeps what it got in memory and wakes the dispatcher, so :meth:`fetch` never touches
Redis and never blocks, however slow or absent Redis is.  The poller starts with the
first :meth:`set_wakeup` or :meth:`fetch` and stops with ``set_wakeup(None)`` (the
dispatcher is done) or :meth:`close`.

The wakeup matters: a paused dispatcher waits for a message and does not poll.

Redis may go away and come back: a failed pop is logged once per outage and retried,
it never reaches the run.  Commands sent while Redis is down fail in :meth:`send`
(the caller sees the error); commands already queued survive a restart only if the
server persists its data (AOF/RDB).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

import redis

from engine.remote.keys import DEFAULT_KEY_TTL_S, commands_key
from engine.scheduler.commands import Command, command_from_dict

log = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL_S = 0.05
_POP_BATCH = 100


class RedisCommandChannel:
    """Implements :class:`engine.scheduler.commands.CommandChannel` over Redis."""

    def __init__(
        self,
        redis_client: redis.Redis,
        run_id: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        key_ttl_s: int = DEFAULT_KEY_TTL_S,
    ) -> None:
        self._redis = redis_client
        self.run_id = run_id
        self.key = commands_key(run_id)
        self._poll_interval = poll_interval
        self._key_ttl_s = key_ttl_s
        self._lock = threading.Lock()
        self._pending: list[Command] = []
        self._wakeup: Callable[[], None] | None = None
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._failing = False

    # ----------------------------------------------------------- sending side
    def send(self, command: Command) -> None:
        """Queue ``command`` for the run (raises :class:`redis.RedisError` if Redis is unreachable)."""
        data = json.dumps(command.to_dict())
        pipe = self._redis.pipeline(transaction=True)
        pipe.rpush(self.key, data)
        pipe.expire(self.key, self._key_ttl_s)
        pipe.execute()

    # ------------------------------------------------------------ run's side
    def fetch(self) -> list[Command]:
        """The commands the poller has received so far (memory only; starts the poller if needed)."""
        with self._lock:
            self._start_poller()
            pending, self._pending = self._pending, []
        return pending

    def set_wakeup(self, wakeup: Callable[[], None] | None) -> None:
        with self._lock:
            self._wakeup = wakeup
            if wakeup is None:  # the dispatcher is done: stop polling (a later fetch restarts it)
                self._stop_poller()
            else:
                self._start_poller()

    @property
    def poll_interval(self) -> float | None:
        return self._poll_interval

    def close(self) -> None:
        """Stop the poller (commands still waiting in Redis stay there)."""
        with self._lock:
            self._stop_poller()

    # -------------------------------------------------------------- internals
    def _start_poller(self) -> None:
        if self._poller is None:
            self._stop = threading.Event()
            self._poller = threading.Thread(
                target=self._poll,
                args=(self._stop,),
                name=f"flowdeck-commands-{self.run_id[:8]}",
                daemon=True,
            )
            self._poller.start()

    def _stop_poller(self) -> None:
        self._stop.set()
        self._poller = None

    def _poll(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if self._pull():
                with self._lock:
                    wakeup = self._wakeup
                if wakeup is not None:
                    wakeup()
            stop.wait(self._poll_interval)

    def _pull(self) -> bool:
        """Move the commands waiting in Redis to memory; True if there were any."""
        try:
            raw = self._redis.lpop(self.key, _POP_BATCH)
        except redis.RedisError as exc:
            if not self._failing:
                log.warning(
                    "run %s: cannot read commands from Redis (will keep trying): %s", self.run_id, exc
                )
                self._failing = True
            return False
        if self._failing:
            log.info("run %s: command channel reconnected to Redis", self.run_id)
            self._failing = False
        if not raw:
            return False
        commands: list[Command] = []
        for item in raw:
            try:
                commands.append(command_from_dict(json.loads(item)))
            except (ValueError, TypeError) as exc:
                log.error("run %s: dropping a malformed command %r: %s", self.run_id, item, exc)
        with self._lock:
            self._pending.extend(commands)
        return bool(commands)
