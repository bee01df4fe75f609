"""Remote execution and watching (ARCHITECTURE section 5): the Redis and Celery adapters.

- :mod:`.command_channel` — :class:`RedisCommandChannel`, terminate/pause/resume over Redis;
- :mod:`.event_stream` — :class:`RedisEventPublisher` (emitter listener, buffered,
  outage-proof) and :class:`RedisEventWatcher` (XREAD, resumes from its last id);
- :mod:`.heartbeat` — the owner's :class:`Heartbeat`, :func:`stale_runs` for the console;
- :mod:`.tasks` — the ``run_workflow`` Celery task on queue ``workflow_runs``;
- :mod:`.client` — :func:`start_remote` and :class:`RemoteRunHandle` (``BrokerUnavailable``
  within seconds when the broker is down or hung);
- :mod:`.orphans` — runs whose owner died closed ``failed`` (interrupted) in their stream and
  records, :func:`sweep_remote`, the :class:`OrphanSweeper` thread;
- :mod:`.worker_sweep` — the worker bootstep that sweeps orphans in every worker;
- :mod:`.service_support` — :class:`RemoteRuns`, the remote side of ``engine.service.Flowdeck``;
- :mod:`.worker_app` — ``celery -A engine.remote.worker_app worker -Q workflow_runs``.

The core engine never imports this package; it plugs in through ``CommandChannel``
and emitter listeners.
"""

from engine.remote.command_channel import RedisCommandChannel
from engine.remote.event_stream import RedisEventPublisher, RedisEventWatcher, read_history
from engine.remote.heartbeat import Heartbeat, is_alive, run_liveness, stale_runs
from engine.remote.keys import commands_key, events_key, heartbeat_key, redis_client

__all__ = [
    "Heartbeat",
    "RedisCommandChannel",
    "RedisEventPublisher",
    "RedisEventWatcher",
    "commands_key",
    "events_key",
    "heartbeat_key",
    "is_alive",
    "read_history",
    "redis_client",
    "run_liveness",
    "stale_runs",
]
