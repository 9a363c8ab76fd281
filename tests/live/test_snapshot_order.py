"""A push that arrives while a connecting page's snapshot is being read is sent
after the snapshot, never before it: the snapshot may be older, and applied last
it would undo the push (found by the browser tests: "Start the meeting", pressed
as the page connected, seemed to do nothing)."""

import asyncio

import pytest

from app.live.regions import Audience
from tests.helpers import RecordingSocket

pytestmark = pytest.mark.timeout(30)


def drained(page: RecordingSocket) -> list[str]:
    """Every message the page has been sent so far."""
    messages = []
    while not page.received.empty():
        messages.append(page.received.get_nowait())
    return messages


async def all_sent(*conns) -> None:
    """Wait until each connection's backlog has gone out (bounded by the caller)."""
    while any(conn.backlog or conn._sender is not None for conn in conns):
        await asyncio.sleep(0)


def test_a_push_during_the_snapshot_is_queued_after_it(client, scene):
    hub = client.app.state.hub
    page = RecordingSocket()
    conn = hub.new_connection(page, scene.meeting_id, 10**9, Audience())
    read_snapshot = hub.snapshot

    async def snapshot_with_a_push_meanwhile(meeting_id, audience):
        text = await read_snapshot(meeting_id, audience)
        conn.offer("a push rendered after the snapshot was read")
        return text

    hub.snapshot = snapshot_with_a_push_meanwhile
    try:
        client.portal.call(hub.attach, conn)
        client.portal.call(asyncio.wait_for, all_sent(conn), 10)
        received = "".join(drained(page))
        assert 'id="meeting-status"' in received  # the snapshot
        assert received.endswith("a push rendered after the snapshot was read")
        assert received.count("a push rendered after") == 1

        async def offer_later():
            conn.offer("later")  # and afterwards pushes go straight out
            await all_sent(conn)

        client.portal.call(asyncio.wait_for, offer_later(), 10)
        assert drained(page) == ["later"]
    finally:
        hub.snapshot = read_snapshot
        client.portal.call(hub.detach, conn)


def test_pages_connecting_together_share_snapshots_read_after_they_subscribed(client, scene):
    """A crowd reconnecting at once shares readings of the meeting, but never one that
    began before a page subscribed (it could miss what happened in between)."""
    hub = client.app.state.hub
    read_snapshot = hub.snapshot
    readings: list[int] = []
    first_reading_began = asyncio.Event()
    let_first_reading_finish = asyncio.Event()

    async def counted_snapshot(meeting_id, audience):
        readings.append(len(readings) + 1)
        number = len(readings)
        text = await read_snapshot(meeting_id, audience)
        if number == 1:
            first_reading_began.set()
            await let_first_reading_finish.wait()
        return f"<!-- reading {number} -->" + text

    early = [hub.new_connection(RecordingSocket(), scene.meeting_id, 10**9 + n, Audience()) for n in range(20)]
    late = hub.new_connection(RecordingSocket(), scene.meeting_id, 2 * 10**9, Audience())

    async def crowd_connects():
        first = asyncio.create_task(hub.attach(early[0]))
        await asyncio.wait_for(first_reading_began.wait(), 10)
        others = [asyncio.create_task(hub.attach(conn)) for conn in early[1:]]

        async def all_waiting():  # they subscribed and asked while reading 1 was still going
            while len(hub._snapshot_waiting.get((scene.meeting_id, Audience()), ())) < len(others):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(all_waiting(), 10)
        let_first_reading_finish.set()
        await asyncio.wait_for(asyncio.gather(first, *others), 10)
        await asyncio.wait_for(hub.attach(late), 10)
        await asyncio.wait_for(all_sent(*early, late), 10)

    hub.snapshot = counted_snapshot
    try:
        client.portal.call(crowd_connects)
        first_snapshots = [drained(conn.websocket)[0] for conn in early]
        assert first_snapshots[0].startswith("<!-- reading 1 -->")
        # Everyone who subscribed during reading 1 got one later reading, shared.
        assert {s.split(" -->")[0] for s in first_snapshots[1:]} == {"<!-- reading 2"}
        assert drained(late.websocket)[0].startswith("<!-- reading 3 -->")
        assert 'id="meeting-status"' in first_snapshots[-1]
    finally:
        hub.snapshot = read_snapshot
        for conn in (*early, late):
            client.portal.call(hub.detach, conn)
