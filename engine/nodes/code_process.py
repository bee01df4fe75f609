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
import os, sys
_limit = int(sys.argv[1])
if _limit > 0:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (_limit, _limit))
import json
_request = json.loads(sys.stdin.buffer.read())
sys.path.extend(_request["paths"])
_result_fd = os.dup(1)
os.dup2(2, 1)
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
    _payload = json.dumps({"ok": True, "result": _main(**_request["inputs"])}, ensure_ascii=False)
except BaseException as _exc:
    _payload = json.dumps({"ok": False, "type": type(_exc).__name__, "message": str(_exc),
                           "line": _line(_exc.__traceback__)})
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
    request = json.dumps(
        {"code": code, "inputs": inputs, "paths": _SITE_PATHS}, ensure_ascii=False, default=str
    )
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
    )
    unregister = cancel.on_cancel(lambda: _kill(proc))
    try:
        stdout, stderr = proc.communicate(request.encode("utf-8", "surrogatepass"), timeout=limits.timeout_s)
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
        payload = json.loads(stdout) if stdout else None
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
