"""Worker threads that run node attempts and never touch run state."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

Job = Callable[[], None]


class WorkerPool:
    """A fixed-size pool that starts threads on demand (idle runs cost no threads).

    Container nodes (iteration, loop) block while their body runs, so they get a
    thread of their own (:meth:`spawn`) and never hold a pool worker.
    """

    def __init__(self, size: int, name: str = "flowdeck-worker") -> None:
        self._size = size
        self._name = name
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            if self._idle == 0 and len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            else:
                self._idle -= 1
        self._jobs.put(job)

    def spawn(self, job: Job, name: str) -> threading.Thread:
        thread = threading.Thread(target=job, name=name, daemon=True)
        thread.start()
        return thread

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job()  # jobs catch their own errors
            with self._lock:
                self._idle += 1

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._jobs.put(None)
