"""A small in-process sliding-window rate limiter.

Kept in memory on purpose: it holds only recent times under an opaque key, forgets
them within the window, and is never written anywhere. With several workers each
keeps its own window, so the effective limit is per worker.
"""

import time
from collections import defaultdict, deque

from app.errors import TooMany

MAX_WINDOW = 3600.0  # the longest window any limit uses: keys idle longer hold nothing


class RateLimiter:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def check(self, key: str, limit: int, per_seconds: float, message: str) -> None:
        """Count one hit, or raise TooMany (a 429 with Retry-After) if over the limit."""
        retry_after = self.retry_after(key, limit, per_seconds)
        if retry_after is not None:
            raise TooMany(message.format(seconds=retry_after), retry_after=retry_after)
        self.hit(key)

    def retry_after(self, key: str, limit: int, per_seconds: float) -> int | None:
        """Seconds until `key` may have one more hit, or None if it may now. Counts
        nothing: for limits on failures only (a wrong password, not every login)."""
        now = time.monotonic()
        hits = self._hits.get(key)
        if not hits:
            return None
        while hits and hits[0] <= now - per_seconds:
            hits.popleft()
        if len(hits) < limit:
            return None
        return max(1, int(hits[0] + per_seconds - now + 0.999))

    def hit(self, key: str) -> None:
        now = time.monotonic()
        self._hits[key].append(now)
        if len(self._hits) > 100_000:  # forget idle keys rather than grow without bound
            for stale in [k for k, v in self._hits.items() if not v or v[-1] <= now - MAX_WINDOW]:
                del self._hits[stale]
