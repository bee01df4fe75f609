"""code: main() in a child process, output checks, time and memory limits, cancellation."""

from __future__ import annotations

import os
import shutil
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import DslError, NodeCancelled, NodeConfigError, NodeError
from engine.nodes import code_process
from engine.nodes.cancel import CancelToken
from engine.nodes.code import CodeNodeData
from engine.settings import EngineSettings, Settings
from engine.variables import VariablePool


def data(
    code: str, outputs: dict[str, Any], language: str = "python3", **variables: list[str]
) -> dict[str, Any]:
    return {
        "type": "code",
        "code_language": language,
        "code": textwrap.dedent(code),
        "variables": [{"variable": name, "value_selector": sel} for name, sel in variables.items()],
        "outputs": outputs,
    }


def out(**types: str) -> dict[str, Any]:
    return {name: {"type": kind, "children": None} for name, kind in types.items()}


def pool_with(**values: Any) -> VariablePool:
    pool = VariablePool()
    for name, value in values.items():
        pool.add(["start", name], value)
    return pool


def limits(timeout_s: float = 10.0, memory_mb: int = 256) -> Settings:
    return Settings(engine=EngineSettings(code_timeout_s=timeout_s, code_memory_mb=memory_mb))


def test_main_runs_with_inputs_and_typed_outputs(make_node, run_node) -> None:
    code = """
        def main(n: int, words: list, missing) -> dict:
            print("prints do not disturb the result")
            return {
                "next": n + 1,
                "joined": "-".join(words),
                "flag": missing is None,
                "info": {"count": len(words)},
                "nums": [n, n * 2.5],
                "rows": [{"w": w} for w in words],
                "tags": words,
                "bits": [True, False],
            }
    """
    outputs = out(
        next="number",
        joined="string",
        flag="boolean",
        info="object",
        nums="array[number]",
        rows="array[object]",
        tags="array[string]",
        bits="array[boolean]",
    )
    node = make_node(
        data(code, outputs, n=["start", "n"], words=["start", "words"], missing=["start", "absent"])
    )
    result = run_node(node, pool_with(n=2, words=["a", "b"]), settings=limits())
    assert result.outputs == {
        "next": 3,
        "joined": "a-b",
        "flag": True,
        "info": {"count": 2},
        "nums": [2, 5.0],
        "rows": [{"w": "a"}, {"w": "b"}],
        "tags": ["a", "b"],
        "bits": [True, False],
    }
    assert result.inputs == {"n": 2, "words": ["a", "b"], "missing": None}


def test_installed_packages_can_be_imported(make_node, run_node) -> None:
    node = make_node(
        data("import yaml\ndef main():\n    return {'v': yaml.safe_dump([1]).strip()}", out(v="string"))
    )
    assert run_node(node, settings=limits()).outputs == {"v": "- 1"}


def test_user_exception_fails_with_its_message_and_line(make_node, run_node) -> None:
    node = make_node(data("def main():\n    x = 1\n    return {'r': x / 0}", out(r="number")))
    with pytest.raises(NodeError, match=r"ZeroDivisionError: division by zero \(line 3\)") as info:
        run_node(node, settings=limits())
    assert info.value.error_type == "CodeExecutionError"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("def main(:\n    pass", "SyntaxError"),
        ("x = 1", "the code defines no function main()"),
        ("def main():\n    return 5", "main\\(\\) must return an object \\(dict\\), got number"),
        ("def main():\n    return {'r': {1, 2}}", "Object of type set is not JSON serializable"),
    ],
)
def test_broken_code(make_node, run_node, code: str, message: str) -> None:
    with pytest.raises(NodeError, match=message):
        run_node(make_node(data(code, out(r="number"))), settings=limits())


@pytest.mark.parametrize(
    ("returned", "outputs", "message"),
    [
        ("{'r': 'seven'}", out(r="number"), "Output r must be a number, got string instead"),
        ("{'r': 7}", out(r="string"), "Output r must be a string, got number instead"),
        ("{'r': 'yes'}", out(r="boolean"), "Output r must be a boolean, got string"),
        ("{'r': [1, 'x']}", out(r="array[number]"), r"Output r\[1\] must be a number"),
        ("{'r': ['a', 2]}", out(r="array[string]"), r"Output r\[1\] must be a string"),
        ("{'r': [1]}", out(r="array[object]"), r"Output r\[0\] must be an object"),
        ("{'r': 'x'}", out(r="object"), "Output r must be an object"),
        ("{}", out(r="string"), "Output r is missing"),
        ("{'r': 'a', 'extra': 1}", out(r="string"), "outputs that are not declared: extra"),
        ("{'r': 2**70}", out(r="number"), "Output variable `r` is out of range"),
        ("{'r': {'a': {'b': {'c': {'d': {'e': 1}}}}}}", out(r="object"), "Depth limit 5 reached"),
    ],
)
def test_output_checks(make_node, run_node, returned: str, outputs: dict[str, Any], message: str) -> None:
    node = make_node(data(f"def main():\n    return {returned}", outputs))
    with pytest.raises(NodeError, match=message):
        run_node(node, settings=limits())


