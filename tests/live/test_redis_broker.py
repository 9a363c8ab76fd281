"""RedisBroker against real Redis servers (no mocks): two brokers act as two workers.

The restart tests run their own throwaway redis-server, kill it as a crash would,
and start it again on the same port. Outside CI a missing Redis skips them; with
CI=true it fails them.
"""

import asyncio
import uuid

import pytest
import redis.asyncio

from app.config import Settings
from app.live.redis_broker import RedisBroker, channel_prefix
from tests.helpers import region, text_of
from tests.live.realserver import REDIS_SERVER, redis_reachable, start_throwaway_redis, unavailable

pytestmark = pytest.mark.timeout(60)

WAIT = 10.0  # seconds: the longest any single expected thing may take


class Worker:
    """What the hub gives a broker: a message sink and a resync callback."""

    def __init__(self) -> None:
        self.messages: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.resyncs = 0
        self.resynced = asyncio.Event()

    async def on_messages(self, run: list[tuple[str, str]]) -> None:
        for message in run:
            await self.messages.put(message)

    async def on_resync(self) -> None:
        self.resyncs += 1
        self.resynced.set()

    async def next_message(self) -> tuple[str, str]:
        return await asyncio.wait_for(self.messages.get(), WAIT)


async def started(url: str, prefix: str | None = None) -> tuple[RedisBroker, Worker]:
    broker, worker = RedisBroker(url, prefix=prefix), Worker()
    await broker.start(worker.on_messages, worker.on_resync)
    await asyncio.wait_for(worker.resynced.wait(), WAIT)  # connected and listening
    worker.resynced.clear()
    return broker, worker


@pytest.fixture(scope="module")
def shared_redis() -> str:
    problem = redis_reachable(REDIS_SERVER)
    if problem:
        unavailable(problem)
    return f"{REDIS_SERVER}/0"


@pytest.fixture
def prefix() -> str:
    """Channels of their own, so runs side by side on one Redis never meet."""
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
def throwaway_redis():
    server = start_throwaway_redis()
    try:
        yield server
    finally:
        server.kill()


def test_the_database_number_keeps_deployments_apart():
    assert channel_prefix("redis://127.0.0.1:6379/3") == "rt:3:"
    assert channel_prefix("redis://127.0.0.1:6379") == "rt:0:"
    assert channel_prefix("rediss://user:pw@redis.example:6380/12") == "rt:12:"


def test_a_message_published_by_one_worker_reaches_another(shared_redis, prefix):
    async def scenario():
        a, worker_a = await started(shared_redis, prefix)
        b, worker_b = await started(shared_redis, prefix)
        try:
            await a.subscribe("meeting:1")
            await b.subscribe("meeting:2")
            await b.publish("meeting:1", '{"n": 1}')
            await a.publish("meeting:2", '{"n": 2}')
            assert await worker_a.next_message() == ("meeting:1", '{"n": 1}')
            assert await worker_b.next_message() == ("meeting:2", '{"n": 2}')
            # Each worker hears only the topics its own clients need: B was never
            # sent meeting:1. Redis delivers in order, so once this later message
            # arrives, anything on meeting:1 would have arrived before it.
            await a.publish("meeting:2", "marker")
            assert await worker_b.next_message() == ("meeting:2", "marker")
            assert worker_b.messages.empty()
            assert await a.ping() and await b.ping()
        finally:
            await a.stop()
            await b.stop()

    asyncio.run(scenario())


def test_unsubscribing_stops_delivery(shared_redis, prefix):
    async def scenario():
        a, worker_a = await started(shared_redis, prefix)
        b, _ = await started(shared_redis, prefix)
        try:
            await a.subscribe("meeting:1")
            await a.subscribe("meeting:2")
            await b.publish("meeting:1", "before")
            assert await worker_a.next_message() == ("meeting:1", "before")

            await a.unsubscribe("meeting:1")  # the last local client left
            await b.publish("meeting:1", "after")
            await b.publish("meeting:2", "marker")
            assert await worker_a.next_message() == ("meeting:2", "marker")
            assert worker_a.messages.empty(), "nothing on meeting:1 after unsubscribing"

            check = redis.asyncio.Redis.from_url(shared_redis)
            try:
                channels = {c.decode() for c in await check.pubsub_channels(f"{prefix}*")}
            finally:
                await check.aclose()
            assert f"{prefix}meeting:2" in channels and f"{prefix}meeting:1" not in channels
        finally:
            await a.stop()
            await b.stop()

    asyncio.run(scenario())


