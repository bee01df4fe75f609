"""Fixtures of the CLI tests: a private SQLite database and config per test, a CliRunner helper."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from engine.cli import app


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        "FLOWDECK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "FLOWDECK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "FLOWDECK_DATA_DIR": str(tmp_path / "data"),
    }


class Cli:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(app, list(args), env={**self.env, **(env or {})})

    def json(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, Any]:
        result = self(*args, "--json", env=env)
        try:
            return result.exit_code, json.loads(result.stdout)
        except json.JSONDecodeError:
            raise AssertionError(
                f"not JSON (exit {result.exit_code}): {result.output} {result.exception!r}"
            ) from None


@pytest.fixture
def cli(cli_env: dict[str, str]) -> Cli:
    return Cli(cli_env)
