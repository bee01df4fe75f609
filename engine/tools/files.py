"""File values as nodes pass them around (http-request, tools, document-extractor).

A file is a plain, JSON-ready dict::

    {"filename": "report.pdf", "extension": ".pdf", "mime_type": "application/pdf",
     "size": 1234, "path": "/abs/path/report.pdf", "transfer_method": "local_file"}

Readers also accept ``local_path`` for ``path`` and an inline ``content``
(bytes or text) instead of a path, so callers may pass ``sys.files`` built by
hand.  Files that nodes produce (HTTP responses, tool output) are written
under ``<data dir>/files/`` (``FLOWDECK_DATA_DIR`` moves it).
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.errors import NodeError
from engine.settings import user_data_dir


def is_file(value: Any) -> bool:
    return isinstance(value, Mapping) and any(k in value for k in ("path", "local_path", "content"))


def file_name(file: Mapping[str, Any]) -> str:
    name = file.get("filename") or file.get("name")
    if name:
        return str(name)
    path = file.get("path") or file.get("local_path")
    return Path(str(path)).name if path else "file"


def file_extension(file: Mapping[str, Any]) -> str:
    ext = str(file.get("extension") or Path(file_name(file)).suffix or "")
    if not ext and file.get("mime_type"):
        ext = mimetypes.guess_extension(str(file["mime_type"])) or ""
    ext = ext.lower()
    return ext if not ext or ext.startswith(".") else "." + ext


def file_mime_type(file: Mapping[str, Any]) -> str:
    mime = file.get("mime_type")
    if mime:
        return str(mime)
    return mimetypes.guess_type(file_name(file))[0] or "application/octet-stream"


def read_bytes(file: Mapping[str, Any]) -> bytes:
    """The file's content; :class:`NodeError` if it names nothing readable."""
    content = file.get("content")
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    path = file.get("path") or file.get("local_path")
    if not path:
        url = file.get("url") or file.get("remote_url")
        hint = f" (remote file {url} is not fetched: download it first)" if url else ""
        raise NodeError(f"file {file_name(file)!r} has neither a path nor content{hint}", "FileError")
    try:
        return Path(str(path)).read_bytes()
    except OSError as exc:
        raise NodeError(f"cannot read file {path}: {exc.strerror or exc}", "FileError") from exc


def files_dir() -> Path:
    return user_data_dir() / "files"


def save_bytes(content: bytes, filename: str, mime_type: str) -> dict[str, Any]:
    """Store ``content`` as a new file value."""
    safe = Path(filename).name or "file"
    folder = files_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe
    path.write_bytes(content)
    return {
        "filename": safe,
        "extension": path.suffix.lower(),
        "mime_type": mime_type,
        "size": len(content),
        "path": str(path),
        "transfer_method": "local_file",
    }
