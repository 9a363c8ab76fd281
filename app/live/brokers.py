"""Brokers carry events between workers. The hub talks only to this interface.

MemoryBroker (default) serves one process with no extra server; RedisBroker
(REDIS_URL) lets any number of workers and hosts share every meeting.
"""

from collections.abc import Awaitable, Callable
from typing import Protocol

OnMessage = Callable[[str, str], Awaitable[None]]
OnResync = Callable[[], Awaitable[None]]


class Broker(Protocol):
    async def start(self, on_message: OnMessage, on_resync: OnResync) -> None: ...
    async def stop(self) -> None: ...
    async def subscribe(self, topic: str) -> None: ...
    async def unsubscribe(self, topic: str) -> None: ...
    async def publish(self, topic: str, payload: str) -> None: ...
    async def ping(self) -> bool: ...


class MemoryBroker:
    """In-process: a publish is delivered straight to this process's hub."""

    def __init__(self) -> None:
        self._topics: set[str] = set()
        self._on_message: OnMessage | None = None

    async def start(self, on_message: OnMessage, on_resync: OnResync) -> None:
        self._on_message = on_message

    async def stop(self) -> None:
        self._on_message = None

    async def subscribe(self, topic: str) -> None:
        self._topics.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)

    async def publish(self, topic: str, payload: str) -> None:
        if self._on_message is not None and topic in self._topics:
            await self._on_message(topic, payload)

    async def ping(self) -> bool:
        return True


def make_broker(redis_url: str | None) -> Broker:
    if redis_url:
        from app.live.redis_broker import RedisBroker

        return RedisBroker(redis_url)
    return MemoryBroker()
