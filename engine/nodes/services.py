"""The outside world as nodes see it: settings plus named services.

The engine builds one :class:`Services` per run (or shares one between runs)
and hands it to every node through ``ctx.services``.  Node families register
their own lazily-built services here (LLM providers, tools, retrievers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from engine.settings import Settings

ServiceFactory = Callable[["Services"], Any]

# name -> factory building the service from the settings; filled by node
# families (see engine/nodes/registry.py for the node side).
DEFAULT_FACTORIES: dict[str, str] = {
    "llm_providers": "engine.providers:build_registry",
    "tools": "engine.tools:build_registry",
    "retrievers": "engine.retrieval:build_registry",
}


class Services:
    """Settings plus named services; ``get`` builds a default one on first use."""

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        self.settings = settings if settings is not None else Settings()
        self._services: dict[str, Any] = dict(overrides)
        self._lock = threading.Lock()

    def get(self, name: str) -> Any:
        service = self._services.get(name)
        if service is not None:
            return service
        target = DEFAULT_FACTORIES.get(name)
        if target is None:
            return None
        with self._lock:
            if name not in self._services:
                import importlib

                module_name, func_name = target.split(":")
                factory: ServiceFactory = getattr(importlib.import_module(module_name), func_name)
                self._services[name] = factory(self)
            return self._services[name]

    def set(self, name: str, service: Any) -> None:
        self._services[name] = service
