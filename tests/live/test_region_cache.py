"""Snapshots reuse what the last one rendered (RegionCache), and never serve a region
older than the last event that changed it."""

import asyncio
from collections import Counter

import pytest
from sqlalchemy import update

from app.live import regions
from app.live.events import meeting_topic
from app.live.regions import FACILITATORS, MEMBERS, RegionCache
from app.meetings.models import AgendaItem
from tests.helpers import RecordingSocket, opens_a_page, region, region_copies, text_of

pytestmark = pytest.mark.timeout(30)


# --- the cache alone -----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_what_is_kept_is_reused_until_it_changes_or_grows_old():
    clock = Clock()
    cache = RegionCache(max_age=15.0, clock=clock)
    agenda, status = ("agenda", False, (False,)), ("status", False, (False,))
    cache.keep(cache.mark(), clock(), {agenda: "<agenda v1>", status: "<status v1>"})
    assert cache.usable(clock()) == {agenda: "<agenda v1>", status: "<status v1>"}

    cache.forget(("agenda",))
    assert cache.usable(clock()) == {status: "<status v1>"}

    clock.now += 15.0
    assert cache.usable(clock()) == {}  # a change with no event shows after max_age at worst

    cache.keep(cache.mark(), clock(), {agenda: "<agenda v2>"})
    cache.forget()
    assert cache.usable(clock()) == {}


def test_a_region_read_before_it_changed_is_not_kept_but_the_rest_of_the_reading_is():
    clock = Clock()
    cache = RegionCache(max_age=15.0, clock=clock)
    agenda, status = ("agenda", False, (False,)), ("status", False, (False,))
    mark, began = cache.mark(), clock()
    cache.forget(("agenda",))  # the agenda changed while the reading was under way
    cache.keep(mark, began, {agenda: "<agenda, maybe from before the change>", status: "<status>"})
    assert cache.usable(clock()) == {status: "<status>"}

    mark = cache.mark()
    cache.forget()  # everything may have changed (a resync)
    cache.keep(mark, began, {status: "<status, maybe old>"})
    assert cache.usable(clock()) == {}


def test_an_older_reading_does_not_replace_a_newer_one():
    clock = Clock()
    cache = RegionCache(max_age=15.0, clock=clock)
    key = ("agenda", False, (False,))
    cache.keep(cache.mark(), 105.0, {key: "<newer>"})
    cache.keep(cache.mark(), 101.0, {key: "<older>"})
    assert cache.usable(clock()) == {key: "<newer>"}


# --- through the hub, with the real regions and database --------------------------------


@pytest.fixture
def snapshot_renders(monkeypatch):
    """How often each region was rendered as a snapshot renders it (without an event)."""
    counts: Counter[str] = Counter()
    for name, renderer in list(regions._regions.items()):
        def counted(ctx, name=name, renderer=renderer):
            if ctx.event is None:
                counts[name] += 1
            return renderer(ctx)

        monkeypatch.setitem(regions._regions, name, counted)
    return counts


def agenda_text(message: str) -> str:
    return text_of(region(message, "agenda") or "")


def test_a_page_connecting_after_a_change_sees_it_and_reuses_the_rest(scene, snapshot_renders):
    ana, ben, cat = scene.member("Ana"), scene.member("Ben"), scene.member("Cat")
    with ana.live(scene.meeting_id) as ana_page:
        ana_page.next()
        assert snapshot_renders["agenda"] == snapshot_renders["status"] == 1
        with ben.live(scene.meeting_id) as ben_page:
            assert "Welcome" in agenda_text(ben_page.next())
        assert snapshot_renders["agenda"] == snapshot_renders["status"] == 1  # Ben's snapshot reused Ana's

        scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "Any other business"})
        ana_page.wait_for(lambda m: "Any other business" in agenda_text(m))
        with cat.live(scene.meeting_id) as cat_page:
            assert "Any other business" in agenda_text(cat_page.next())
        assert snapshot_renders["agenda"] == 2  # read anew after the change
        assert snapshot_renders["status"] == 1  # unchanged, reused


def attached(client, hub, meeting_id: int, audience, number: int):
    page = RecordingSocket()
    conn = hub.new_connection(page, meeting_id, 10**9 + number, audience)
    client.portal.call(hub.attach, conn)
    return conn, page


