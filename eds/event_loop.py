"""One event loop per thread, kept, for the libraries that are async only (pyhanko-certvalidator, pyHanko's
signer): ``asyncio.run`` makes and tears down a loop (a self-pipe, signal handling, three passes) at every
call, a quarter of a millisecond each time a path is validated or a PDF is signed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

_T = TypeVar("_T")
_local = threading.local()


def run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coroutine`` to its end on this thread's loop (made the first time, again after a close)."""
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coroutine)
