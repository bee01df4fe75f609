"""document-extractor: text of text, markdown, JSON, CSV, HTML and PDF files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import NodeError
from engine.nodes.document_extractor import DocumentExtractorNodeData, csv_to_markdown, html_to_text
from engine.variables import VariablePool
from tests.engine.nodes.external_node_support import Harness, build_node


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica (xref offsets computed)."""
    content = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def extract(value: Any) -> Any:
    pool = VariablePool()
    pool.add(("start", "doc"), value)
    node = build_node({"type": "document-extractor", "variable_selector": ["start", "doc"]})
    return Harness(pool=pool).run(node).outputs["text"]


def test_text_and_markdown_files_from_a_path(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("# Title\n\nbody ✓", encoding="utf-8")
    assert extract({"path": str(note)}) == "# Title\n\nbody ✓"
    assert extract({"content": b"plain", "filename": "a.txt"}) == "plain"


def test_json_is_pretty_printed() -> None:
    assert extract({"content": '{"a":[1,2]}', "filename": "d.json"}) == '{\n  "a": [\n    1,\n    2\n  ]\n}'


def test_csv_becomes_a_markdown_table() -> None:
    text = extract({"content": "name,qty\napple,3\npear|x,\n", "mime_type": "text/csv", "filename": "f"})
    assert text == "| name | qty |\n| --- | --- |\n| apple | 3 |\n| pear\\|x |  |"
    assert csv_to_markdown("") == ""


def test_html_gives_visible_text() -> None:
    html = "<html><head><title>t</title><style>p{}</style></head><body><h1>Hi</h1><p>one <b>two</b></p>"
    html += "<script>x()</script></body></html>"
    assert html_to_text(html) == "Hi\none two"
    assert extract({"content": html, "filename": "page.html"}) == "Hi\none two"


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(minimal_pdf("Hello PDF"))
    assert extract({"path": str(pdf), "mime_type": "application/pdf"}) == "Hello PDF"


def test_a_broken_pdf_fails_clearly() -> None:
    with pytest.raises(NodeError, match=r"cannot read PDF 'x\.pdf'"):
        extract({"content": b"%PDF-1.4 garbage", "filename": "x.pdf"})


def test_a_list_of_files_gives_a_list_of_texts() -> None:
    files = [{"content": "a", "filename": "a.txt"}, {"content": "[1]", "filename": "b.json"}]
    assert extract(files) == ["a", "[\n  1\n]"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"content": b"\x00", "filename": "img.png"}, "'.png' is not supported"),
        ("just text", "is not a file"),
        (None, "is empty"),
        ([{"content": "a", "filename": "a.txt"}, 3], "item 1 is not a file"),
        ({"path": "/nonexistent/x.txt"}, "cannot read file"),
        (
            {"filename": "r.txt", "url": "https://x/r.txt", "path": None, "content": None},
            "neither a path nor content",
        ),
    ],
)
def test_bad_inputs_fail_with_a_clear_error(value: Any, message: str) -> None:
    with pytest.raises(NodeError, match=message):
        extract(value)


def test_sys_files_can_be_the_input() -> None:
    pool = VariablePool(system={"files": [{"content": "from sys", "filename": "s.txt"}]})
    node = build_node({"type": "document-extractor", "variable_selector": ["sys", "files"]})
    assert node.selectors() == [("sys", "files")]
    assert Harness(pool=pool).run(node).outputs["text"] == ["from sys"]


def test_bad_configuration_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        DocumentExtractorNodeData.model_validate(
            {"type": "document-extractor", "variable_selector": ["only"]}
        )
    assert info.value.errors()[0]["loc"] == ("variable_selector",)
