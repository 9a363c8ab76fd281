"""Sliding-window rate limits: in this process by default, in Redis when REDIS_URL is
set, so that several workers count together (otherwise each worker would allow
the limit on its own, and ten tries at a password would be ten per worker).

Either way a limit holds only recent times under an opaque key, forgets them within
the window, and is never written to the database.
"""

import itertools
import logging
import secrets
import time
from collections import deque

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.errors import TooMany

log = logging.getLogger("roundtable.ratelimit")


class RateLimiter:
    """In this process."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[tuple[float, int]]] = {}
        self._windows: dict[str, float] = {}
        self._numbers = itertools.count()
        self._pruned_at = time.monotonic()

    async def check(self, key: str, limit: int, per_seconds: float, message: str) -> None:
        """Count one hit, or raise TooMany (a 429 with Retry-After) if over the limit."""
        wait, _ = await self.take(key, limit, per_seconds)
        if wait is not None:
            raise TooMany(message.format(seconds=wait), retry_after=wait)

    async def take(self, key: str, limit: int, per_seconds: float) -> tuple[int | None, str]:
        """At once, so that requests made together cannot all pass: under the limit,
        count a hit and return (None, the hit's id); over it, (seconds to wait, "")."""
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        self._windows[key] = per_seconds
        while hits and hits[0][0] <= now - per_seconds:
            hits.popleft()
        if len(hits) >= limit:
            return _seconds_until(hits[0][0] + per_seconds - now), ""
        number = next(self._numbers)
        hits.append((now, number))
        self._prune(now)
        return None, str(number)

    async def give_back(self, key: str, hit: str) -> None:
        """Uncount a hit taken before the outcome was known (a login that succeeded:
        only failures count)."""
        hits = self._hits.get(key)
        if hits and hit:
            self._hits[key] = deque(h for h in hits if h[1] != int(hit))

    def _prune(self, now: float) -> None:
        """Forget keys idle for longer than their window, now and then (not on every
        hit, which would cost a full scan each time a crowd of keys is live)."""
        if len(self._hits) < 10_000 or now - self._pruned_at < 10:
            return
        self._pruned_at = now
        for key in [k for k, v in self._hits.items() if not v or v[-1][0] <= now - self._windows[k]]:
            del self._hits[key], self._windows[key]

    async def close(self) -> None:
        return None


def _seconds_until(delay: float) -> int:
    return max(1, int(delay + 0.999))


# A sorted set per key, scored by Redis's own clock (workers' clocks may differ).
# One script checks and counts, so hits that arrive together cannot all pass.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1])))
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + tonumber(ARGV[1]) - now)
"""


class RedisRateLimiter(RateLimiter):
    """Counted in Redis, shared by every worker. If Redis does not answer, the limit
    is kept by this process alone until it does (a looser limit, never none)."""

    def __init__(self, url: str, prefix: str = "rt:limit:", timeout: float = 1.0) -> None:
        super().__init__()
        self.prefix = prefix
        self._client = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        self._take = self._client.register_script(_TAKE)
        self._warned_at = float("-inf")

    def _no_answer(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 60:  # once a minute, not once a request
            self._warned_at = now
            log.warning("rate limits: Redis did not answer (%s); counting in this process", type(exc).__name__)

    async def take(self, key: str, limit: int, per_seconds: float) -> tuple[int | None, str]:
        hit = secrets.token_hex(8)
        try:
            wait = float(await self._take(keys=[self.prefix + key], args=[per_seconds, limit, hit]))
        except (RedisError, OSError) as exc:
            self._no_answer(exc)
            local_wait, local_hit = await super().take(key, limit, per_seconds)
            return local_wait, "local:" + local_hit if local_hit else ""
        return (_seconds_until(wait), "") if wait > 0 else (None, hit)

    async def give_back(self, key: str, hit: str) -> None:
        if hit.startswith("local:"):
            await super().give_back(key, hit.removeprefix("local:"))
            return
        try:
            await self._client.zrem(self.prefix + key, hit)
        except (RedisError, OSError) as exc:
            self._no_answer(exc)

    async def close(self) -> None:
        await self._client.aclose()


def make_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else RateLimiter()
