"""Pushes that waited together while the hub was busy reach each page as one message
(one write per socket instead of one per push), in order, and one that fails does
not hold back the rest."""

import asyncio

import pytest
from sqlmodel import select

from app.live import regions
from app.live.events import LiveEvent, meeting_topic
from app.live.models import MeetingEvent
from app.live.regions import MEMBERS
from tests.helpers import RecordingSocket, region, region_copies, text_of

pytestmark = pytest.mark.timeout(30)


def watching(client, scene):
    hub = client.app.state.hub
    page = RecordingSocket()
    conn = hub.new_connection(page, scene.meeting_id, 10**9, MEMBERS)
    client.portal.call(hub.attach, conn)
    client.portal.call(page.next)  # the snapshot
    return hub, conn, page


def last_event(client, meeting_id: int) -> str:
    """The meeting's latest event, as the broker carries it."""
    async def read() -> str:
        async with client.app.state.sessionmaker() as session:
            row = (await session.exec(select(MeetingEvent).where(MeetingEvent.meeting_id == meeting_id)
                                      .order_by(MeetingEvent.seq.desc()))).first()
            return LiveEvent.from_row(row).to_json()

    return client.portal.call(read)


def test_changes_made_while_the_hub_was_busy_arrive_as_one_message(client, scene, monkeypatch):
    hub, conn, page = watching(client, scene)
    real_agenda = regions._regions["agenda"]
    busy, resume = asyncio.Event(), asyncio.Event()

    async def first_push_held(ctx):
        if ctx.event is not None and not busy.is_set():
            busy.set()  # the hub is rendering the first change...
            await resume.wait()
        return await real_agenda(ctx)

    monkeypatch.setitem(regions._regions, "agenda", first_push_held)
    try:
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "First"})
        client.portal.call(asyncio.wait_for, busy.wait(), 10)
        for title in ("Second", "Third"):  # ...while these two are made
            scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda", {"title": title})
        client.portal.call(resume.set)

        first = client.portal.call(page.next)
        assert len(region_copies(first, "agenda")) == 1
        together = client.portal.call(page.next)
        copies = region_copies(together, "agenda")
        assert len(copies) == 2, "the two waiting changes came as two messages"
        assert "Third" in text_of(copies[-1])  # in order: the last one shows the latest
    finally:
        client.portal.call(hub.detach, conn)


def test_a_message_that_cannot_be_read_or_shown_does_not_hold_back_the_others(client, scene, monkeypatch):
    hub, conn, page = watching(client, scene)
    try:
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "Any other business"})
        client.portal.call(page.next)  # its push

        event = last_event(client, scene.meeting_id)
        real_agenda = regions._regions["agenda"]
        failed = []

        async def fails_once(ctx):
            if not failed:
                failed.append(True)
                raise RuntimeError("a region that cannot be shown")
            return await real_agenda(ctx)

        monkeypatch.setitem(regions._regions, "agenda", fails_once)
        topic = meeting_topic(scene.meeting_id)
        client.portal.call(hub._on_messages, [(topic, "{not an event"), (topic, event), (topic, event)])
        delivered = client.portal.call(page.next)
        assert failed, "the failing rendering was tried"
        copies = region_copies(delivered, "agenda")
        assert len(copies) == 1 and "Any other business" in text_of(copies[0])
    finally:
        client.portal.call(hub.detach, conn)


def test_someone_removed_is_not_sent_what_waited_with_their_removal(client, scene):
    """A run holding a change to the meeting and the command removing Ana: her pages
    close first, and are not sent the change."""
    import json
    import re

    from starlette.websockets import WebSocketDisconnect

    from app.live.events import participant_topic

    ana = scene.member("Ana")
    hub = client.app.state.hub
    with ana.live(scene.meeting_id) as socket:
        socket.next()
        page = scene.facilitator.get(f"/meetings/{scene.meeting_id}").text
        ana_id = int(re.search(r'id="person-(\d+)">\s*<span class="name">Ana', page).group(1))
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "Any other business"})
        socket.wait_for(lambda m: "Any other business" in text_of(region(m, "agenda") or ""))

        change = last_event(client, scene.meeting_id)
        removed = json.dumps({"command": "removed"})
        client.portal.call(hub._on_messages, [(meeting_topic(scene.meeting_id), change),
                                              (participant_topic(ana_id), removed)])
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.next()  # the close, not the change
        assert closed.value.code == 4403
