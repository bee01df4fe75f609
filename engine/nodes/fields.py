"""Field types shared by the node data models, and the ``variables`` bindings of code/template nodes.

Dify exports often hold ``null`` where a value is optional; these
``Annotated`` types say once how such a field reads it (each is a pydantic
``BeforeValidator``, so constraints such as ``Field(min_length=1)`` still
apply to the converted value).  Generic ones take the item type:
``NoneAsEmptyList[CodeVariable]``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from engine.nodes.base import BaseNodeData, Node
from engine.variables import Selector, VariablePool, as_selector

T = TypeVar("T")


def none_as(empty: Any) -> BeforeValidator:
    """``None`` becomes ``empty`` (a fresh copy); any other value is validated as given."""

    def convert(value: Any) -> Any:
        return copy.copy(empty) if value is None else value

    return BeforeValidator(convert)


def falsy_as(default: Any) -> BeforeValidator:
    """``None``, ``""`` and other falsy values become ``default`` (a fresh copy)."""

    def convert(value: Any) -> Any:
        return value or copy.copy(default)

    return BeforeValidator(convert)


def _items_as_text(value: Any) -> Any:
    return [str(v) for v in value] if isinstance(value, list) else value


def _none_or_items_as_text(value: Any) -> Any:
    return _items_as_text([] if value is None else value)


def _any_items_as_text(value: Any) -> Any:
    return [str(v) for v in value or []]


def _none_or_text(value: Any) -> Any:
    return "" if value is None else str(value)


#: ``None`` -> ``""``
NoneAsEmptyStr = Annotated[str, none_as("")]
#: ``None`` -> ``""``; anything else -> ``str(value)``
NoneAsEmptyText = Annotated[str, BeforeValidator(_none_or_text)]
#: ``None`` -> ``[]``
NoneAsEmptyList = Annotated[list[T], none_as([])]
#: ``None`` -> ``{}``
NoneAsEmptyDict = Annotated[dict[str, Any], none_as({})]
#: a nested section: ``None`` -> ``{}``, i.e. every default of the section's model
NoneAsDefaults = Annotated[T, none_as({})]
#: a list's items become ``str`` (``[sys, 1]`` -> ``["sys", "1"]``); other values are validated as given
StrList = Annotated[list[str], BeforeValidator(_items_as_text)]
#: as :data:`StrList`, and ``None`` -> ``[]``
NoneAsEmptyStrList = Annotated[list[str], BeforeValidator(_none_or_items_as_text)]
#: any falsy value -> ``[]``; otherwise every item (of any iterable) becomes ``str``
LooseStrList = Annotated[list[str], BeforeValidator(_any_items_as_text)]


class VariableBinding(BaseModel):
    """One ``{variable, value_selector}`` entry of a node's ``variables``."""

    model_config = ConfigDict(extra="allow")
    variable: str
    value_selector: NoneAsEmptyList[str] = Field(default_factory=list)


class VariableBindings:
    """A node's ``variables`` bound once: the selectors it declares and the values it reads."""

    __slots__ = ("_pairs",)

    def __init__(self, variables: Iterable[VariableBinding]) -> None:
        self._pairs: list[tuple[str, Selector]] = [
            (v.variable, as_selector(v.value_selector)) for v in variables
        ]

    def selectors(self) -> list[Selector]:
        return [selector for _, selector in self._pairs if selector]

    def read(self, pool: VariablePool) -> dict[str, Any]:
        """``{variable: value}``; a missing variable (or an empty selector) reads as ``None``."""
        return {name: pool.get(selector) for name, selector in self._pairs}


class BoundVariablesNode(Node):
    """A node whose data has ``variables: [{variable, value_selector}]`` (code, template-transform)."""

    def __init__(self, node_id: str, data: BaseNodeData) -> None:
        super().__init__(node_id, data)
        self._variables = VariableBindings(data.variables)  # type: ignore[attr-defined]

    def selectors(self) -> list[Selector]:
        return self._variables.selectors()


__all__ = [
    "BoundVariablesNode",
    "LooseStrList", "NoneAsDefaults", "NoneAsEmptyDict", "NoneAsEmptyList", "NoneAsEmptyStr",
    "NoneAsEmptyStrList", "NoneAsEmptyText", "StrList", "VariableBinding", "VariableBindings",
    "falsy_as", "none_as",
]  # fmt: skip
