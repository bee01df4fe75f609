"""The architecture contracts of pyproject.toml ([tool.importlinter]) hold, so `pytest` alone catches
an import across a boundary (`.ci/run` also runs `lint-imports` before the tests).

Each contract is checked on its own (about 0.3 s each), so a failure names the contract and
prints import-linter's report: the importing module, the imported one and the line.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACT_IDS = [contract["id"] for contract in CONFIG["contracts"]]
#: contracts still broken while issue 13 is under way (strict: the test fails once one is kept,
#: so the entry is removed then)


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_the_contracts_are_the_rules_of_the_architecture() -> None:
    assert CONTRACT_IDS == [
        "front-ends-through-api",
        "core-without-adapters",
        "lifecycle-without-persistence",
        "engine-without-console",
    ]
    assert CONFIG["include_external_packages"] is True  # else the third-party bans check nothing


@pytest.mark.parametrize("contract", CONTRACT_IDS)
def test_contract_is_kept(contract: str) -> None:
    result = _lint("--contract", contract)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_the_front_end_contract_catches_a_deep_import_and_allows_the_api(tmp_path: Path) -> None:
    """The contract as configured, on a small tree: the ignores let engine.api through and nothing else."""
    files = {
        "engine/__init__.py": "",
        "engine/api.py": "",
        "engine/service.py": "",
        "engine/cli/__init__.py": "",
        "engine/cli/good.py": "import engine\nfrom engine import api\nfrom engine.api import Flowdeck\n",
        "engine/cli/bad.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from engine.service import Flowdeck\n"
        ),
        "desktop_app/__init__.py": "",
        "desktop_app/window.py": "from engine.api import Flowdeck\nfrom engine import service\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    contract = CONFIG["contracts"][0]
    lines = ["[tool.importlinter]", 'root_packages = ["engine", "desktop_app"]']
    lines.append("[[tool.importlinter.contracts]]")
    lines += [f"{key} = {_toml_value(value)}" for key, value in contract.items()]
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stdout
    assert "engine.cli.bad -> engine.service (l.3)" in result.stdout
    assert "desktop_app.window -> engine.service (l.2)" in result.stdout
    assert "engine.cli.good" not in result.stdout