def test_a_reading_under_way_during_a_change_is_not_reused(client, scene, monkeypatch):
    """A snapshot that read the agenda just before it changed is sent (the change's push
    follows it), but the next page must not be given that reading."""
    hub = client.app.state.hub
    watcher, watcher_page = attached(client, hub, scene.meeting_id, MEMBERS, 1)
    client.portal.call(watcher_page.next)  # the snapshot

    real_agenda = regions._regions["agenda"]
    read, resume = asyncio.Event(), asyncio.Event()
    calls = [0]

    async def agenda_read_then_held(ctx):
        calls[0] += 1
        text = await real_agenda(ctx)
        if calls[0] == 1:  # the racing snapshot: it has read the old agenda
            read.set()
            await resume.wait()
        return text

    monkeypatch.setitem(regions._regions, "agenda", agenda_read_then_held)
    racing_page = RecordingSocket()
    racing = hub.new_connection(racing_page, scene.meeting_id, 10**9 + 2, FACILITATORS)
    later = None
    try:
        attaching = client.portal.start_task_soon(hub.attach, racing)
        client.portal.call(asyncio.wait_for, read.wait(), 10)
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "Any other business"})

        async def change_heard() -> None:
            while "Any other business" not in agenda_text(await watcher_page.next()):
                pass

        client.portal.call(change_heard)
        client.portal.call(resume.set)
        attaching.result(10)
        sent = client.portal.call(racing_page.next)
        while "Any other business" not in agenda_text(sent):  # the push may come in one message with it
            sent += client.portal.call(racing_page.next)
        snapshot_agenda = region_copies(sent, "agenda")[0]
        assert "Any other business" not in text_of(snapshot_agenda)  # what it read, then the push

        later, later_page = attached(client, hub, scene.meeting_id, FACILITATORS, 3)
        assert "Any other business" in agenda_text(client.portal.call(later_page.next))
    finally:
        for conn in (watcher, racing, later):
            if conn is not None:
                client.portal.call(hub.detach, conn)


def test_arrivals_are_kept_from_their_batch_not_read_again(client, scene, snapshot_renders):
    hub = client.app.state.hub
    scene.member("Ana")
    watcher, watcher_page = attached(client, hub, scene.meeting_id, MEMBERS, 1)
    newcomer = None
    try:
        client.portal.call(watcher_page.next)

        async def ana_arrives() -> None:
            await opens_a_page(client.app, scene.meeting_id, "Ana")
            while "Ana" not in text_of(region(await watcher_page.next(), "presence") or "").split("Joined but")[0]:
                pass

        client.portal.call(ana_arrives)
        assert snapshot_renders["presence"] == 2  # the watcher's snapshot, then the batch
        newcomer, newcomer_page = attached(client, hub, scene.meeting_id, MEMBERS, 2)
        here = text_of(region(client.portal.call(newcomer_page.next), "presence")).split("Joined but")[0]
        assert "Ana" in here
        assert snapshot_renders["presence"] == 2  # the batch's rendering served the snapshot
    finally:
        for conn in (watcher, newcomer):
            if conn is not None:
                client.portal.call(hub.detach, conn)


def test_nothing_is_reused_once_the_worker_stops_hearing_the_meeting(client, scene):
    """With no page here the worker unsubscribes and misses events: what it kept goes."""
    hub = client.app.state.hub
    first, first_page = attached(client, hub, scene.meeting_id, MEMBERS, 1)
    client.portal.call(first_page.next)
    assert meeting_topic(scene.meeting_id) in hub._region_caches
    client.portal.call(hub.detach, first)
    assert meeting_topic(scene.meeting_id) not in hub._region_caches

    scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "Any other business"})
    again, again_page = attached(client, hub, scene.meeting_id, MEMBERS, 2)
    try:
        assert "Any other business" in agenda_text(client.portal.call(again_page.next))
    finally:
        client.portal.call(hub.detach, again)


def test_a_resync_reads_everything_anew(client, scene):
    """After the broker lost events (Redis restarted), nothing kept can be trusted."""
    hub = client.app.state.hub
    watcher, page = attached(client, hub, scene.meeting_id, MEMBERS, 1)
    try:
        assert "Welcome" in agenda_text(client.portal.call(page.next))

        async def changed_while_events_were_lost() -> None:
            async with client.app.state.sessionmaker() as session:
                await session.exec(update(AgendaItem).where(AgendaItem.meeting_id == scene.meeting_id,
                                                            AgendaItem.title == "Welcome").values(title="Hello all"))
                await session.commit()
            await hub.resync_everyone()

        client.portal.call(changed_while_events_were_lost)
        assert "Hello all" in agenda_text(client.portal.call(page.next))
    finally:
        client.portal.call(hub.detach, watcher)
