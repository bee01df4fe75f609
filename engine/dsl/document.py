"""The parts of a DSL document the loader needs, whatever its form.

Two forms are accepted:

- Dify's app export: ``kind: app`` (Dify itself fills a missing ``kind``),
  ``version`` (missing means ``0.1.0``, as in Dify), ``app`` with ``mode``
  ``workflow`` or ``advanced-chat``, and ``workflow.graph.{nodes, edges}``
  plus optional ``environment_variables`` / ``conversation_variables``.
- The bare graph form ``{nodes, edges}`` whose nodes carry a ``data`` mapping.

What differs between DSL versions 0.1 to 0.6 is mostly what older exports
leave out (variable sections, ``dependencies``, ``sourceHandle``, edge ids,
``error_strategy``, ``retry_config``, ``value_type`` on End outputs,
``iteration-start`` nodes); every one of those has a default here or in the
node models.  A version outside that range loads as long as the structure is
fine; a version that is not a string or a number is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DslError
from engine.graph import VariableDecl
from engine.variables.value_types import check_declared_value

SUPPORTED_MODES = frozenset({"workflow", "advanced-chat"})
ENV_TYPES = frozenset({"string", "number", "secret"})
DEFAULT_VERSION = "0.1.0"


@dataclass(slots=True)
class WorkflowDocument:
    name: str
    mode: str
    version: str
    nodes: list[Any]
    edges: list[Any]
    environment: list[VariableDecl] = field(default_factory=list)
    conversation: list[VariableDecl] = field(default_factory=list)


def split_document(document: Any, name: str) -> WorkflowDocument:
    if not isinstance(document, Mapping):
        raise DslError(_not_a_mapping(document), kind="not-a-dify-app", source=name)
    if _looks_like_graph(document):
        return WorkflowDocument(
            name=_text(document.get("name")) or _stem(name),
            mode=_mode(document.get("mode"), name, "mode"),
            version="graph",
            nodes=_list(document, "nodes", name),
            edges=_list(document, "edges", name),
            environment=_variables(
                document.get("environment_variables"), name, "environment_variables", env=True
            ),
            conversation=_variables(document.get("conversation_variables"), name, "conversation_variables"),
        )
    app = document.get("app")
    workflow = document.get("workflow")
    kind = document.get("kind")
    if kind not in (None, "app"):
        raise DslError(f"not a Dify app: kind is {kind!r}, not 'app'", kind="not-a-dify-app", source=name)
    if not isinstance(app, Mapping) and not isinstance(workflow, Mapping):
        raise DslError("not a Dify app: no kind/app/workflow section", kind="not-a-dify-app", source=name)
    if not isinstance(app, Mapping):
        raise DslError(
            "not a Dify app: the app section is missing", kind="not-a-dify-app", source=name, field="app"
        )
    version = _version(document.get("version"), name)
    mode = _mode(app.get("mode"), name, "app.mode")
    if not isinstance(workflow, Mapping):
        raise DslError(
            f"app mode {mode!r} needs a workflow section",
            kind="not-a-dify-app",
            source=name,
            field="workflow",
        )
    graph = workflow.get("graph")
    if not isinstance(graph, Mapping):
        raise DslError(
            "the workflow has no graph", kind="not-a-dify-app", source=name, field="workflow.graph"
        )
    return WorkflowDocument(
        name=_text(app.get("name")) or _stem(name),
        mode=mode,
        version=version,
        nodes=_list(graph, "nodes", name, "workflow.graph."),
        edges=_list(graph, "edges", name, "workflow.graph."),
        environment=_variables(
            workflow.get("environment_variables"), name, "environment_variables", env=True
        ),
        conversation=_variables(workflow.get("conversation_variables"), name, "conversation_variables"),
    )


def _not_a_mapping(document: Any) -> str:
    if document is None:
        return "not a Dify app: the document is empty"
    if isinstance(document, str) and "\n" not in document.strip():
        return (
            "not a Dify app: the document is a single line of text"
            " (if it is meant to be a file path, no such file exists)"
        )
    return f"not a Dify app: the document is a {type(document).__name__}, not a mapping"


def _looks_like_graph(document: Mapping[str, Any]) -> bool:
    """Dify graph nodes keep their settings under ``data``; a sketch without it is no Dify graph."""
    nodes = document.get("nodes")
    if "edges" not in document or not isinstance(nodes, list):
        return False
    return all(
        isinstance(n, Mapping) and (isinstance(n.get("data"), Mapping) or n.get("type") == "custom-note")
        for n in nodes
    )


def _version(raw: Any, name: str) -> str:
    if raw is None or raw == "":
        return DEFAULT_VERSION
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise DslError(
            f"the DSL version must be a string such as '0.5.0', not a {type(raw).__name__} ({raw!r})"[:300],
            kind="bad-field",
            source=name,
            field="version",
        )
    return str(raw).strip()


def _mode(raw: Any, name: str, where: str) -> str:
    if raw is None or raw == "":
        return "workflow"
    if not isinstance(raw, str) or raw not in SUPPORTED_MODES:
        raise DslError(
            f"app mode {raw!r} is not a workflow (expected one of {sorted(SUPPORTED_MODES)})"[:300],
            kind="unsupported-mode",
            source=name,
            field=where,
        )
    return raw


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0].strip("<>")


def _list(mapping: Mapping[str, Any], key: str, name: str, prefix: str = "") -> list[Any]:
    value = mapping.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DslError(
            f"{key} must be a list, not a {type(value).__name__}",
            kind="bad-field",
            source=name,
            field=prefix + key,
        )
    return value


def _variables(raw: Any, name: str, section: str, *, env: bool = False) -> list[VariableDecl]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DslError(
            f"must be a list, not a {type(raw).__name__}",
            kind="bad-field",
            source=name,
            field=f"workflow.{section}",
        )
    decls: list[VariableDecl] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"workflow.{section}[{index}]"
        if not isinstance(item, Mapping):
            raise DslError("a variable must be a mapping", kind="bad-field", source=name, field=where)
        var_name = item.get("name")
        if not isinstance(var_name, str) or not var_name:
            raise DslError("a variable needs a name", kind="bad-field", source=name, field=f"{where}.name")
        if var_name in seen:
            raise DslError(
                f"variable {var_name!r} is declared twice",
                kind="bad-field",
                source=name,
                field=f"{where}.name",
            )
        seen.add(var_name)
        value_type = item.get("value_type") or "string"
        if env and (not isinstance(value_type, str) or value_type not in ENV_TYPES):
            raise DslError(
                f"environment variable type {value_type!r} is not one of {sorted(ENV_TYPES)}"[:300],
                kind="bad-field",
                source=name,
                field=f"{where}.value_type",
            )
        try:
            value = check_declared_value(value_type, item.get("value"))
        except ValueError as exc:
            raise DslError(str(exc)[:300], kind="bad-field", source=name, field=f"{where}.value") from None
        except TypeError as exc:
            raise DslError(
                str(exc)[:300], kind="bad-field", source=name, field=f"{where}.value_type"
            ) from None
        decls.append(
            VariableDecl(
                name=var_name,
                value_type=str(value_type),
                value=value,
                description=_text(item.get("description")),
            )
        )
    return decls
