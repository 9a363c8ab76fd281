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
