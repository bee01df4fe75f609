"""`flowdeck --help` and the command modules load without SQLAlchemy, Alembic or Celery.

Wall-clock times are measured by benchmarks/cli_startup.py, not here: this checks the
import graph that makes them short.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("sqlalchemy", "alembic", "celery", "kombu", "redis", "pydantic_settings")
#: what importing the CLI may load of the engine: the package, its public face (whose names
#: load on first use), and the two leaves the commands name at import time (statuses, queues)
LIGHT_ENGINE = ["engine", "engine.api", "engine.queues", "engine.status"]


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT, check=True
    )
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_importing_the_cli_imports_no_database_broker_or_engine_core() -> None:
    loaded = _modules_after("import engine.cli")
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == []
    core = sorted(m for m in loaded if m.split(".")[0] == "engine" and not m.startswith("engine.cli"))
    assert core == LIGHT_ENGINE


def test_help_lists_every_command_without_loading_them() -> None:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom engine.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output\n"
        "names = ('run', 'watch', 'terminate', 'pause', 'resume', 'replay', 'runs')\n"
        "assert all(c in r.output for c in names)"
    )
    loaded = _modules_after(code)
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY) == []


def test_the_engine_package_still_exports_its_api() -> None:
    import engine

    assert engine.run_workflow is engine.run.run_workflow
    assert set(engine.__all__) <= set(dir(engine)) | set(engine._LAZY)


def test_the_worker_default_queues_are_the_queues_runs_and_records_are_sent_to() -> None:
    from typer.testing import CliRunner

    from engine.cli import app
    from engine.persistence.celery.app import STORAGE_QUEUE
    from engine.remote.tasks import RUN_QUEUE

    result = CliRunner().invoke(app, ["worker", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"{RUN_QUEUE},{STORAGE_QUEUE}" in result.output
