"""The live hub: the only code that knows about sockets.

Services publish events; the broker brings every event to every worker that has
someone in that meeting; the hub renders each event once per audience, encodes it
as one WebSocket frame, and writes that frame to each local socket of the audience
in a plain loop, without awaiting any socket. A socket that cannot take it at once
keeps a bounded backlog, drained by a sender task of its own, so a slow client
never holds up the room: when its backlog is full it is disconnected, and on
reconnect it resyncs from the snapshot.
"""

import asyncio
import contextlib
import uuid
from dataclasses import replace
import json
import logging
import math
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.live.brokers import Broker
from app.live.events import LiveEvent, meeting_topic, participant_topic
from app.live.protocol import FRAMES_EXTENSION, text_frame
from app.live.regions import (
    Audience,
    RegionCache,
    RegionContext,
    all_regions,
    is_batched,
    is_regrouping,
    regions_for,
    render_regions,
    rooms_for,
)
from app.meetings.models import Participant

log = logging.getLogger("roundtable.live")

CLOSE_SLOW = 1013  # "try again later": the client reconnects and resyncs
CLOSE_FAILED = 1011  # "internal error": the client reconnects too
CLOSE_REMOVED = 4403


# How long a region rendered for a snapshot may serve later ones (see RegionCache):
# a change that wrongly publishes no event shows on reconnecting pages after this.
SNAPSHOT_REUSE_SECONDS = 15.0
MERGE_LIMIT = 64  # pushes sent as one message when a page has fallen behind
BATCH_CROWD, BATCH_STRETCH = 25, 5  # see LiveHub.batch_interval


class Connection:
    """One open socket. A push is written to it at once when the socket can take it
    (see app/live/protocol.py), else kept in a bounded backlog that a sender task,
    started only then, drains through the ordinary ASGI send. A client whose
    backlog overflows is let go (1013) and resyncs from the snapshot on reconnect.
    Closing cancels the task serving the socket, so an idle socket costs no task
    beyond the one the server runs it in."""

    __slots__ = ("websocket", "merges", "meeting_id", "participant_id", "audience", "queue_size", "backlog",
                 "is_closed", "close_code", "held", "replayed", "serving", "cancelled_serving", "_sender",
                 "_write_frame")

    def __init__(self, websocket: WebSocket, meeting_id: int, participant_id: int, audience: Audience, queue_size: int,
                 merges: bool = True):
        self.websocket = websocket
        # Pages apply a message's fragments in order, so pushes waiting in the backlog
        # can go as one message: a page that fell behind catches up with one send,
        # not one per push. Not for the JSON event feed (one event a message).
        self.merges = merges
        self.meeting_id = meeting_id
        self.participant_id = participant_id
        self.audience = audience
        self.queue_size = queue_size
        self.backlog: deque[str] | None = None  # made when first needed: most sockets never back up
        self.is_closed = False
        self.close_code = 1000
        self.held: list[str] | None = None  # pushes kept back while its snapshot is read
        self.replayed: set[int] | frozenset[int] = frozenset()  # a feed's events already sent from the database
        self.serving: asyncio.Task | None = None
        self.cancelled_serving = False  # close() cancelled the serving task (once)
        self._sender: asyncio.Task | None = None
        extensions = getattr(websocket, "scope", {}).get("extensions") or {}
        self._write_frame: Callable[[bytes], bool] | None = (extensions.get(FRAMES_EXTENSION) or {}).get("write")

    def offer(self, text: str, frame: bytes | None = None) -> None:
        """Send without waiting; a client that cannot keep up is let go. `frame` is
        `text` already encoded (one encoding serves a whole audience)."""
        if self.is_closed:
            return
        if self.held is not None:
            self.held.append(text)
            if len(self.held) > self.queue_size:
                self.close(CLOSE_SLOW)
            return
        if not self.backlog and self._sender is None and self._write_frame is not None:
            if self._write_frame(frame if frame is not None else text_frame(text)):
                return
        if self.backlog is None:
            self.backlog = deque()
        elif len(self.backlog) >= self.queue_size:
            log.info("live: disconnecting a slow client in meeting %s", self.meeting_id)
            self.close(CLOSE_SLOW)
            return
        self.backlog.append(text)
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_backlog())

    async def _send_backlog(self) -> None:
        try:
            while self.backlog:
                text = self.backlog.popleft()
                if self.merges and self.backlog:
                    parts = [text]
                    while self.backlog and len(parts) < MERGE_LIMIT:
                        parts.append(self.backlog.popleft())
                    text = "".join(parts)
                await self.websocket.send_text(text)
        except Exception:  # the client went away mid-send
            self.close(self.close_code)
        finally:
            self._sender = None

    def close(self, code: int) -> None:
        """Let this socket go: its serving task ends, detaches and closes with `code`."""
        if self.is_closed:
            return
        self.is_closed, self.close_code = True, code
        if self._sender is not None:
            self._sender.cancel()
        try:
            current = asyncio.current_task()
        except RuntimeError:  # no event loop: nothing is serving it
            current = None
        # The serving task checks is_closed after attaching; cancelling it from within
        # would only end it as "cancelled" in the middle of its own clean-up.
        if self.serving is not None and self.serving is not current:
            self.cancelled_serving = True
            self.serving.cancel()

    def hold(self) -> bool:
        """Keep pushes back while a snapshot is read (False if already holding)."""
        if self.held is not None:
            return False
        self.held = []
        return True

    def release(self, *first: str, keep: Callable[[str], bool] | None = None) -> None:
        """Send `first` (the snapshot), then the pushes that came while it was read.
        Those were rendered after their change committed, so they are at least as new
        as the snapshot: sent before it, an older snapshot would undo them (a button
        pressed just as a page connects would seem to do nothing). `keep` drops held
        pushes the snapshot already covers (an event feed's replayed events)."""
        held, self.held = self.held or [], None
        for text in first:
            self.offer(text)
        for text in held:
            if keep is None or keep(text):
                self.offer(text)

    async def listen(self) -> None:
        """Commands come over HTTP; the socket only listens. Ignore what clients send
        (the server's size limit applies), and return when they disconnect."""
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


