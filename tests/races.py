"""Run calls at the same instant from threads, each with its own test client and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable


def race(app, calls: list[Callable], *, timeout: float = 60) -> list:
    """Start every ``call(client)`` behind one barrier; their results, in the calls' order.

    The caller should ``db.session.remove()`` first, so the threads hold the only connections.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable) -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            results[index] = call(client)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results
