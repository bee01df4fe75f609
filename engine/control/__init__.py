"""Operator control of runs from outside their process: identity, liveness, the keeper thread."""

from engine.control.identity import OwnerIdentity, pid_alive
from engine.control.keeper import ControlKeeper

__all__ = ["ControlKeeper", "OwnerIdentity", "pid_alive"]
