"""run_commands: inserted by anyone, taken once by the owner's channel, polled cheaply."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert

from engine.persistence.sql.command_channel import DatabaseCommandChannel, send_command
from engine.persistence.sql.models import RunCommandRow
from engine.scheduler.commands import Command, PauseCommand, ResumeCommand, TerminateCommand
from engine.service import Flowdeck
from tests.engine.control.conftest import node_record, workflow
from tests.support.waiting import wait_until


def statements(engine: Engine) -> tuple[list[str], Callable[[], None]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


def polled(channel: DatabaseCommandChannel) -> list[Command]:
    """What the channel fetches once its first poll is due."""
    time.sleep(channel.poll_interval or 0.0)
    return channel.fetch()


def test_commands_from_another_process_arrive_in_order_once(engine: Engine) -> None:
    send_command(engine, "run-1", PauseCommand())
    send_command(engine, "run-1", TerminateCommand("stop now"))
    send_command(engine, "run-2", ResumeCommand())  # another run's command stays
    channel = DatabaseCommandChannel(engine, "run-1", poll_interval=0.05)
    assert channel.poll_interval == 0.05
    assert channel.fetch() == []  # a new channel polls one interval after it was made
    assert polled(channel) == [PauseCommand(), TerminateCommand("stop now")]
    assert polled(channel) == []
    assert polled(DatabaseCommandChannel(engine, "run-1")) == []  # taken: nobody gets them again
    assert polled(DatabaseCommandChannel(engine, "run-2")) == [ResumeCommand()]


def test_polling_is_one_select_and_rate_limited(engine: Engine) -> None:
    channel = DatabaseCommandChannel(engine, "run-1", poll_interval=0.2)
    time.sleep(0.2)
    seen, stop = statements(engine)
    try:
        for _ in range(100):  # the dispatcher fetches whenever it wakes: only one query per interval
            assert channel.fetch() == []
    finally:
        stop()
    assert seen == ["SELECT"]  # no writes when nothing is pending


def test_local_commands_wake_the_dispatcher_without_the_database(engine: Engine) -> None:
    channel = DatabaseCommandChannel(engine, "run-1")
    woken: list[int] = []
    channel.set_wakeup(lambda: woken.append(1))
    channel.fetch()  # the first poll
    seen, stop = statements(engine)
    try:
        channel.send(TerminateCommand("local"))
        assert woken == [1]
        assert channel.fetch() == [TerminateCommand("local")]
    finally:
        stop()
    assert seen == []


def test_a_malformed_row_is_taken_and_dropped(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(RunCommandRow).values(run_id="run-1", command={"command": "explode"}, created_at=1.0)
        )
    send_command(engine, "run-1", PauseCommand())
    assert polled(DatabaseCommandChannel(engine, "run-1")) == [PauseCommand()]
    assert "unknown command 'explode'" in caplog.text
    assert polled(DatabaseCommandChannel(engine, "run-1")) == []


def test_a_closed_channel_stops_polling(engine: Engine) -> None:
    channel = DatabaseCommandChannel(engine, "run-1")
    channel.close()
    send_command(engine, "run-1", PauseCommand())
    assert polled(channel) == []
    with pytest.raises(ValueError, match="poll_interval"):
        DatabaseCommandChannel(engine, "run-1", poll_interval=0)


def test_terminate_through_another_flowdeck_on_the_same_database(any_db_url: str, tmp_path: Path) -> None:
    from engine.settings import Settings

    owner = Flowdeck(Settings(database_url=any_db_url))
    operator = Flowdeck(Settings(database_url=any_db_url))
    try:
        pid_file = tmp_path / "code.pid"
        handle = owner.start(workflow("slow_code"), {"pid_file": str(pid_file), "seconds": 60})
        wait_until(lambda: pid_file.exists(), 20, "the code node to start")
        started = time.monotonic()
        operator.terminate(handle.run_id, "operator elsewhere")
        result = handle.wait(10)
        took = time.monotonic() - started
        assert result.status == "terminated" and result.error == "operator elsewhere"
        assert took < 1.5, f"took {took:.2f} s"
        record = operator.wait_for_end(handle.run_id, 10)
        assert record.status == "terminated"
        assert node_record(operator, handle.run_id, "nap").status == "terminated"
    finally:
        owner.close()
        operator.close()
