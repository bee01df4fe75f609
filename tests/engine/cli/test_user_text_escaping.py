"""User text (titles, workflow names, errors) is printed as text, never as rich markup."""

from __future__ import annotations

from pathlib import Path

from tests.engine.cli.conftest import Cli
from tests.engine.cli.workflows import greeting_variant, write_mocks


def test_a_title_that_looks_like_a_closing_tag_neither_crashes_nor_leaves_the_run_running(
    cli: Cli, tmp_path: Path
) -> None:
    wf = greeting_variant(tmp_path, titles={"count": "Raise [/x]"})
    mocks = write_mocks(tmp_path, {"count": {"error": "bad [bold]thing[/bold] happened"}})
    result = cli("run", str(wf), "--inputs", '{"name": "Al"}', "--mock", str(mocks))
    assert result.exit_code == 1, result.output
    assert "MarkupError" not in result.output and "Traceback" not in result.output
    assert "Raise [/x]" in result.stderr  # the live progress line, verbatim
    assert "bad [bold]thing[/bold] happened" in result.output
    code, listed = cli.json("runs")
    assert code == 0
    assert [r["status"] for r in listed["runs"]] == ["failed"]


def test_a_workflow_name_with_brackets_is_listed_and_shown(cli: Cli, tmp_path: Path) -> None:
    wf = greeting_variant(tmp_path, name="ETL [/daily]")
    code, data = cli.json("run", str(wf), "--inputs", '{"name": "Al"}')
    assert code == 0
    listed = cli("runs")
    assert listed.exit_code == 0, listed.output
    assert "ETL [/daily]" in listed.stdout
    filtered = cli("runs", "--workflow", "ETL [/daily]")
    assert filtered.exit_code == 0 and data["run_id"] in filtered.stdout
    shown = cli("show", data["run_id"])
    assert shown.exit_code == 0, shown.output
    assert "ETL [/daily]" in shown.stdout


def test_double_brackets_in_an_error_hint_survive(cli: Cli, tmp_path: Path) -> None:
    mocks = write_mocks(tmp_path, {"count": {"error": "set base_url in its [[models]] entry"}})
    wf = greeting_variant(tmp_path)
    result = cli("run", str(wf), "--inputs", '{"name": "Al"}', "--mock", str(mocks))
    assert result.exit_code == 1
    assert "its [[models]] entry" in result.stderr  # progress line
    assert "its [[models]] entry" in result.stdout  # summary
    shown = cli("show", cli.json("runs")[1]["runs"][0]["id"])
    assert "[[models]]" in shown.stdout


def test_an_output_error_during_progress_leaves_the_run_recorded(
    cli: Cli, tmp_path: Path, monkeypatch
) -> None:
    from engine.cli.progress import ProgressView

    def broken(self: ProgressView, event: object) -> None:
        raise RuntimeError("the terminal went away")

    monkeypatch.setattr(ProgressView, "event", broken)
    result = cli("run", str(greeting_variant(tmp_path)), "--inputs", '{"name": "Ada Lovelace"}')
    assert result.exit_code == 0, result.output
    assert "live progress stopped" in result.stderr and "the run goes on" in result.stderr
    code, listed = cli.json("runs")
    assert code == 0 and [r["status"] for r in listed["runs"]] == ["succeeded"]
