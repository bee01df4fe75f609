"""Ids for node executions, made without a system call.

``uuid.uuid4()`` reads ``os.urandom``: a system call that releases the GIL in
the dispatcher's hot path, and any other busy thread (a record writer, a
flusher) then holds it for a whole switch interval.  A 128-bit random number
from :mod:`random` (seeded from the OS once per process) is as unique for ids
and stays in the interpreter.  Formatted as a version-4 UUID in hex.
"""

from __future__ import annotations

import os
import random

_random = random.Random()  # private: user code calling random.seed() cannot make ids repeat
os.register_at_fork(after_in_child=_random.seed)  # forked workers must not share the sequence


def new_id() -> str:
    bits = _random.getrandbits(128)
    bits = (bits & ~(0xF << 76)) | (4 << 76)  # version 4
    bits = (bits & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return f"{bits:032x}"
