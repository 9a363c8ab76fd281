"""Sliding-window rate limits: in this process by default, in Redis when REDIS_URL is
set, so that several workers count together (otherwise each worker would allow
the limit on its own, and ten tries at a password would be ten per worker).

Either way a limit holds only recent times under an opaque key, forgets them within
the window, and is never written to the database.
"""

import logging
import secrets
import time
from collections import defaultdict, deque

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.errors import TooMany

log = logging.getLogger("roundtable.ratelimit")

MAX_WINDOW = 3600.0  # the longest window any limit uses: keys idle longer hold nothing


class RateLimiter:
    """In this process."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    async def check(self, key: str, limit: int, per_seconds: float, message: str) -> None:
        """Count one hit, or raise TooMany (a 429 with Retry-After) if over the limit."""
        retry_after = await self.retry_after(key, limit, per_seconds)
        if retry_after is not None:
            raise TooMany(message.format(seconds=retry_after), retry_after=retry_after)
        await self.hit(key, per_seconds)

    async def retry_after(self, key: str, limit: int, per_seconds: float) -> int | None:
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
        return _seconds_until(hits[0] + per_seconds - now)

    async def hit(self, key: str, per_seconds: float) -> None:
        now = time.monotonic()
        self._hits[key].append(now)
        if len(self._hits) > 100_000:  # forget idle keys rather than grow without bound
            for stale in [k for k, v in self._hits.items() if not v or v[-1] <= now - MAX_WINDOW]:
                del self._hits[stale]

    async def close(self) -> None:
        return None


def _seconds_until(delay: float) -> int:
    return max(1, int(delay + 0.999))


# A sorted set per key, scored by Redis's own clock (workers' clocks may differ):
# drop what is older than the window, then answer how long to wait (0: not over).
_WAIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then return '0' end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + tonumber(ARGV[1]) - now)
"""
_HIT = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[2])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1])))
return 1
"""


class RedisRateLimiter(RateLimiter):
    """Counted in Redis, shared by every worker. If Redis does not answer, the limit
    is kept by this process alone until it does (a looser limit, never none)."""

    def __init__(self, url: str, prefix: str = "rt:limit:", timeout: float = 1.0) -> None:
        super().__init__()
        self.prefix = prefix
        self._client = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        self._wait = self._client.register_script(_WAIT)
        self._hit = self._client.register_script(_HIT)
        self._warned_at = float("-inf")

    def _no_answer(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 60:  # once a minute, not once a request
            self._warned_at = now
            log.warning("rate limits: Redis did not answer (%s); counting in this process", type(exc).__name__)

    async def retry_after(self, key: str, limit: int, per_seconds: float) -> int | None:
        try:
            wait = float(await self._wait(keys=[self.prefix + key], args=[per_seconds, limit]))
        except (RedisError, OSError) as exc:
            self._no_answer(exc)
            return await super().retry_after(key, limit, per_seconds)
        return _seconds_until(wait) if wait > 0 else await super().retry_after(key, limit, per_seconds)

    async def hit(self, key: str, per_seconds: float) -> None:
        await super().hit(key, per_seconds)  # kept here too, for when Redis does not answer
        try:
            await self._hit(keys=[self.prefix + key], args=[per_seconds, secrets.token_hex(8)])
        except (RedisError, OSError) as exc:
            self._no_answer(exc)

    async def close(self) -> None:
        await self._client.aclose()


def make_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else RateLimiter()