class LiveHub:
    def __init__(self, broker: Broker, sessionmaker: async_sessionmaker, queue_size: int = 256,
                 batch_seconds: float = 1.0, gather_seconds: float = 0.05,
                 reuse_seconds: float = SNAPSHOT_REUSE_SECONDS):
        self.broker = broker
        self.sessionmaker = sessionmaker
        # Who holds this process's sockets, in the database's presence records
        self.worker_id = uuid.uuid4().hex
        self.queue_size = queue_size
        # A batch goes out at most once per batch_seconds for each meeting; in a calm
        # meeting, gather_seconds after the first event (so one arrival shows at once).
        self.batch_seconds = batch_seconds
        self.gather_seconds = gather_seconds
        self._last_batch: dict[str, float] = {}
        # Renders of one meeting are offered in the order they read the database, so
        # the last push of a region is never older than an earlier one.
        self._render_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Batched events (see regions.batches): topic -> regions waiting, and its timer
        self._batched: dict[str, set[str]] = {}
        self._batch_timers: dict[str, asyncio.Task] = {}
        # Connections waiting for a snapshot, by what they see: one rendering serves them all
        self._snapshot_waiting: dict[tuple[int, Audience], list[asyncio.Future]] = {}
        # topic -> the meeting's regions as last rendered, while this worker hears its events
        self.reuse_seconds = reuse_seconds
        self._region_caches: dict[str, RegionCache] = {}
        # topic -> audience -> connections on this worker
        self._meetings: dict[str, dict[Audience, set[Connection]]] = defaultdict(lambda: defaultdict(set))
        # Integrations' event feeds (JSON, not HTML): topic -> connections on this worker
        self._feeds: dict[str, set[Connection]] = defaultdict(set)
        self._participants: dict[str, set[Connection]] = defaultdict(set)
        self._serving: set[asyncio.Task] = set()  # one per open socket
        self._cleanups: set[asyncio.Task] = set()  # presence updates after a socket closes

    async def start(self) -> None:
        await self.broker.start(self._on_messages, self.resync_everyone)

    async def stop(self, grace: float = 5.0) -> None:
        """Close every socket (1012, "service restart": browsers reconnect to another worker or
        after the restart) and let each one's presence update finish first."""
        self.let_everyone_reconnect()
        for timer in list(self._batch_timers.values()):
            timer.cancel()  # the sockets are closing; reconnecting pages get a snapshot
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while (pending := self._serving | self._cleanups) and loop.time() < deadline:
            await asyncio.wait(pending, timeout=deadline - loop.time())
        await self.broker.stop()

    def let_everyone_reconnect(self) -> None:
        """Close every socket with 1012 ("service restart"): browsers reconnect (htmx
        does not on 1001), here or on another worker, and are counted again."""
        for conns in [*self._participants.values(), *self._feeds.values()]:
            for conn in list(conns):
                conn.close(1012)

    def _track(self, tasks: set[asyncio.Task], task: asyncio.Task) -> None:
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    @property
    def connection_count(self) -> int:
        return sum(len(c) for c in self._participants.values())

    def local_connections(self, participant_id: int) -> int:
        """Sockets of one participant (or room display) open on this worker."""
        return len(self._participants.get(participant_topic(participant_id), ()))

    def new_connection(self, websocket: WebSocket, meeting_id: int, participant_id: int, audience: Audience | None,
                       merges: bool = True) -> Connection:
        return Connection(websocket, meeting_id, participant_id, audience, self.queue_size, merges)

    async def attach(self, conn: Connection) -> None:
        """Register a connection, subscribe, then queue its snapshot: events that race
        the snapshot are rendered from newer truth, so the client converges.

        Registered before subscribing, so a concurrent detach of the topic's last
        other socket cannot unsubscribe the topic from under it. The broker returns
        once the subscription is live (Redis: confirmed), so the snapshot, read
        afterwards, cannot miss an event published in between."""
        mtopic, ptopic = meeting_topic(conn.meeting_id), participant_topic(conn.participant_id)
        async with self.sessionmaker() as session:
            rooms = await rooms_for(session, conn.meeting_id, [conn.participant_id])
        conn.audience = replace(conn.audience, room_id=rooms.get(conn.participant_id))
        conn.hold()
        self._meetings[mtopic][conn.audience].add(conn)
        self._participants[ptopic].add(conn)
        await self.broker.subscribe(mtopic)
        if mtopic not in self._region_caches and self._meetings.get(mtopic):
            # Only now: what it keeps must be read while this worker hears every event.
            self._region_caches[mtopic] = RegionCache(self.reuse_seconds)
        await self.broker.subscribe(ptopic)
        conn.release(await self.shared_snapshot(conn.meeting_id, conn.audience))

    async def detach(self, conn: Connection) -> None:
        if conn.audience is None:  # an integration's event feed
            await self.detach_feed(conn)
            return
        mtopic, ptopic = meeting_topic(conn.meeting_id), participant_topic(conn.participant_id)
        audiences = self._meetings.get(mtopic)
        if audiences is not None:
            audiences[conn.audience].discard(conn)
            if not audiences[conn.audience]:
                del audiences[conn.audience]
            if not audiences:
                del self._meetings[mtopic]
                self._region_caches.pop(mtopic, None)  # nobody left to hear its events for
                lock = self._render_locks.get(mtopic)
                if lock is not None and not lock.locked():
                    del self._render_locks[mtopic]
                self._last_batch.pop(mtopic, None)
                if not self._feeds.get(mtopic):
                    await self.broker.unsubscribe(mtopic)
        conns = self._participants.get(ptopic)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._participants[ptopic]
                await self.broker.unsubscribe(ptopic)

    async def attach_feed(self, conn: Connection) -> None:
        """An integration's feed: every event of the meeting as JSON, from now on."""
        topic = meeting_topic(conn.meeting_id)
        self._feeds[topic].add(conn)
        await self.broker.subscribe(topic)

    async def detach_feed(self, conn: Connection) -> None:
        topic = meeting_topic(conn.meeting_id)
        feeds = self._feeds.get(topic)
        if feeds is not None:
            feeds.discard(conn)
            if not feeds:
                del self._feeds[topic]
                if not self._meetings.get(topic):
                    await self.broker.unsubscribe(topic)

    async def publish(self, event: LiveEvent) -> None:
        await self.broker.publish(event.topic, event.to_json())

    async def tell_participant(self, participant_id: int, command: str) -> None:
        """Reach every socket of one person, on whichever worker it is."""
        await self.broker.publish(participant_topic(participant_id), json.dumps({"command": command}))

    async def snapshot(self, meeting_id: int, audience: Audience) -> str:
        kept = self._region_caches.get(meeting_topic(meeting_id))
        async with self.sessionmaker() as session:
            ctx = RegionContext(session, meeting_id, audience)
            if kept is None:
                return await render_regions(ctx, all_regions())
            return await kept.render(ctx, all_regions())

    async def shared_snapshot(self, meeting_id: int, audience: Audience) -> str:
        """A snapshot read after the caller subscribed, shared with everyone else who
        asked for the same one before that reading began. When a room of 2,000
        reconnects at once (a restart, a wifi blip), the pages share a few readings
        instead of reading the whole meeting 2,000 times."""
        key = (meeting_id, audience)
        answer = asyncio.get_running_loop().create_future()
        waiting = self._snapshot_waiting.get(key)
        if waiting is None:
            self._snapshot_waiting[key] = [answer]
            self._track(self._serving, asyncio.create_task(self._read_snapshots(key)))
        else:
            waiting.append(answer)
        return await answer

    async def _read_snapshots(self, key: tuple[int, Audience]) -> None:
        while waiters := self._snapshot_waiting[key]:
            self._snapshot_waiting[key] = []  # who asks from now on waits for the next reading
            try:
                text = await self.snapshot(*key)
            except Exception as exc:  # each waiting socket fails as its own read would have
                for answer in waiters:
                    if not answer.done():
                        answer.set_exception(exc)
            else:
                for answer in waiters:
                    if not answer.done():
                        answer.set_result(text)
        del self._snapshot_waiting[key]

    async def resync_everyone(self) -> None:
        """After the broker lost messages (e.g. Redis restarted), resend every snapshot,
        and let go of anyone removed meanwhile (their "removed" command was lost too)."""
        for kept in self._region_caches.values():
            kept.forget()
        await self._close_removed()
        for topic, audiences in list(self._meetings.items()):
            meeting_id = int(topic.split(":")[1])
            for audience, conns in list(audiences.items()):
                held = [conn for conn in list(conns) if conn.hold()]
                text = await self.snapshot(meeting_id, audience)
                for conn in held:
                    conn.release(text)

    async def _close_removed(self) -> None:
        ids = [int(topic.split(":")[1]) for topic in list(self._participants)]
        if not ids:
            return
        async with self.sessionmaker() as session:
            removed = (await session.exec(
                select(Participant.id).where(col(Participant.id).in_(ids), Participant.removed == True)  # noqa: E712
            )).all()
        for participant_id in removed:
            for conn in list(self._participants.get(participant_topic(participant_id), ())):
                conn.close(CLOSE_REMOVED)

    async def _on_messages(self, run: list[tuple[str, str]]) -> None:
        """Messages that waited together (see brokers.take_run), taken topic by topic:
        each topic's in order. People's commands go first: someone removed must not
        be sent what the meeting says after their removal (closing early is safe)."""
        by_topic: dict[str, list[str]] = {}
        for topic, payload in run:
            by_topic.setdefault(topic, []).append(payload)
        for topic, payloads in sorted(by_topic.items(), key=lambda item: not item[0].startswith("participant:")):
            if topic.startswith("participant:"):
                for payload in payloads:
                    try:
                        self._on_participant_command(topic, json.loads(payload))
                    except Exception:  # one bad message must not stop the room
                        log.exception("live: could not deliver a message on %s", topic)
                continue
            events = []
            for payload in payloads:
                try:
                    events.append(LiveEvent.from_json(payload))
                except Exception:
                    log.exception("live: could not read a message on %s", topic)
            try:
                await self._on_meeting_events(topic, events)
            except Exception:
                log.exception("live: could not deliver messages on %s", topic)

    def _on_participant_command(self, topic: str, command: dict[str, Any]) -> None:
        if command.get("command") == "removed":
            for conn in list(self._participants.get(topic, ())):
                conn.close(CLOSE_REMOVED)

    async def _on_meeting_events(self, topic: str, events: list[LiveEvent]) -> None:
        kept = self._region_caches.get(topic)
        feeds = self._feeds.get(topic)
        pushes: list[tuple[tuple[str, ...], LiveEvent]] = []
        for event in events:
            names = regions_for(event.type)
            if kept is not None and names and not is_batched(event.type):
                kept.forget(names)  # first, in order of arrival: the next snapshot reads them anew
            if feeds:
                text = event.feed_json()
                frame = text_frame(text)
                for feed in list(feeds):
                    if event.seq not in feed.replayed:
                        feed.offer(text, frame)
            if not names or not self._meetings.get(topic):
                continue
            if is_batched(event.type):
                self._batch(topic, event.meeting_id, names)
            else:
                pushes.append((names, event))
        if pushes:
            await self._push(topic, pushes[0][1].meeting_id, pushes)

    async def _push(self, topic: str, meeting_id: int,
                    pushes: list[tuple[tuple[str, ...], LiveEvent | None]]) -> None:
        """Render each push's regions once per audience here, in order, then send each
        socket all its audience got as one message. `pushes` holds events that waited
        together, or one batch (event None)."""
        if not self._meetings.get(topic):
            return
        # A batch renders as a snapshot does, the truth now: snapshots may reuse it.
        # Forgotten first, so that if this push fails no snapshot reuses what it replaces.
        kept = self._region_caches.get(topic) if pushes[0][1] is None else None
        if kept is not None:
            kept.forget(pushes[0][0])
            mark, began = kept.mark(), kept.clock()
        async with self._render_locks[topic], self.sessionmaker() as session:
            audiences = self._meetings.get(topic)
            if not audiences:
                return
            outgoing: dict[Audience, list[str]] = defaultdict(list)
            try:
                for names, event in pushes:
                    if event is not None and is_regrouping(event.type):
                        self._send(outgoing, audiences)  # rendered for the rooms people were in
                        outgoing.clear()
                        await self._regroup(session, meeting_id, audiences)
                    cache: dict = {}  # audiences that see a region alike share one rendering
                    rendered: dict[Audience, str] = {}
                    try:
                        for audience in list(audiences):
                            ctx = RegionContext(session, meeting_id, audience, event=event)
                            rendered[audience] = await render_regions(ctx, names, cache)
                    except Exception:  # one push that cannot be shown must not hold back the others
                        log.exception("live: could not render %s in meeting %s",
                                      event.type if event is not None else "a batch", meeting_id)
                        await session.rollback()
                        continue
                    for audience, text in rendered.items():
                        if text:  # else nothing for this audience (e.g. another room's chat)
                            outgoing[audience].append(text)
                    if kept is not None:
                        kept.keep(mark, began, cache)
            finally:  # what was rendered goes out, even if something after it failed
                self._send(outgoing, audiences)

    @staticmethod
    def _send(outgoing: dict[Audience, list[str]], audiences: dict[Audience, set[Connection]]) -> None:
        for audience, texts in outgoing.items():
            text = texts[0] if len(texts) == 1 else "".join(texts)
            frame = text_frame(text)  # one encoding for the whole audience
            for conn in list(audiences.get(audience, ())):
                conn.offer(text, frame)

    def batch_interval(self, topic: str) -> float:
        """How long a meeting's batches wait for each other: batch_seconds, stretched
        for a big meeting (one more for each BATCH_CROWD people here, at most
        BATCH_STRETCH times), since each batch goes to everyone and "who is here"
        grows with them. 100 people arriving then cost their phones and this worker
        a "who is here" every 4 s instead of every second; a calm meeting's first
        change still goes out at once."""
        sockets = sum(len(conns) for conns in self._meetings.get(topic, {}).values())
        return self.batch_seconds * min(BATCH_STRETCH, max(1, math.ceil(sockets / BATCH_CROWD)))

    def _batch(self, topic: str, meeting_id: int, names: tuple[str, ...]) -> None:
        self._batched.setdefault(topic, set()).update(names)
        if topic not in self._batch_timers:
            now = asyncio.get_running_loop().time()
            due = max(now + self.gather_seconds, self._last_batch.get(topic, 0.0) + self.batch_interval(topic))
            self._batch_timers[topic] = asyncio.create_task(self._push_batch(topic, meeting_id, due - now))

    async def _push_batch(self, topic: str, meeting_id: int, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        finally:
            self._last_batch[topic] = asyncio.get_running_loop().time()
            # Events from here on start the next batch: this one renders what is true now.
            self._batch_timers.pop(topic, None)
            names = self._batched.pop(topic, set())
        try:
            await self._push(topic, meeting_id, [(tuple(n for n in all_regions() if n in names), None)])
        except Exception:
            log.exception("live: could not push a batch of updates on %s", topic)

    async def _regroup(self, session, meeting_id: int, audiences: dict[Audience, set[Connection]]) -> None:
        """Breakout rooms changed: move each local socket to its person's new room."""
        conns = [c for group in audiences.values() for c in group]
        rooms = await rooms_for(session, meeting_id, sorted({c.participant_id for c in conns}))
        for conn in conns:
            placed = replace(conn.audience, room_id=rooms.get(conn.participant_id))
            if placed != conn.audience:
                audiences[conn.audience].discard(conn)
                if not audiences[conn.audience]:
                    del audiences[conn.audience]
                conn.audience = placed
                audiences[placed].add(conn)


async def serve_connection(hub: LiveHub, conn: Connection, on_gone: Callable[[], Awaitable[None]],
                           attach: Callable[[], Awaitable[None]] | None = None) -> None:
    """Run one accepted socket until the client goes, falls behind or is removed.

    `attach` registers it with the hub (a page's by default). `on_gone` (presence)
    runs to the end even if this task is cancelled, as a server does to its handlers
    on shutdown: otherwise someone could stay "here"."""
    task = asyncio.current_task()
    hub._track(hub._serving, task)
    conn.serving = task
    try:
        # Inside the try: if attaching fails or is cancelled, the socket is still
        # detached and presence still updated (otherwise someone stays "here").
        await (attach() if attach is not None else hub.attach(conn))
        # Closed while attaching (its own backlog overflowed, or a cancel that an await
        # inside swallowed): do not listen to a socket nobody will close.
        if not conn.is_closed:
            await conn.listen()
    except asyncio.CancelledError:
        # End normally only when conn.close() alone cancelled it; a cancel from the
        # server itself (even in the same turn) goes on up.
        if not conn.cancelled_serving or task.uncancel() > 0:
            raise
    except (OSError, WebSocketDisconnect):
        pass  # the client went away while we were sending to it
    except Exception:
        # E.g. the database failed while the snapshot was read. Close with 1011, on
        # which the page reconnects by itself (on 1000 it would wait, frozen).
        log.exception("live: a socket in meeting %s failed", conn.meeting_id)
        conn.close_code = CLOSE_FAILED
    finally:
        conn.serving = None
        conn.close(conn.close_code)

        async def cleanup() -> None:
            await hub.detach(conn)
            with contextlib.suppress(Exception):
                await conn.websocket.close(code=conn.close_code)
            await on_gone()

        cleaning = asyncio.create_task(cleanup())
        hub._track(hub._cleanups, cleaning)
        await asyncio.shield(cleaning)
