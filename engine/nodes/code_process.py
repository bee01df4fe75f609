"""Run a code node's ``main`` in a child process: JSON in on stdin, JSON out, killed on timeout or cancel.

Python children start as ``python -I -S -c RUNNER`` (no site import: ~15 ms)
with the parent's site-packages appended to ``sys.path`` so installed
packages still import.  The memory limit is set by the child itself with
``resource.setrlimit(RLIMIT_AS)`` before it reads its input (``preexec_fn``
is not safe in a multi-threaded engine).  Node.js children get
``--max-old-space-size`` instead (V8 cannot run under an address-space cap).
Each child leads its own process group, so a kill also reaches anything the
user code started.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from engine.errors import NodeCancelled, NodeConfigError, NodeError
from engine.nodes.cancel import CancelToken

PYTHON_RUNNER = r"""
import os, sys, marshal
_limit = int(sys.argv[1])
if _limit > 0:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (_limit, _limit))
_request = marshal.loads(sys.stdin.buffer.read())
sys.path.extend(_request["paths"])
_result_fd = os.dup(1)
os.dup2(2, 1)
_ESCAPES = {i: "\\u%04x" % i for i in range(32)}
_ESCAPES.update({34: '\\"', 92: "\\\\"})
def _json(value, out):
    if value is None or value is True or value is False:
        out.append({None: "null", True: "true", False: "false"}[value])
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            out.append({True: "Infinity", False: "-Infinity"}[value > 0] if value == value else "NaN")
        else:
            out.append(float.__repr__(value))
    elif isinstance(value, str):
        out.append('"' + value.translate(_ESCAPES) + '"')
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _json(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if key is None or key is True or key is False:
                key = {None: "null", True: "true", False: "false"}[key]
            elif isinstance(key, (int, float)):
                key = "".join(_json(key, []))
            elif not isinstance(key, str):
                raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
            if i:
                out.append(",")
            _json(key, out)
            out.append(":")
            _json(item, out)
        out.append("}")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return out
def _line(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<code>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
try:
    _ns = {"__name__": "__main__"}
    exec(compile(_request["code"], "<code>", "exec"), _ns)
    _main = _ns.get("main")
    if not callable(_main):
        raise NameError("the code defines no function main()")
    _payload = "".join(_json({"ok": True, "result": _main(**_request["inputs"])}, []))
except BaseException as _exc:
    _failure = {"ok": False, "type": type(_exc).__name__, "message": str(_exc)}
    _failure["line"] = _line(_exc.__traceback__)
    _payload = "".join(_json(_failure, []))
sys.stdout.flush()
with os.fdopen(_result_fd, "wb") as _out:
    _out.write(_payload.encode("utf-8", "surrogatepass"))
"""

JAVASCRIPT_RUNNER = r"""
const util = require('util');
const log = (...a) => process.stderr.write(util.format(...a) + '\n');
console.log = log; console.info = log; console.debug = log;
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  let payload;
  try {
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const body = request.code + '\n;return typeof main === "function" ? main : undefined;';
    const main = new Function('require', body)(require);
    if (typeof main !== 'function') throw new ReferenceError('the code defines no function main()');
    let result = main(request.inputs);
    if (result && typeof result.then === 'function') result = await result;
    payload = JSON.stringify({ok: true, result: result === undefined ? null : result});
  } catch (e) {
    const type = (e && e.name) || 'Error';
    payload = JSON.stringify({ok: false, type, message: String((e && e.message) || e), line: null});
  }
  process.stdout.write(payload, () => process.exit(0));
});
"""

_SITE_PATHS = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]


@dataclass(frozen=True, slots=True)
class Limits:
    timeout_s: float
    memory_mb: int


def run_code(language: str, code: str, inputs: dict[str, Any], limits: Limits, cancel: CancelToken) -> Any:
    """``main(**inputs)``'s return value, or a :class:`NodeError` saying why there is none."""
    cancel.raise_if_cancelled()
    command = _command(language, limits)
    request = _request(language, code, inputs)
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    unregister = cancel.on_cancel(lambda: _kill(proc))
    try:
        stdout, stderr = proc.communicate(request, timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        if cancel.cancelled:
            raise NodeCancelled(cancel.reason) from None
        raise NodeError(
            f"code execution timed out after {limits.timeout_s:g} s", error_type="CodeExecutionTimeoutError"
        ) from None
    except BaseException:
        _kill(proc)
        proc.communicate()
        raise
    finally:
        unregister()
    if cancel.cancelled:
        raise NodeCancelled(cancel.reason)
    return _result(proc.returncode, stdout, stderr, limits)


def _request(language: str, code: str, inputs: dict[str, Any]) -> bytes:
    """The child's stdin: marshal for Python (nothing to import there), JSON for Node.js."""
    text = json.dumps(inputs, ensure_ascii=False, default=_plain)
    if language != "python3":
        return json.dumps({"code": code, "inputs": json.loads(text)}, ensure_ascii=False).encode()
    return marshal.dumps({"code": code, "inputs": json.loads(text), "paths": _SITE_PATHS})


def _plain(value: Any) -> Any:
    """Inputs that JSON cannot hold (file objects, dataclasses) as dicts, else text."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(value)


def _command(language: str, limits: Limits) -> list[str]:
    if language == "python3":
        return [sys.executable, "-I", "-S", "-c", PYTHON_RUNNER, str(limits.memory_mb * 1024 * 1024)]
    node = shutil.which("node")
    if node is None:
        raise NodeConfigError(
            "code_language 'javascript' needs Node.js: install it so that `node` is on the PATH",
            error_type="CodeLanguageUnavailableError",
        )
    return [node, f"--max-old-space-size={limits.memory_mb}", "-e", JAVASCRIPT_RUNNER]


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _result(returncode: int, stdout: bytes, stderr: bytes, limits: Limits) -> Any:
    try:
        payload = json.loads(stdout.decode("utf-8", "surrogatepass")) if stdout else None
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        detail = f": {' | '.join(tail)}" if tail else ""
        if returncode == -signal.SIGKILL or b"MemoryError" in stderr or b"out of memory" in stderr:
            raise NodeError(
                f"code process died (exit {returncode}); it may have exceeded its memory limit of "
                f"{limits.memory_mb} MB{detail}",
                error_type="CodeExecutionError",
            )
        raise NodeError(
            f"code process exited with status {returncode}{detail}", error_type="CodeExecutionError"
        )
    if payload.get("ok"):
        return payload.get("result")
    kind, message = payload.get("type", "Error"), payload.get("message", "")
    if kind == "MemoryError":
        message = f"code exceeded its memory limit of {limits.memory_mb} MB"
    line = payload.get("line")
    where = f" (line {line})" if line else ""
    raise NodeError(f"{kind}: {message}{where}", error_type="CodeExecutionError")
