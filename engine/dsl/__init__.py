"""Loading Dify DSL documents into validated workflows."""

from engine.dsl.loader import load_workflow

__all__ = ["load_workflow"]
