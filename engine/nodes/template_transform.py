"""template-transform: render a Jinja2 template over selected variables.

Dify renders it with plain ``jinja2.Template`` inside its code sandbox;
Flowdeck renders in-process with a :class:`~jinja2.sandbox.SandboxedEnvironment`
(no attribute access to internals, bounded ``range``).  The environment is
built once; compiled templates are cached by their text.  Output longer than
400,000 characters fails the node, as in Dify.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from jinja2 import Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from pydantic import Field

from engine.errors import NodeError
from engine.nodes.base import BaseNodeData, NodeContext, NodeResult
from engine.nodes.fields import (
    BoundVariablesNode,
    NoneAsEmptyList,
    NoneAsEmptyStr,
    VariableBinding,
)

MAX_OUTPUT_LENGTH = 400_000

_ENVIRONMENT = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=1024)
def compile_template(source: str) -> Template:
    """The compiled template for ``source`` (raises :class:`jinja2.TemplateError`)."""
    return _ENVIRONMENT.from_string(source)


class TemplateVariable(VariableBinding):
    """One ``{variable, value_selector}`` entry of the template's ``variables``."""


class TemplateTransformNodeData(BaseNodeData):
    template: NoneAsEmptyStr = ""
    variables: NoneAsEmptyList[TemplateVariable] = Field(default_factory=list)


class TemplateTransformNode(BoundVariablesNode):
    type: ClassVar[str] = "template-transform"
    data_model: ClassVar[type[BaseNodeData]] = TemplateTransformNodeData
    data: TemplateTransformNodeData

    def run(self, ctx: NodeContext) -> NodeResult:
        variables = self._variables.read(ctx.pool)
        try:
            rendered = compile_template(self.data.template).render(**variables)
        except SecurityError as exc:
            raise NodeError(
                f"template tried an operation the sandbox forbids: {exc}", error_type="TemplateRenderError"
            ) from exc
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            where = f" (line {line})" if line else ""
            raise NodeError(
                f"template error{where}: {exc.message or type(exc).__name__}",
                error_type="TemplateRenderError",
            ) from exc
        except Exception as exc:  # errors raised by the template's own expressions
            raise NodeError(
                f"template rendering failed: {type(exc).__name__}: {exc}", error_type="TemplateRenderError"
            ) from exc
        if len(rendered) > MAX_OUTPUT_LENGTH:
            raise NodeError(
                f"Output length exceeds {MAX_OUTPUT_LENGTH} characters", error_type="OutputLengthError"
            )
        return NodeResult(inputs=variables, outputs={"output": rendered})