def test_concurrent_subscribe_and_unsubscribe_end_in_the_last_wish(shared_redis, prefix):
    """Request tasks subscribe and unsubscribe while the listener reads: the
    subscriptions Redis holds end up matching what was last asked for."""

    async def scenario():
        a, worker_a = await started(shared_redis, prefix)
        b, _ = await started(shared_redis, prefix)
        try:
            topics = [f"meeting:{n}" for n in range(20)]
            await asyncio.gather(*(a.subscribe(t) for t in topics))
            await asyncio.gather(*(a.unsubscribe(t) for t in topics[::2]), *(a.subscribe(t) for t in topics[1::2]))
            for topic in topics:
                await b.publish(topic, topic)
            received = {await worker_a.next_message() for _ in topics[1::2]}
            assert received == {(t, t) for t in topics[1::2]}
            await b.publish("meeting:1", "marker")
            assert await worker_a.next_message() == ("meeting:1", "marker")
            assert worker_a.messages.empty()
        finally:
            await a.stop()
            await b.stop()

    asyncio.run(scenario())


def test_a_hub_that_falls_behind_gets_a_resync_instead_of_a_backlog(shared_redis, prefix):
    """The listener keeps reading while the hub is busy; past the inbox's size the
    backlog is dropped and the hub resyncs from the database instead."""

    async def scenario():
        release = asyncio.Event()

        class Busy(Worker):
            async def on_messages(self, run: list[tuple[str, str]]) -> None:
                await release.wait()  # the hub is rendering something slow
                await super().on_messages(run)

        slow, worker = RedisBroker(shared_redis, prefix=prefix, inbox_size=5), Busy()
        await slow.start(worker.on_messages, worker.on_resync)
        await asyncio.wait_for(worker.resynced.wait(), WAIT)
        worker.resynced.clear()
        overflowed = asyncio.Event()
        queue_resync = slow._queue_resync

        def spy(why: str) -> None:
            overflowed.set()
            queue_resync(why)

        slow._queue_resync = spy
        b, _ = await started(shared_redis, prefix)
        try:
            await slow.subscribe("meeting:1")
            for n in range(20):
                await b.publish("meeting:1", str(n))
            await asyncio.wait_for(overflowed.wait(), WAIT)
            # Still reading while the hub is stuck: a new subscription is confirmed.
            await asyncio.wait_for(slow.subscribe("meeting:2"), WAIT)
            assert f"{prefix}meeting:2" not in slow._waiters, "confirmed, not given up on"
            release.set()
            await asyncio.wait_for(worker.resynced.wait(), WAIT)
            await b.publish("meeting:2", "after")
            delivered = []
            while (message := await worker.next_message()) != ("meeting:2", "after"):
                delivered.append(message)
            assert len(delivered) < 20, "the backlog was dropped, not delivered late"
        finally:
            release.set()
            await slow.stop()
            await b.stop()

    asyncio.run(scenario())


def test_after_a_redis_restart_the_broker_resubscribes_resyncs_and_delivers(throwaway_redis):
    async def scenario():
        a, worker_a = await started(throwaway_redis.url)
        b, _ = await started(throwaway_redis.url)
        try:
            await a.subscribe("meeting:7")
            await b.publish("meeting:7", "before")
            assert await worker_a.next_message() == ("meeting:7", "before")

            throwaway_redis.kill()
            # Publishing while Redis is down neither raises nor hangs the request.
            await asyncio.wait_for(b.publish("meeting:7", "during the outage"), WAIT)
            assert await a.ping() is False
            # A client arriving during the outage: its topic is subscribed on reconnect.
            await asyncio.wait_for(a.subscribe("meeting:8"), WAIT)
            assert not worker_a.resynced.is_set()

            throwaway_redis.start()
            await asyncio.wait_for(worker_a.resynced.wait(), WAIT)
            assert a.reconnects == 1

            check = redis.asyncio.Redis.from_url(throwaway_redis.url)
            try:
                channels = {c.decode() for c in await check.pubsub_channels("rt:0:meeting:*")}
            finally:
                await check.aclose()
            assert {"rt:0:meeting:7", "rt:0:meeting:8"} <= channels

            await b.publish("meeting:7", "after")
            await b.publish("meeting:8", "new topic")
            assert await worker_a.next_message() == ("meeting:7", "after")
            assert await worker_a.next_message() == ("meeting:8", "new topic")
            assert worker_a.messages.empty(), "what was published during the outage is gone (hence the resync)"
            assert await a.ping()
        finally:
            await a.stop()
            await b.stop()

    asyncio.run(scenario())


