"""One rate limiter per API host and process, shared by every thread that calls it.

arXiv's terms of use: at most one request every 3 seconds, one connection at a time. The graph's
search branches run in parallel threads, so spacing requests per client object is not enough: all of
them wait their turn here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class RateLimiter:
    """Requests never overlap, and each starts at least `delay` seconds after the previous one ended
    (so the API sees them at least `delay` apart, however long each one took)."""

    def __init__(self, delay: float) -> None:
        if delay < 0:
            raise ValueError(f"a rate limit delay cannot be negative ({delay}).")
        self.delay = delay
        # Reentrant: a redirect is a second request issued while the first still holds its turn.
        self._lock = threading.RLock()
        self._next_start = 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the one connection; the body is the request."""
        with self._lock:
            wait = self._next_start - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._next_start = time.monotonic() + self.delay


_limiters: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(host: str, delay: float) -> RateLimiter:
    """The process's limiter for `host`; asked again with another delay, the stricter one wins."""
    with _registry_lock:
        limiter = _limiters.get(host)
        if limiter is None:
            limiter = _limiters[host] = RateLimiter(delay)
        else:
            limiter.delay = max(limiter.delay, delay)
        return limiter