def test_children_of_objects_are_checked(make_node, run_node) -> None:
    outputs = {"o": {"type": "object", "children": {"n": {"type": "number"}, "s": {"type": "string"}}}}
    node = make_node(data("def main():\n    return {'o': {'n': True, 's': 'x'}}", outputs))
    assert run_node(node, settings=limits()).outputs == {"o": {"n": 1, "s": "x"}}  # bool -> number, as Dify
    bad = make_node(data("def main():\n    return {'o': {'n': 'one', 's': 'x'}}", outputs))
    with pytest.raises(NodeError, match=r"Output o\.n must be a number"):
        run_node(bad, settings=limits())


def test_null_outputs_are_accepted(make_node, run_node) -> None:
    node = make_node(
        data("def main():\n    return {'a': None, 'b': None}", out(a="string", b="array[number]"))
    )
    assert run_node(node, settings=limits()).outputs == {"a": None, "b": None}


def test_timeout_kills_the_process(make_node, run_node) -> None:
    node = make_node(data("import time\ndef main():\n    time.sleep(30)\n    return {}", {}))
    started = time.monotonic()
    with pytest.raises(NodeError, match=r"timed out after 0.5 s") as info:
        run_node(node, settings=limits(timeout_s=0.5))
    assert time.monotonic() - started < 5
    assert info.value.error_type == "CodeExecutionTimeoutError"


def test_memory_limit(make_node, run_node) -> None:
    node = make_node(data("def main():\n    block = bytearray(400 * 1024 * 1024)\n    return {}", {}))
    with pytest.raises(NodeError, match="memory limit of 64 MB"):
        run_node(node, settings=limits(memory_mb=64))


def _pid_file_code(path: Path) -> str:
    return f"""
        import os, time
        def main():
            with open({str(path)!r}, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(60)
            return {{}}
    """


def _wait_for(path: Path, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.01)
    raise AssertionError("the child never started")


def test_cancel_kills_the_child_at_once(make_node, run_node, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    node = make_node(data(_pid_file_code(pid_file), {}))
    cancel = CancelToken()
    caught: list[BaseException] = []

    def work() -> None:
        try:
            run_node(node, settings=limits(timeout_s=60), cancel=cancel)
        except BaseException as exc:
            caught.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    pid = _wait_for(pid_file)
    started = time.monotonic()
    cancel.cancel("terminated by test")
    worker.join(5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 2
    assert len(caught) == 1 and isinstance(caught[0], NodeCancelled)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_cancelled_before_start_runs_nothing(make_node, run_node, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(NodeCancelled):
        run_node(make_node(data(_pid_file_code(pid_file), {})), settings=limits(), cancel=cancel)
    assert not pid_file.exists()


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


@needs_node
def test_javascript(make_node, run_node) -> None:
    code = "function main({a, b}) {\n  console.log('noise');\n  return {sum: a + b, list: [a, b]};\n}"
    node = make_node(
        data(code, out(sum="number", list="array[number]"), "javascript", a=["start", "a"], b=["start", "b"])
    )
    assert run_node(node, pool_with(a=1, b=2.5), settings=limits()).outputs == {"sum": 3.5, "list": [1, 2.5]}


@needs_node
def test_javascript_error(make_node, run_node) -> None:
    node = make_node(data("function main() { throw new RangeError('too far'); }", {}, "javascript"))
    with pytest.raises(NodeError, match="RangeError: too far"):
        run_node(node, settings=limits())


def test_javascript_without_node_is_a_clear_config_error(make_node, run_node, monkeypatch) -> None:
    monkeypatch.setattr(code_process.shutil, "which", lambda _name: None)
    node = make_node(data("function main() { return {}; }", {}, "javascript"))
    with pytest.raises(NodeConfigError, match=r"needs Node\.js"):
        run_node(node, settings=limits())


def test_selectors(make_node) -> None:
    node = make_node(data("def main(a): return {}", {}, a=["start", "a"]))
    assert node.selectors() == [("start", "a")]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"code_language": "ruby"}, "code_language"),
        ({"outputs": {"r": {"type": "array[file]"}}}, "outputs.r.type"),
        (
            {"outputs": {"r": {"type": "object", "children": {"x": {"type": "text"}}}}},
            "outputs.r.children.x.type",
        ),
        ({"variables": [{"value_selector": ["a", "b"]}]}, "variables.0.variable"),
        ({"code": None}, "code"),
    ],
)
def test_bad_configuration(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        CodeNodeData.model_validate({**data("def main(): return {}", {}), **bad})


def test_bad_configuration_in_a_workflow(load_single) -> None:
    with pytest.raises(DslError) as info:
        load_single(data("def main(): return {}", out(r="decimal")), node_id="code")
    assert (info.value.node_id, info.value.field) == ("code", "data.outputs.r.type")
