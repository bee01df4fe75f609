"""RedisCommandChannel: commands cross processes, fetch never blocks, Redis restarts are survived."""

from __future__ import annotations

import json
import threading
import time
import uuid

import redis

from engine.events import NodeStartedEvent, RunPausedEvent, RunResumedEvent
from engine.remote.command_channel import RedisCommandChannel
from engine.remote.keys import commands_key
from engine.run import start_workflow
from engine.scheduler.commands import PauseCommand, ResumeCommand, TerminateCommand
from tests.engine.scheduler import graphs as g
from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until


def new_run_id() -> str:
    return str(uuid.uuid4())


def slow_chain(delay_ms: int, length: int) -> tuple[dict, dict]:
    mocks = {f"n{i}": {"outputs": {"output": f"out{i}"}, "delay_ms": delay_ms} for i in range(length)}
    return g.chain(length), mocks


def test_commands_sent_by_one_client_are_fetched_by_another_in_order(rclient: redis.Redis) -> None:
    run_id = new_run_id()
    sender = RedisCommandChannel(rclient, run_id)
    sender.send(PauseCommand())
    sender.send(ResumeCommand())
    rclient.rpush(commands_key(run_id), "not json")  # a stray entry is dropped, not fatal
    sender.send(TerminateCommand("stop now"))
    assert rclient.ttl(commands_key(run_id)) > 0  # the key does not outlive an abandoned run forever
    receiver = RedisCommandChannel(rclient, run_id, poll_interval=0.01)
    got: list = []
    wait_until(lambda: bool(got.extend(receiver.fetch())) or len(got) >= 3, 3, "three commands")
    receiver.close()
    assert got == [PauseCommand(), ResumeCommand(), TerminateCommand("stop now")]
    assert rclient.llen(commands_key(run_id)) == 0  # taken, not copied


def test_poller_wakes_the_run_and_fetch_reads_memory_only(rclient: redis.Redis) -> None:
    channel = RedisCommandChannel(rclient, new_run_id(), poll_interval=0.02)
    woke = threading.Event()
    channel.set_wakeup(woke.set)
    try:
        channel.send(TerminateCommand("bye"))
        assert woke.wait(2), "the poller never woke the dispatcher"
        assert channel.fetch() == [TerminateCommand("bye")]
    finally:
        channel.close()


def test_fetch_returns_nothing_while_redis_is_down_and_works_again_after(redis_server: RedisServer) -> None:
    client = redis_server.client(socket_timeout=0.5)
    run_id = new_run_id()
    channel = RedisCommandChannel(client, run_id, poll_interval=0.01)
    redis_server.stop()
    try:
        began = time.monotonic()
        for _ in range(20):  # the poller keeps failing meanwhile: logged, never raised
            assert channel.fetch() == []
            time.sleep(0.01)
        assert time.monotonic() - began < 1.0
    finally:
        redis_server.start()
    RedisCommandChannel(redis_server.client(), run_id).send(TerminateCommand("after the restart"))
    got: list = []
    wait_until(
        lambda: bool(got.extend(channel.fetch())) or bool(got), 3, "the command sent after the restart"
    )
    channel.close()
    assert got == [TerminateCommand("after the restart")]


def test_a_run_is_paused_resumed_and_terminated_through_redis(rclient: redis.Redis) -> None:
    wf, mocks = slow_chain(delay_ms=150, length=4)
    run_id = new_run_id()
    handle = start_workflow(
        wf, {"x": "v"}, mocks=mocks, run_id=run_id, channel=RedisCommandChannel(rclient, run_id)
    )
    operator = RedisCommandChannel(rclient, run_id)  # as another process would
    operator.send(PauseCommand())
    handle.wait_paused(10)
    paused_at = len(handle.history())
    time.sleep(0.4)  # longer than a node: a paused run starts nothing
    assert len(handle.history()) == paused_at
    operator.send(ResumeCommand())
    for event in handle.events(timeout=10):
        if isinstance(event, NodeStartedEvent) and event.seq > paused_at:
            break
    operator.send(TerminateCommand("operator stop"))
    result = handle.wait(5)
    assert (result.status, result.error) == ("terminated", "operator stop")
    names = [e.name for e in handle.history()]
    assert names.index(RunPausedEvent.name) < names.index(RunResumedEvent.name)


def test_the_run_keeps_its_command_channel_through_a_redis_restart(redis_server: RedisServer) -> None:
    client = redis_server.client(socket_timeout=0.5)
    wf, mocks = slow_chain(delay_ms=30_000, length=2)
    run_id = new_run_id()
    handle = start_workflow(
        wf, {"x": "v"}, mocks=mocks, run_id=run_id, channel=RedisCommandChannel(client, run_id)
    )
    wait_until(lambda: any(isinstance(e, NodeStartedEvent) for e in handle.history()), 5, "n0 to start")
    redis_server.restart(down_for=0.5)  # the run polls a dead Redis for a while
    assert handle.status == "running"
    asked = time.monotonic()
    RedisCommandChannel(redis_server.client(), run_id).send(TerminateCommand("after the outage"))
    result = handle.wait(5)
    assert time.monotonic() - asked < 2
    assert (result.status, result.error) == ("terminated", "after the outage")


def test_send_fails_loudly_when_redis_is_unreachable(redis_server: RedisServer) -> None:
    client = redis_server.client(socket_timeout=0.5)
    redis_server.stop()
    try:
        channel = RedisCommandChannel(client, new_run_id())
        try:
            channel.send(TerminateCommand())
        except redis.ConnectionError:
            pass
        else:
            raise AssertionError("send() to a dead Redis must raise")
    finally:
        redis_server.start()
    assert json.loads(json.dumps(TerminateCommand().to_dict()))["command"] == "terminate"
