"""RedisBroker: Redis pub/sub between workers, with redis-py's asyncio client.

Each worker subscribes only to the topics its own clients need (the hub calls
subscribe for every socket it attaches and unsubscribe when a topic's last local
socket goes). One listener task per worker owns the reading side of a dedicated
pub/sub connection and hands every message to the hub.

How it behaves when Redis goes away (Redis pub/sub keeps nothing for absent
subscribers; the database is the truth):

- The listener notices (a read fails, or a heartbeat PING gets no answer), drops
  the connection and reconnects with capped exponential backoff (0.1 s doubling
  to 5 s). On the new connection it subscribes to every current topic, waits until
  Redis has confirmed them (a PING queued behind the SUBSCRIBE), and only then
  calls `on_resync`: the hub resends every local client's snapshot, rendered from
  the database after the subscriptions are live, so nothing published meanwhile
  can be missed.
- `publish` never raises and never hangs a request: the change is already
  committed. It logs, and remembers that it owes the other workers a resync: as
  soon as Redis answers again it publishes one message on a control channel that
  every worker listens to, and every worker resends its snapshots. (A Redis
  restart makes every worker resync anyway; this also covers a publish that failed
  while the subscribers' connections stayed up.)
- `subscribe` waits until Redis confirms the subscription (bounded), so the hub's
  snapshot, taken afterwards, cannot miss an event published in between. While
  Redis is down it returns at once: the resync after reconnecting covers it.

Concurrency: redis-py's PubSub is not safe for concurrent commands, and its own
retry-and-resubscribe would reconnect behind our back (and without telling us that
messages were lost). So the pub/sub connection runs with redis-py's retries turned
off, every command written to it (SUBSCRIBE, UNSUBSCRIBE, PING) is sent under one
asyncio.Lock, only the listener task reads from it, and only the listener replaces
it. A request task that finds no healthy connection leaves the work to the listener.
The listener never waits for the hub: messages reach the hub in order through an
inbox drained by a dispatcher task, so confirmations and heartbeats are read at
once while the hub renders. A hub that falls 10,000 messages behind has the backlog
dropped and resyncs instead (as if Redis had disconnected a slow subscriber).

Channels: Redis pub/sub ignores the database number in REDIS_URL, so two
deployments sharing one Redis would hear each other's meetings. Channels are
therefore prefixed with `rt:<db>:` (e.g. `rt:0:meeting:7`), so a database number
keeps deployments apart, as people expect of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import RedisError

from app.live.brokers import OnMessages, OnResync, hand_over, take_run

log = logging.getLogger("roundtable.live.redis")

CONTROL = "_control"  # topic every worker listens to, e.g. "resync"
RESYNC_MARK = "roundtable-resubscribed"
HEARTBEAT_MARK = "roundtable-heartbeat"
_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


def channel_prefix(url: str) -> str:
    """`rt:<db>:`, from the database number in the URL path (0 when absent)."""
    path = urlsplit(url).path.strip("/")
    return f"rt:{path if path.isdigit() else '0'}:"


class RedisBroker:
    def __init__(
        self,
        url: str,
        *,
        prefix: str | None = None,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
        heartbeat: float = 10.0,
        command_timeout: float = 2.0,
        inbox_size: int = 10_000,
    ) -> None:
        self.url = url
        self.prefix = channel_prefix(url) if prefix is None else prefix
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.heartbeat = heartbeat
        self.command_timeout = command_timeout
        # Publishing and PING: short timeouts, a couple of quick retries (a pooled
        # connection may be stale after a Redis restart; a duplicated PUBLISH only
        # re-renders the truth once more).
        self._client = Redis.from_url(
            url,
            socket_connect_timeout=command_timeout,
            socket_timeout=command_timeout,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
        )
        # The pub/sub connection: no retries inside redis-py; the listener owns reconnecting.
        # Bytes, not decode_responses: with decoding on, redis-py misreads the answer
        # to a PING on a subscribed connection (it expects bytes there).
        self._sub_client = Redis.from_url(
            url,
            socket_connect_timeout=command_timeout,
            socket_timeout=command_timeout,
            retry=Retry(NoBackoff(), 0, supported_errors=()),
        )
        self._on_messages: OnMessages | None = None
        self._on_resync: OnResync | None = None
        self._wanted: set[str] = set()  # channels local clients need
        self._sent: set[str] = set()  # channels SUBSCRIBEd on the current connection
        self._waiters: dict[str, deque[asyncio.Future]] = {}  # one per SUBSCRIBE not yet confirmed
        self._lock = asyncio.Lock()  # serialises every command written to the pub/sub connection
        self._pubsub: PubSub | None = None  # the current healthy connection, if any
        self._listener: asyncio.Task | None = None
        # The listener only reads; a dispatcher hands messages to the hub in order. So
        # subscription confirmations and heartbeats are read at once even while the hub
        # renders. If the hub falls inbox_size messages behind, the backlog is dropped
        # and the hub resyncs (what a Redis disconnect of a slow subscriber would do).
        self._inbox: asyncio.Queue = asyncio.Queue(maxsize=inbox_size)
        self._resync_queued = False
        self._dispatcher: asyncio.Task | None = None
        self._first_attempt = asyncio.Event()
        self._owe_resync = False
        self._resync_reason = "connected to Redis"
        self.reconnects = 0  # how many times the listener re-established the connection

    # --- the Broker interface ---------------------------------------------------

    async def start(self, on_messages: OnMessages, on_resync: OnResync) -> None:
        self._on_messages, self._on_resync = on_messages, on_resync
        self._wanted.add(self._channel(CONTROL))
        self._dispatcher = asyncio.create_task(self._dispatch(), name="redis-broker-dispatcher")
        self._listener = asyncio.create_task(self._listen(), name="redis-broker-listener")
        # Give the first connection a moment, so a worker that reports ready is
        # listening; if Redis is down the listener keeps trying (and /readyz says so).
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._first_attempt.wait(), self.command_timeout + 1)

    async def stop(self) -> None:
        for task in (self._listener, self._dispatcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._listener = self._dispatcher = None
        await self._drop_connection()
        for client in (self._client, self._sub_client):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.aclose(), self.command_timeout)

    async def subscribe(self, topic: str) -> None:
        channel = self._channel(topic)
        self._wanted.add(channel)
        async with self._lock:
            if channel not in self._wanted:  # the last local client left meanwhile
                return
            waiters = self._waiters.get(channel)
            if channel in self._sent:
                waiter = waiters[-1] if waiters else None
            else:
                pubsub = self._healthy()
                if pubsub is None:
                    return  # the listener subscribes on reconnecting, then everyone resyncs
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.setdefault(channel, deque()).append(waiter)
                try:
                    await asyncio.wait_for(pubsub.subscribe(channel), self.command_timeout)
                except _ERRORS as exc:
                    self._connection_failed(pubsub, exc)
                    return
                self._sent.add(channel)
        if waiter is not None:
            try:
                await asyncio.wait_for(asyncio.shield(waiter), self.command_timeout)
            except asyncio.TimeoutError:
                # Sent in order on the connection, so Redis has almost surely applied it;
                # the listener is busy delivering earlier messages. Go on.
                log.warning("live: no confirmation of a subscription within %.1f s (listener busy?)",
                            self.command_timeout)

    async def unsubscribe(self, topic: str) -> None:
        channel = self._channel(topic)
        self._wanted.discard(channel)
        async with self._lock:
            if channel in self._wanted or channel not in self._sent:
                return
            self._sent.discard(channel)
            pubsub = self._healthy()
            if pubsub is None:
                return  # a new connection will not subscribe to it
            try:
                await asyncio.wait_for(pubsub.unsubscribe(channel), self.command_timeout)
            except _ERRORS as exc:
                self._connection_failed(pubsub, exc)

    async def publish(self, topic: str, payload: str) -> None:
        """Never raises, and waits at most command_timeout: the change is committed;
        clients resync when Redis is back. While this worker's listener is known to be
        cut off, it does not even try (a Redis host that drops packets would otherwise
        cost every request the full timeout)."""
        if self._pubsub is None and self._first_attempt.is_set():
            self._owe_resync = True
            return
        try:
            await asyncio.wait_for(self._client.publish(self._channel(topic), payload), self.command_timeout)
        except _ERRORS as exc:
            self._owe_resync = True
            log.warning("live: could not publish to Redis (%s); clients will resync when it is back",
                        type(exc).__name__)
            return
        if self._owe_resync:
            await self._request_resync()

    async def ping(self) -> bool:
        """Ready when Redis answers and this worker is listening."""
        try:
            answered = await asyncio.wait_for(self._client.ping(), self.command_timeout)
        except _ERRORS as exc:
            log.warning("live: Redis did not answer a ping (%s)", type(exc).__name__)
            return False
        return bool(answered) and self._pubsub is not None

    # --- the listener ---------------------------------------------------------------

    def _channel(self, topic: str) -> str:
        return self.prefix + topic

    def _healthy(self) -> PubSub | None:
        pubsub = self._pubsub
        if pubsub is None or pubsub.connection is None or not pubsub.connection.is_connected:
            return None
        return pubsub

    def _connection_failed(self, pubsub: PubSub, exc: BaseException) -> None:
        """A command failed: stop using this connection; the listener replaces it."""
        log.warning("live: Redis pub/sub command failed (%s)", type(exc).__name__)
        if self._pubsub is pubsub:
            self._pubsub = None

    async def _listen(self) -> None:
        """Connect, read until the connection fails, wait, reconnect. The wait starts
        at backoff_initial and doubles up to backoff_max with every failure in a row
        (a connection that held for a minute resets it), so a Redis that accepts and
        drops connections cannot spin this loop."""
        loop = asyncio.get_running_loop()
        delay = self.backoff_initial
        connected_before = False
        while True:
            try:
                pubsub = await self._connect()
            except Exception as exc:  # the listener must outlive anything Redis does
                self._first_attempt.set()
                log.warning("live: cannot reach Redis (%s); retrying in %.1f s", type(exc).__name__, delay,
                            exc_info=not isinstance(exc, _ERRORS))
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
                continue
            self._first_attempt.set()
            if connected_before:
                self.reconnects += 1
                log.info("live: reconnected to Redis; resubscribed to %d channels", len(self._sent))
            self._resync_reason = "reconnected to Redis" if connected_before else "connected to Redis"
            connected_before = True
            connected_at = loop.time()
            try:
                await self._read(pubsub)
            except Exception as exc:
                log.warning("live: lost the Redis pub/sub connection (%s); reconnecting", type(exc).__name__,
                            exc_info=not isinstance(exc, _ERRORS))
            finally:
                await self._drop_connection()
            if loop.time() - connected_at > 60:
                delay = self.backoff_initial
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)

    async def _connect(self) -> PubSub:
        pubsub = self._sub_client.pubsub()
        try:
            await asyncio.wait_for(pubsub.connect(), self.command_timeout)
            async with self._lock:
                channels = sorted(self._wanted)
                # Every channel gets an answer; the PING's answer comes after all of
                # them, and then the subscriptions are live and it is safe to resync.
                await asyncio.wait_for(pubsub.subscribe(*channels), self.command_timeout)
                await asyncio.wait_for(pubsub.ping(RESYNC_MARK), self.command_timeout)
                self._sent = set(channels)
                self._pubsub = pubsub
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), self.command_timeout)
            raise
        return pubsub

    async def _drop_connection(self) -> None:
        async with self._lock:
            pubsub, self._pubsub = self._pubsub, None
            self._sent = set()
            # Subscriptions in flight will never be confirmed on this connection:
            # let their callers go (the resync after reconnecting covers them).
            for waiters in self._waiters.values():
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(False)
            self._waiters.clear()
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), self.command_timeout)

    async def _read(self, pubsub: PubSub) -> None:
        """Read until the connection fails. After a heartbeat of silence, PING; no
        answer within another heartbeat means the connection is dead (half-open).
        Reads wake at least once a second, to notice a command that failed in a
        request task (redis-py's parser keeps partial reads across a timeout)."""
        loop = asyncio.get_running_loop()
        heard = loop.time()
        pinged: float | None = None
        while True:
            if self._pubsub is not pubsub:
                raise ConnectionError("a command on this connection failed")
            message = await pubsub.get_message(timeout=min(1.0, self.heartbeat))
            now = loop.time()
            if message is not None:
                heard, pinged = now, None
                await self._handle(message)
                continue
            if pinged is not None and now - pinged > self.heartbeat:
                raise asyncio.TimeoutError("no answer to a heartbeat")
            if pinged is None and now - heard > self.heartbeat:
                async with self._lock:
                    await asyncio.wait_for(pubsub.ping(HEARTBEAT_MARK), self.command_timeout)
                pinged = now
            if self._owe_resync:
                await self._request_resync()

    async def _handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "message":
            channel, data = message["channel"].decode(), message["data"].decode()
            if channel == self._channel(CONTROL):
                if data == "resync":
                    self._queue_resync("another worker could not publish")
                return
            if channel.startswith(self.prefix):
                try:
                    self._inbox.put_nowait((channel[len(self.prefix):], data))
                except asyncio.QueueFull:
                    log.warning("live: the hub fell %d messages behind; dropping them and resyncing",
                                self._inbox.qsize())
                    self._empty_inbox()
                    self._queue_resync("the hub fell behind")
        elif kind == "subscribe":
            channel = message["channel"].decode()
            waiters = self._waiters.get(channel)
            if waiters:
                waiter = waiters.popleft()
                if not waiter.done():
                    waiter.set_result(True)
                if not waiters:
                    del self._waiters[channel]
        elif kind == "pong" and message.get("data") == RESYNC_MARK.encode():
            if self._owe_resync:
                await self._request_resync()
            self._queue_resync(self._resync_reason)

    def _queue_resync(self, why: str) -> None:
        """Resync after what is already queued for the hub (one pending at a time)."""
        if self._resync_queued:
            return
        log.info("live: resending every snapshot (%s)", why)
        self._resync_queued = True
        try:
            self._inbox.put_nowait(None)
        except asyncio.QueueFull:
            self._empty_inbox()
            self._inbox.put_nowait(None)

    def _empty_inbox(self) -> None:
        while not self._inbox.empty():
            self._inbox.get_nowait()
        self._resync_queued = False

    async def _dispatch(self) -> None:
        """Hand messages to the hub in the order Redis sent them: each time, all that
        waited (see take_run), then the resync if one was queued behind them."""
        while True:
            run, resync = take_run(self._inbox, await self._inbox.get())
            if resync:
                self._resync_queued = False  # a request from now on queues another one
            await hand_over(run, resync, self._on_messages, self._on_resync)

    async def _request_resync(self) -> None:
        """Tell every worker (this one too) to resend its snapshots."""
        try:
            await asyncio.wait_for(self._client.publish(self._channel(CONTROL), "resync"), self.command_timeout)
        except _ERRORS:
            return  # still owed; tried again later
        self._owe_resync = False
