"""Real concurrent transactions for the PostgreSQL race tests.

Each call runs in its own thread, so on its own database connection; a barrier
releases them together so their transactions really overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

from crm.exceptions import ApplicationError


def run_concurrently(
    calls: Sequence[Callable[[], Any]],
    *,
    refusals_as_outcomes: bool = False,
    timeout: float = 60,
) -> list[Any]:
    """Run every call at the same moment, each in its own thread and connection, and
    return what they returned, in the order they finished.

    With ``refusals_as_outcomes`` an ApplicationError a call raises is an outcome
    ``"<status>:<code>"`` (the race's losers are told why). Any other exception
    fails the test once every thread has finished, as does a thread still running
    after ``timeout`` seconds.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            result = call()
        except ApplicationError as error:
            if not refusals_as_outcomes:
                with lock:
                    errors.append(error)
                return
            result = f"{error.status_code}:{error.code}"
        except BaseException as error:  # raised in the test's thread below
            with lock:
                errors.append(error)
            return
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        raise AssertionError(f"a racing thread was still running after {timeout} s")
    if errors:
        raise BaseExceptionGroup("racing threads failed", errors)
    return outcomes
