"""Bad input on the command line: one clear message naming the place, exit code 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.output import dumps
from tests.engine.cli.conftest import Cli
from tests.engine.cli.workflows import GREETING, number_echo, write_mocks


def _one_paragraph(result) -> str:
    assert "Traceback" not in result.output
    return " ".join(result.stderr.split())


def test_a_binary_inputs_file_is_refused_by_name(cli: Cli, tmp_path: Path) -> None:
    blob = tmp_path / "inputs.bin"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    result = cli("run", str(GREETING), "--inputs", f"@{blob}")
    assert result.exit_code == 2
    message = _one_paragraph(result)
    assert f"{blob}: the inputs file is not UTF-8 text" in message
    assert "UnicodeDecodeError" not in result.output


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_timeout_must_be_positive(cli: Cli, value: str) -> None:
    result = cli("run", str(GREETING), "--inputs", '{"name": "Al"}', f"--timeout={value}")
    assert result.exit_code == 2, result.output
    assert "--timeout" in _one_paragraph(result) and "must be a positive number" in result.stderr


@pytest.mark.parametrize(
    ("inputs", "needle"),
    [
        ('{"x": NaN}', "NaN is not a finite number"),
        ('{"x": Infinity}', "Infinity is not a finite number"),
        ('{"x": -Infinity}', "-Infinity is not a finite number"),
        ('{"x": 1e999}', "1e999 is out of range"),
        ('{"x": "NaN"}', "input 'x' must be a finite number"),
        ('{"x": "1e999"}', "input 'x' must be a finite number"),
    ],
)
def test_non_finite_numbers_are_refused(cli: Cli, tmp_path: Path, inputs: str, needle: str) -> None:
    result = cli("run", str(number_echo(tmp_path)), "--inputs", inputs, "--json")
    assert result.exit_code == 2, result.output
    assert needle in _one_paragraph(result)
    assert result.stdout == ""
    assert cli.json("runs")[1]["total"] == 0  # nothing started


def test_a_finite_number_input_runs_and_prints_strict_json(cli: Cli, tmp_path: Path) -> None:
    code, data = cli.json("run", str(number_echo(tmp_path)), "--inputs", '{"x": "2.5"}')
    assert code == 0 and data["outputs"] == {"x": 2.5}


def test_json_output_is_strict_even_for_non_finite_values() -> None:
    text = dumps({"a": float("nan"), "b": [float("inf"), 1.5], "c": "ok"})
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict constant {c}")) == {
        "a": None,
        "b": [None, 1.5],
        "c": "ok",
    }


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "mock file not found"),
        (b"count: [unclosed\n", "the mock file is not valid YAML/JSON"),
        (b"\xff\xfe\x00binary", "the mock file is not UTF-8 text"),
        (b"- just\n- a list\n", "mocks must be a mapping"),
        (b"count: {outputs: 3}\n", "count"),
    ],
)
def test_mock_file_problems_name_the_file(
    cli: Cli, tmp_path: Path, content: bytes | None, needle: str
) -> None:
    path = tmp_path / "mocks.yml"
    if content is not None:
        path.write_bytes(content)
    result = cli("run", str(GREETING), "--inputs", '{"name": "Al"}', "--mock", str(path))
    assert result.exit_code == 2, result.output
    message = _one_paragraph(result)
    assert str(path) in message and needle in message


UNREACHABLE = "postgresql://ana:s3cret@127.0.0.1:1/flowdeck"


@pytest.mark.parametrize(
    "args",
    [
        ["run", str(GREETING), "--inputs", '{"name": "Al"}'],
        ["runs"],
        ["show", "abc"],
        ["watch", "abc"],
        ["db", "upgrade"],
    ],
)
def test_an_unreachable_database_is_one_line_and_exit_code_4(cli: Cli, args: list[str]) -> None:
    result = cli(*args, env={"FLOWDECK_DATABASE_URL": UNREACHABLE})
    assert result.exit_code == 4, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "error: cannot open the run database postgresql://ana:***@127.0.0.1:1/flowdeck"
    )
    assert "s3cret" not in result.output and "Traceback" not in result.output


def test_a_broker_url_with_the_local_backend_is_warned_about(cli: Cli) -> None:
    result = cli(
        "runs",
        env={"FLOWDECK_CELERY__BROKER_URL": "redis://127.0.0.1:6390/0", "FLOWDECK_PERSISTENCE": "celery"},
    )
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "'local'" in result.stderr
    assert "FLOWDECK_CELERY__BACKEND=remote" in " ".join(result.stderr.split())
    quiet = cli("runs")
    assert "warning" not in quiet.stderr


def test_missing_mock_spec_for_unknown_keys_still_runs(cli: Cli, tmp_path: Path) -> None:
    mocks = write_mocks(tmp_path, {"count": {"outputs": {"letters": 4}}})
    code, data = cli.json("run", str(GREETING), "--inputs", '{"name": "Al"}', "--mock", str(mocks))
    assert code == 0 and data["outputs"]["note"] == "A short and sweet name (4 letters)."
