"""Flowdeck's one settings object.

Read from ``FLOWDECK_*`` environment variables (nested with ``__``, e.g.
``FLOWDECK_CELERY__BROKER_URL``) and a TOML file in the user config dir
(``flowdeck.toml``; ``FLOWDECK_CONFIG_FILE`` points elsewhere).  The console's
settings dialog edits the same file.  Passwords in URLs are never printed:
use :func:`mask_url`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "flowdeck"


def user_data_dir() -> Path:
    return Path(os.environ.get("FLOWDECK_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def user_config_file() -> Path:
    explicit = os.environ.get("FLOWDECK_CONFIG_FILE")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "flowdeck.toml"


def default_database_url() -> str:
    return f"sqlite:///{user_data_dir() / 'flowdeck.db'}"


def mask_url(url: str) -> str:
    """``scheme://user:secret@host`` -> ``scheme://user:***@host``."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


class EngineSettings(BaseModel):
    worker_threads: int = Field(default=8, ge=1, le=256)
    max_steps: int = Field(default=10_000, ge=1)
    max_wall_time_s: float | None = Field(default=None, gt=0)
    max_output_bytes: int | None = Field(default=None, gt=0)
    code_timeout_s: float = Field(default=30.0, gt=0)
    code_memory_mb: int = Field(default=512, ge=16)


class CelerySettings(BaseModel):
    backend: Literal["local", "remote"] = "local"
    broker_url: str = "redis://127.0.0.1:6379/0"
    flush_interval_ms: int = Field(default=5, ge=0)
    flush_max_records: int = Field(default=5000, ge=1)
    #: longest a saved record waits for publishing while a run keeps saving
    flush_max_delay_ms: int = Field(default=250, ge=0)
    socket_timeout_s: float = Field(default=2.0, gt=0)
    # Redis redelivers an unacknowledged task after this; see engine/persistence/celery/app.py
    visibility_timeout_s: float = Field(default=900.0, gt=0)


class OwnerSettings(BaseModel):
    """The owners of running runs beat every ``heartbeat_interval_s``; one silent for longer than
    ``heartbeat_ttl_s`` is stopped by the orphan policy, which sweeps every ``sweep_interval_s``."""

    heartbeat_interval_s: float = Field(default=2.0, gt=0)
    heartbeat_ttl_s: float = Field(default=10.0, gt=0)
    sweep_interval_s: float = Field(default=3.0, ge=0)  # 0: this process never sweeps on its own


class ModelSettings(BaseModel):
    """One configured model: how to reach ``provider``/``name`` from the DSL."""

    provider: str
    name: str
    kind: Literal["openai-compatible", "mock"] = "openai-compatible"
    base_url: str = ""
    api_key: str = ""
    model: str = ""  # the name the server knows; defaults to ``name``
    timeout_s: float = 60.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLOWDECK_", env_nested_delimiter="__", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    persistence: Literal["sync", "celery"] = "sync"
    engine: EngineSettings = Field(default_factory=EngineSettings)
    celery: CelerySettings = Field(default_factory=CelerySettings)
    owners: OwnerSettings = Field(default_factory=OwnerSettings)
    models: list[ModelSettings] = Field(default_factory=list)
    #: values of secret environment variables, by name, for workflows whose graph
    #: carries them masked (replays from a record, remote workers)
    secrets: dict[str, SecretStr] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=user_config_file())
        return (init_settings, env_settings, toml)

    def find_model(self, provider: str, name: str) -> ModelSettings | None:
        for m in self.models:
            if m.name == name and (m.provider == provider or provider.endswith("/" + m.provider)):
                return m
        return None

    def masked(self) -> dict[str, Any]:
        data = self.model_dump()
        data["database_url"] = mask_url(self.database_url)
        data["celery"]["broker_url"] = mask_url(self.celery.broker_url)
        for m in data["models"]:
            if m.get("api_key"):
                m["api_key"] = "***"
        data["secrets"] = dict.fromkeys(self.secrets, "***")
        return data


_default_lock = threading.Lock()
_default: tuple[tuple[tuple[str, str], ...], Settings] | None = None


def default_settings() -> Settings:
    """The settings from the environment and the config file, read again only when
    a ``FLOWDECK_*`` variable changed (a run starts in well under a millisecond)."""
    global _default
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("FLOWDECK_")))
    with _default_lock:
        if _default is None or _default[0] != key:
            _default = (key, Settings())
        return _default[1]
