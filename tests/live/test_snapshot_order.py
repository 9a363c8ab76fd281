"""A push that arrives while a connecting page's snapshot is being read is sent
after the snapshot, never before it: the snapshot may be older, and applied last
it would undo the push (found by the browser tests: "Start the meeting", pressed
as the page connected, seemed to do nothing)."""

import pytest

from app.live.regions import Audience

pytestmark = pytest.mark.timeout(30)


def test_a_push_during_the_snapshot_is_queued_after_it(client, scene):
    hub = client.app.state.hub
    conn = hub.new_connection(None, scene.meeting_id, 10**9, Audience())
    read_snapshot = hub.snapshot

    async def snapshot_with_a_push_meanwhile(meeting_id, audience):
        text = await read_snapshot(meeting_id, audience)
        conn.offer("a push rendered after the snapshot was read")
        return text

    hub.snapshot = snapshot_with_a_push_meanwhile
    try:
        client.portal.call(hub.attach, conn)
        first, second = conn.queue.get_nowait(), conn.queue.get_nowait()
        assert 'id="meeting-status"' in first  # the snapshot
        assert second == "a push rendered after the snapshot was read"
        assert conn.queue.empty()
        conn.offer("later")  # and afterwards pushes go straight to the queue
        assert conn.queue.get_nowait() == "later"
    finally:
        hub.snapshot = read_snapshot
        client.portal.call(hub.detach, conn)


def test_pages_connecting_together_share_snapshots_read_after_they_subscribed(client, scene):
    """A crowd reconnecting at once shares readings of the meeting, but never one that
    began before a page subscribed (it could miss what happened in between)."""
    import asyncio

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

    early = [hub.new_connection(None, scene.meeting_id, 10**9 + n, Audience()) for n in range(20)]
    late = hub.new_connection(None, scene.meeting_id, 2 * 10**9, Audience())

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

    hub.snapshot = counted_snapshot
    try:
        client.portal.call(crowd_connects)
        first_snapshots = [conn.queue.get_nowait() for conn in early]
        assert first_snapshots[0].startswith("<!-- reading 1 -->")
        # Everyone who subscribed during reading 1 got one later reading, shared.
        assert {s.split(" -->")[0] for s in first_snapshots[1:]} == {"<!-- reading 2"}
        assert late.queue.get_nowait().startswith("<!-- reading 3 -->")
        assert 'id="meeting-status"' in first_snapshots[-1]
    finally:
        hub.snapshot = read_snapshot
        for conn in (*early, late):
            client.portal.call(hub.detach, conn)
