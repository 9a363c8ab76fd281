"""Brokers carry events between workers. The hub talks only to this interface.

MemoryBroker (default) serves one process with no extra server; RedisBroker
(REDIS_URL) lets any number of workers and hosts share every meeting.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("roundtable.live")

# A run: messages that waited together, in the order they came, as (topic, payload).
# Handed over at once, so the hub can send a meeting's pushes that piled up while
# it was busy as one message to each page (one write per socket, not one per push).
OnMessages = Callable[[list[tuple[str, str]]], Awaitable[None]]
OnResync = Callable[[], Awaitable[None]]
RUN_LIMIT = 64  # messages in one run: a run's pushes are rendered before any is sent


def take_run(inbox: asyncio.Queue, first: tuple[str, str] | None) -> tuple[list[tuple[str, str]], bool]:
    """`first` and what waits behind it in `inbox`, without waiting for more, up to
    RUN_LIMIT. Stops at a resync marker (None), and says whether it took one."""
    run: list[tuple[str, str]] = []
    item = first
    while item is not None:
        run.append(item)
        if len(run) >= RUN_LIMIT or inbox.empty():
            return run, False
        item = inbox.get_nowait()
    return run, True


async def hand_over(run: list[tuple[str, str]], resync: bool, on_messages: OnMessages | None,
                    on_resync: OnResync | None) -> None:
    """Give the hub a run, then the resync that was queued behind it. A failure is
    logged, never raised: one bad run must not stop every later one."""
    try:
        if run and on_messages is not None:
            await on_messages(run)
    except Exception:
        log.exception("live: the hub could not handle %d message(s)", len(run))
    try:
        if resync and on_resync is not None:
            await on_resync()
    except Exception:
        log.exception("live: the hub could not resync its pages")


class Broker(Protocol):
    async def start(self, on_messages: OnMessages, on_resync: OnResync) -> None: ...
    async def stop(self) -> None: ...
    async def subscribe(self, topic: str) -> None: ...
    async def unsubscribe(self, topic: str) -> None: ...
    async def publish(self, topic: str, payload: str) -> None: ...
    async def ping(self) -> bool: ...


class MemoryBroker:
    """In-process: a publish is queued for this process's hub and delivered, in order,
    by one task, as the Redis broker's listener does. The request that published
    returns at once instead of waiting for the whole room to be sent its push."""

    LIMIT = 10_000  # deliveries waiting; past it they are dropped and every page resyncs

    def __init__(self) -> None:
        self._topics: set[str] = set()
        self._on_messages: OnMessages | None = None
        self._on_resync: OnResync | None = None
        # (topic, payload), or None: deliveries were dropped, resend every snapshot
        self._waiting: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue()
        self._delivering: asyncio.Task | None = None

    async def start(self, on_messages: OnMessages, on_resync: OnResync) -> None:
        self._on_messages, self._on_resync = on_messages, on_resync
        self._delivering = asyncio.create_task(self._deliver(), name="live-deliveries")

    async def stop(self) -> None:
        self._on_messages = None
        if self._delivering is not None:
            self._delivering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivering

    async def subscribe(self, topic: str) -> None:
        self._topics.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)

    async def publish(self, topic: str, payload: str) -> None:
        if self._on_messages is None:
            return
        if self._waiting.qsize() >= self.LIMIT:
            # The hub has fallen far behind (as the Redis broker's inbox limit): drop
            # what waits and resync everyone from the database, the truth.
            log.warning("live: %s deliveries waiting; dropping them and resyncing every page", self.LIMIT)
            while not self._waiting.empty():
                self._waiting.get_nowait()
            self._waiting.put_nowait(None)
        self._waiting.put_nowait((topic, payload))

    async def _deliver(self) -> None:
        while True:
            run, resync = take_run(self._waiting, await self._waiting.get())
            # Subscriptions are checked on delivery: a page that subscribed after the
            # publish but before this turn reads its snapshot after it anyway.
            run = [(topic, payload) for topic, payload in run if topic in self._topics]
            await hand_over(run, resync, self._on_messages, self._on_resync)

    async def ping(self) -> bool:
        return True


def make_broker(redis_url: str | None) -> Broker:
    if redis_url:
        from app.live.redis_broker import RedisBroker

        return RedisBroker(redis_url)
    return MemoryBroker()
