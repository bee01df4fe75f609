"""Redis key names of a run and a client factory with bounded sockets.

Every key of one run shares the prefix ``flowdeck:run:{run_id}:``:

- ``commands``  — a list of JSON commands (terminate / pause / resume);
- ``events``    — a Stream of JSON events, one entry per event (field ``event``);
- ``heartbeat`` — a string with a TTL, kept alive by the run's owner.

and ``flowdeck:runs:active`` is a sorted set of the remote runs sent and not yet
ended (score: when they were sent), so a sweeper finds orphans without a database.
"""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

KEY_PREFIX = "flowdeck:run:"
#: how long the keys of a run outlive it (seconds); refreshed on every write
DEFAULT_KEY_TTL_S = 7 * 24 * 3600
#: how long the keys of a run are kept once its terminal event is in the stream (seconds)
ENDED_KEY_TTL_S = 24 * 3600
ACTIVE_RUNS_KEY = "flowdeck:runs:active"


def commands_key(run_id: str) -> str:
    return f"{KEY_PREFIX}{run_id}:commands"


def events_key(run_id: str) -> str:
    return f"{KEY_PREFIX}{run_id}:events"


def heartbeat_key(run_id: str) -> str:
    return f"{KEY_PREFIX}{run_id}:heartbeat"


def redis_client(url: str, *, socket_timeout_s: float = 2.0) -> redis.Redis:
    """A client whose every call is bounded: connect and read time out after ``socket_timeout_s``.

    One quick retry only (redis-py's default retries ten times with backoff, seconds
    of waiting when Redis is down); the callers here have their own retry loops.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=socket_timeout_s,
        retry=quick_retry(),
        health_check_interval=30,
    )


def quick_retry() -> Retry:
    return Retry(ExponentialBackoff(cap=0.1, base=0.01), 1)


def socket_timeout_of(client: redis.Redis) -> float | None:
    """The read timeout the client's connections use (None: unbounded)."""
    value = client.connection_pool.connection_kwargs.get("socket_timeout")
    return float(value) if value is not None else None
