"""The limiter that every thread of a process shares for one API host."""

from __future__ import annotations

import itertools
import threading
import time

from sovereign_graph.sources.rate_limit import RateLimiter, shared_limiter


def test_turns_never_overlap_and_are_spaced_by_the_delay_across_threads() -> None:
    limiter, spans, lock = RateLimiter(0.05), [], threading.Lock()

    def request() -> None:
        with limiter.turn():
            started = time.monotonic()
            time.sleep(0.01)
            with lock:
                spans.append((started, time.monotonic()))

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans.sort()
    assert len(spans) == 4
    for (_, previous_end), (start, _) in itertools.pairwise(spans):
        assert start - previous_end >= 0.05 - 0.002


def test_one_limiter_per_host_and_the_stricter_delay_wins() -> None:
    first = shared_limiter("limiter-test.example:1", 0.5)
    assert shared_limiter("limiter-test.example:1", 3.0) is first and first.delay == 3.0
    assert shared_limiter("limiter-test.example:1", 0.1).delay == 3.0
    assert shared_limiter("limiter-test.example:2", 0.1) is not first
