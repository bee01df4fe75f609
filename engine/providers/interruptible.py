"""Blocking I/O that a cancel token can interrupt at once.

A blocked socket read does not wake when another thread closes its client,
so the blocking work runs in a helper thread and the caller waits on a queue
that the cancel callback also feeds.  On cancel, ``abort`` closes the
connection (ending the helper soon) and the caller gets
:class:`engine.errors.NodeCancelled` immediately.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from engine.errors import NodeCancelled
from engine.nodes.cancel import CancelToken

T = TypeVar("T")

_ITEM, _END, _ERROR, _CANCEL = "item", "end", "error", "cancel"


def iterate_interruptibly(
    source: Callable[[], Iterable[T]],
    cancel: CancelToken,
    abort: Callable[[], None],
    *,
    name: str = "flowdeck-io",
) -> Iterator[T]:
    """Yield the items of ``source()`` (run in a helper thread); raise on cancel."""
    inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def pump() -> None:
        try:
            for item in source():
                if stop.is_set():
                    return
                inbox.put((_ITEM, item))
            inbox.put((_END, None))
        except BaseException as exc:
            inbox.put((_ERROR, exc))

    def on_cancel() -> None:
        inbox.put((_CANCEL, None))
        abort()

    cancel.raise_if_cancelled()
    worker = threading.Thread(target=pump, name=name, daemon=True)
    unregister = cancel.on_cancel(on_cancel)
    worker.start()
    finished = False
    try:
        while True:
            kind, value = inbox.get()
            if kind == _ITEM:
                yield value
            elif kind == _END:
                finished = True
                return
            elif kind == _CANCEL:
                raise NodeCancelled(cancel.reason)
            else:
                if cancel.cancelled:
                    raise NodeCancelled(cancel.reason) from value
                finished = True
                raise value
    finally:
        unregister()
        stop.set()
        if not finished:
            abort()


def call_interruptibly(
    func: Callable[[], T], cancel: CancelToken, abort: Callable[[], None], *, name: str = "flowdeck-io"
) -> T:
    """``func()`` run in a helper thread; raises :class:`NodeCancelled` on cancel."""
    (result,) = list(iterate_interruptibly(lambda: [func()], cancel, abort, name=name))
    return result
