"""What iteration and loop share: a round's result, and carrying variables back to the parent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.variables import CONVERSATION, VariablePool


@dataclass(slots=True)
class RoundResult:
    """How one round of a container ended, and the value it produced."""

    value: Any
    succeeded: bool
    error: str = ""
    error_type: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "ok": self.succeeded,
            "error": self.error,
            "error_type": self.error_type,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoundResult:
        return cls(data.get("value"), bool(data["ok"]), data.get("error", ""), data.get("error_type", ""))


def conversation_writes(before: VariablePool, after: VariablePool) -> list[tuple[tuple[str, ...], Any]]:
    """Conversation variables the body changed, as writes for the parent pool."""
    old = before.namespace(CONVERSATION)
    return [
        ((CONVERSATION, name), value)
        for name, value in after.namespace(CONVERSATION).items()
        if name not in old or old[name] != value
    ]


CONTAINER_NOT_RUNNABLE = "this node can only run inside the Flowdeck scheduler"