def test_a_publish_that_failed_makes_every_worker_resync_once_redis_answers(shared_redis, prefix):
    """A publish can fail while the listeners' connections stay up (here: the
    publishing worker's own Redis address is wrong for a moment). Once that worker
    can publish again it asks every worker to resend its snapshots."""

    async def scenario():
        a, worker_a = await started(shared_redis, prefix)
        b, worker_b = await started(shared_redis, prefix)
        good_client = b._client
        b._client = redis.asyncio.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
        try:
            await asyncio.wait_for(b.publish("meeting:1", "lost"), WAIT)
            assert not worker_a.resynced.is_set()
            await b._client.aclose()
            b._client = good_client
            await b.publish("meeting:1", "next")
            await asyncio.wait_for(worker_a.resynced.wait(), WAIT)
            await asyncio.wait_for(worker_b.resynced.wait(), WAIT)
        finally:
            b._client = good_client
            await a.stop()
            await b.stop()

    asyncio.run(scenario())


# --- the whole app: a member's page converges after Redis restarts ------------------


@pytest.fixture
def redis_server_for_app():
    server = start_throwaway_redis()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def settings(database_url, redis_server_for_app) -> Settings:
    """The app of tests/conftest.py, with its broker on the throwaway Redis."""
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        htmx_source="local",
        redis_url=redis_server_for_app.url,
    )


@pytest.mark.timeout(30)
def test_a_member_sees_the_database_state_after_redis_restarts(scene, client, redis_server_for_app):
    ana = scene.member("Ana")
    meeting = scene.meeting_id
    with ana.live(meeting) as socket:
        snapshot = socket.next()
        assert "Budget" not in text_of(region(snapshot, "agenda"))

        redis_server_for_app.kill()
        # The facilitator adds an item while Redis is down: saved, and the page says so.
        added = scene.facilitator.post(f"/meetings/{meeting}/agenda", {"title": "Budget"})
        assert added.status_code == 303
        assert "Budget" in scene.facilitator.get(f"/meetings/{meeting}").text
        redis_server_for_app.start()

        # The publish was lost with Redis; the snapshot resent after reconnecting
        # carries the database's state.
        resynced = socket.wait_for(lambda m: "Budget" in text_of(region(m, "agenda") or ""))
        assert region(resynced, "presence") is not None, "a full snapshot, not a single update"
        assert client.app.state.hub.broker.reconnects == 1

        # And live updates flow again.
        scene.facilitator.post(f"/meetings/{meeting}/start")
        started_ = socket.wait_for(lambda m: region(m, "meeting-status") is not None
                                   and "running now" in text_of(region(m, "meeting-status")))
        assert started_


@pytest.mark.timeout(30)
def test_someone_removed_while_redis_was_down_is_let_go_after_it_restarts(scene, redis_server_for_app):
    """The "removed" command to their sockets was lost with Redis; the resync after
    reconnecting checks the database and closes their sockets (4403)."""
    import re

    from starlette.websockets import WebSocketDisconnect

    ana = scene.member("Ana")
    meeting = scene.meeting_id
    with ana.live(meeting) as socket:
        socket.next()
        page = scene.facilitator.get(f"/meetings/{meeting}").text
        ana_id = re.search(r'id="person-(\d+)">\s*<span class="name">Ana', page).group(1)

        redis_server_for_app.kill()
        removed = scene.facilitator.post(f"/meetings/{meeting}/participants/{ana_id}/remove")
        assert removed.status_code == 303
        redis_server_for_app.start()

        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(50):  # the resync snapshot may come first; the close follows
                socket.next()
        assert closed.value.code == 4403
