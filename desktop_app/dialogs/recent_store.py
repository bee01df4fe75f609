"""What the Run… dialog remembers: recent workflow files and the last inputs given to each.

A small JSON file, ``console-recent.json`` in the user data dir (platformdirs;
``FLOWDECK_DATA_DIR`` points elsewhere): it is state, not configuration.  Secret-looking values are never
stored: start inputs are not secrets in Dify, but an input named like a password
or token is dropped rather than written in clear text.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from engine.api import user_data_dir

log = logging.getLogger(__name__)

MAX_RECENT = 12
_SECRET_NAME = re.compile(r"pass(word)?|secret|token|api[_-]?key", re.IGNORECASE)


def default_store_path() -> Path:
    return user_data_dir() / "console-recent.json"


class RecentStore:
    """Recent files (newest first) and last inputs per workflow file; every write is atomic."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_store_path()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("%s: ignoring unreadable recent-files store (%s)", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("%s: cannot save recent files (%s)", self.path, exc)

    def recent_files(self) -> list[str]:
        files = self._read().get("recent", [])
        return [f for f in files if isinstance(f, str)]

    def last_inputs(self, workflow_path: str) -> dict[str, Any]:
        inputs = self._read().get("inputs", {}).get(_key(workflow_path), {})
        return inputs if isinstance(inputs, dict) else {}

    def last_mocks(self, workflow_path: str) -> str | None:
        mocks = self._read().get("mocks", {}).get(_key(workflow_path))
        return mocks if isinstance(mocks, str) else None

    def remember(self, workflow_path: str, inputs: dict[str, Any], mocks_path: str | None = None) -> None:
        data = self._read()
        key = _key(workflow_path)
        recent = [f for f in data.get("recent", []) if isinstance(f, str) and f != key]
        data["recent"] = [key, *recent][:MAX_RECENT]
        kept = {k: v for k, v in inputs.items() if not _SECRET_NAME.search(k)}
        data.setdefault("inputs", {})[key] = kept
        mocks = data.setdefault("mocks", {})
        if mocks_path:
            mocks[key] = mocks_path
        else:
            mocks.pop(key, None)
        self._write(data)


def _key(path: str) -> str:
    return str(Path(path).expanduser().resolve())
