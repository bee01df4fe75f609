"""document-extractor: the text of files (plain text, Markdown, JSON, CSV, HTML, PDF).

Input is a file variable or ``sys.files``: one file or a list of files, each a
dict as described in :mod:`engine.tools.files` (``path`` or inline
``content``).  Output ``text`` is a string for one file and a list of strings
for a list.  JSON is pretty-printed, CSV becomes a Markdown table, HTML its
visible text, PDF its extracted text (pypdf).  Other types fail the node.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from typing import Any, ClassVar

from pydantic import Field

from engine.errors import NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import StrList
from engine.tools.files import file_extension, file_mime_type, file_name, is_file, read_bytes
from engine.variables import Selector, as_selector

TEXT_EXTENSIONS = frozenset(
    {".txt", ".text", ".md", ".markdown", ".mdx", ".log", ".yaml", ".yml", ".xml", ".ini", ".toml", ".rst"}
)
MIME_EXTENSIONS = {
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/json": ".json",
    "text/csv": ".csv",
    "text/html": ".html",
    "application/pdf": ".pdf",
}


class DocumentExtractorNodeData(BaseNodeData):
    variable_selector: StrList = Field(min_length=2)


def decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16") if content[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def csv_to_markdown(text: str) -> str:
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [
        [cell.replace("|", "\\|").replace("\n", " ") for cell in r] + [""] * (width - len(r)) for r in rows
    ]
    lines = ["| " + " | ".join(rows[0]) + " |", "| " + " | ".join(["---"] * width) + " |"]
    lines.extend("| " + " | ".join(r) + " |" for r in rows[1:])
    return "\n".join(lines)


class _HtmlText(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(text: str) -> str:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


def pdf_to_text(content: bytes, name: str) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a dependency
        raise NodeError(
            "PDF extraction needs the 'pypdf' package (pip install pypdf)", "UnsupportedFileType"
        ) from None
    try:
        reader = PdfReader(io.BytesIO(content))
        return "\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except (PdfReadError, ValueError, KeyError) as exc:
        raise NodeError(f"cannot read PDF {name!r}: {exc}", "FileError") from exc


def extract_text(file: dict[str, Any]) -> str:
    name = file_name(file)
    ext = file_extension(file) or MIME_EXTENSIONS.get(file_mime_type(file), "")
    content = read_bytes(file)
    if ext in TEXT_EXTENSIONS:
        return decode(content)
    if ext == ".json":
        try:
            return json.dumps(json.loads(decode(content)), indent=2, ensure_ascii=False)
        except json.JSONDecodeError as exc:
            raise NodeError(f"file {name!r} is not valid JSON: {exc}", "FileError") from exc
    if ext == ".csv":
        return csv_to_markdown(decode(content))
    if ext in (".html", ".htm"):
        return html_to_text(decode(content))
    if ext == ".pdf":
        return pdf_to_text(content, name)
    raise NodeError(
        f"file {name!r}: type {ext or file_mime_type(file)!r} is not supported "
        "(text, markdown, JSON, CSV, HTML and PDF are)",
        "UnsupportedFileType",
    )


class DocumentExtractorNode(Node):
    type: ClassVar[str] = "document-extractor"
    data_model: ClassVar[type[BaseNodeData]] = DocumentExtractorNodeData
    data: DocumentExtractorNodeData

    def selectors(self) -> list[Selector]:
        return [as_selector(self.data.variable_selector)]

    def run(self, ctx: NodeContext) -> NodeResult:
        selector = as_selector(self.data.variable_selector)
        value = ctx.pool.get(selector)
        where = ".".join(selector)
        if value is None:
            raise NodeError(f"variable {where} is empty: no file to extract", "FileError")
        if isinstance(value, list):
            bad = [i for i, f in enumerate(value) if not is_file(f)]
            if bad:
                raise NodeError(f"variable {where}: item {bad[0]} is not a file", "FileError")
            texts = [extract_text(f) for f in value]
            return NodeResult(inputs={"files": [file_name(f) for f in value]}, outputs={"text": texts})
        if not is_file(value):
            raise NodeError(f"variable {where} is not a file (got {type(value).__name__})", "FileError")
        return NodeResult(inputs={"files": [file_name(value)]}, outputs={"text": extract_text(value)})
